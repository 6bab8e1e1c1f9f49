package io.dmsc.node.config;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * A position in a parsed YAML file that knows its own path, so every error names the file, the
 * key and what was expected.
 */
final class ConfigNode {
    private final String file;
    private final String path;
    private final JsonNode node;

    ConfigNode(String file, String path, JsonNode node) {
        this.file = file;
        this.path = path;
        this.node = node;
    }

    String file() {
        return file;
    }

    boolean isObject() {
        return node != null && node.isObject();
    }

    boolean isPresent() {
        return node != null && !node.isNull() && !node.isMissingNode();
    }

    ConfigException error(String key, String problem) {
        String where = key == null ? path : path.isEmpty() ? key : path + "." + key;
        return new ConfigException(file + ": " + (where.isEmpty() ? "(top level)" : where) + ": " + problem);
    }

    void requireObject() {
        if (node == null || !node.isObject()) {
            throw error(null, describe(node) + " (expected: a mapping of keys to values)");
        }
    }

    void allowOnly(String... keys) {
        requireObject();
        Set<String> allowed = new TreeSet<>(List.of(keys));
        Iterator<String> names = node.fieldNames();
        while (names.hasNext()) {
            String k = names.next();
            if (!allowed.contains(k)) {
                throw error(k, "unknown key (expected one of: " + String.join(", ", allowed) + ")");
            }
        }
    }

    boolean has(String key) {
        JsonNode v = node.get(key);
        return v != null && !v.isNull();
    }

    String string(String key, boolean required) {
        JsonNode v = node.get(key);
        if (v == null || v.isNull()) {
            if (required) {
                throw error(key, "missing (expected: a value)");
            }
            return null;
        }
        if (!v.isValueNode()) {
            throw error(key, describe(v) + " (expected: a single value)");
        }
        return v.asText();
    }

    long integer(String key, long defaultValue, long min, long max) {
        JsonNode v = node.get(key);
        if (v == null || v.isNull()) {
            return defaultValue;
        }
        if (!v.isIntegralNumber()) {
            throw error(key, "'" + v.asText() + "' (expected: a whole number in " + min + ".." + max + ")");
        }
        long value = v.asLong();
        if (value < min || value > max) {
            throw error(key, value + " (expected: " + min + ".." + max + ")");
        }
        return value;
    }

    double number(String key, double defaultValue, double min, double max) {
        JsonNode v = node.get(key);
        if (v == null || v.isNull()) {
            return defaultValue;
        }
        if (!v.isNumber() || !Double.isFinite(v.asDouble())) {
            throw error(key, "'" + v.asText() + "' (expected: a number in " + min + ".." + max + ")");
        }
        double value = v.asDouble();
        if (value < min || value > max) {
            throw error(key, value + " (expected: " + min + ".." + max + ")");
        }
        return value;
    }

    boolean bool(String key, boolean defaultValue) {
        JsonNode v = node.get(key);
        if (v == null || v.isNull()) {
            return defaultValue;
        }
        if (!v.isBoolean()) {
            throw error(key, "'" + v.asText() + "' (expected: true or false)");
        }
        return v.asBoolean();
    }

    ConfigNode child(String key) {
        JsonNode v = node.get(key);
        return new ConfigNode(file, path.isEmpty() ? key : path + "." + key, v);
    }

    List<ConfigNode> list(String key, boolean required) {
        JsonNode v = node.get(key);
        String childPath = path.isEmpty() ? key : path + "." + key;
        if (v == null || v.isNull()) {
            if (required) {
                throw error(key, "missing (expected: a list)");
            }
            return List.of();
        }
        if (!v.isArray()) {
            throw error(key, describe(v) + " (expected: a list)");
        }
        List<ConfigNode> out = new ArrayList<>();
        for (int i = 0; i < v.size(); i++) {
            out.add(new ConfigNode(file, childPath + "[" + i + "]", v.get(i)));
        }
        return out;
    }

    String text() {
        if (node == null || !node.isValueNode()) {
            throw error(null, describe(node) + " (expected: a single value)");
        }
        return node.asText();
    }

    private static String describe(JsonNode v) {
        if (v == null || v.isNull()) {
            return "nothing";
        }
        if (v.isObject()) {
            return "a mapping";
        }
        if (v.isArray()) {
            return "a list";
        }
        return "'" + v.asText() + "'";
    }
}
