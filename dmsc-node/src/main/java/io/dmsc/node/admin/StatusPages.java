package io.dmsc.node.admin;

import java.lang.reflect.RecordComponent;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Keeps {@code /status} bounded: the summary shows the first {@link #SUMMARY_ROWS} rows of each table
 * (a top-level list: lsdb, rib, fib, flows, pods, ...) and says in {@code sections} how many there
 * are; {@code /status/NAME?offset=N&limit=M} pages through one table, at most {@link #MAX_LIMIT} rows
 * at a time. Pure functions of the status taken from the node; on the admin event loop.
 */
final class StatusPages {
    /** Rows of each table in the summary. */
    static final int SUMMARY_ROWS = 100;
    /** Rows of a page when the query names no limit. */
    static final int DEFAULT_LIMIT = 1000;
    /** Most rows of one page. */
    static final int MAX_LIMIT = 10_000;

    private StatusPages() {
    }

    /** A page request: rows {@code offset .. offset + limit - 1}. */
    record Page(int offset, int limit) {
    }

    /**
     * @param record a status record (its components become the top-level fields, in order)
     * @return the components by name; the lists are the record's own (not copied)
     */
    static Map<String, Object> fields(Record record) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (RecordComponent c : record.getClass().getRecordComponents()) {
            try {
                m.put(c.getName(), c.getAccessor().invoke(record));
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException("cannot read " + c.getName() + " of " + record.getClass(), e);
            }
        }
        return m;
    }

    /**
     * @param full every field of the status
     * @return the fields with each list cut to its first {@link #SUMMARY_ROWS} rows, and
     *         {@code sections}: for each list its {@code total}, the rows {@code shown}, whether it was
     *         {@code truncated}, and the {@code path} that pages through it
     */
    static Map<String, Object> summary(Map<String, Object> full) {
        Map<String, Object> out = new LinkedHashMap<>();
        Map<String, Object> sections = new LinkedHashMap<>();
        for (Map.Entry<String, Object> e : full.entrySet()) {
            if (e.getValue() instanceof List<?> list) {
                int shown = Math.min(list.size(), SUMMARY_ROWS);
                out.put(e.getKey(), list.subList(0, shown));
                Map<String, Object> s = new LinkedHashMap<>();
                s.put("total", list.size());
                s.put("shown", shown);
                s.put("truncated", shown < list.size());
                s.put("path", "/status/" + e.getKey());
                sections.put(e.getKey(), s);
            } else {
                out.put(e.getKey(), e.getValue());
            }
        }
        out.put("sections", sections);
        return out;
    }

    /** @return the names of the tables that can be paged */
    static List<String> tables(Map<String, Object> full) {
        return full.entrySet().stream().filter(e -> e.getValue() instanceof List<?>).map(Map.Entry::getKey).toList();
    }

    /**
     * @param nodeId  whose status
     * @param full    every field of the status
     * @param section a table's name
     * @param page    which rows
     * @return {@code nodeId, section, total, offset, limit, items}, or null if there is no such table
     */
    static Map<String, Object> page(String nodeId, Map<String, Object> full, String section, Page page) {
        if (!(full.get(section) instanceof List<?> list)) {
            return null;
        }
        int from = Math.min(page.offset(), list.size());
        int to = (int) Math.min((long) from + page.limit(), list.size());
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("nodeId", nodeId);
        m.put("section", section);
        m.put("total", list.size());
        m.put("offset", page.offset());
        m.put("limit", page.limit());
        m.put("items", list.subList(from, to));
        return m;
    }

    /**
     * @param rawQuery e.g. {@code offset=0&limit=1000}, or null
     * @return the page it asks for
     * @throws IllegalArgumentException naming the bad parameter and what was expected
     */
    static Page parsePage(String rawQuery) {
        int offset = 0;
        int limit = DEFAULT_LIMIT;
        if (rawQuery != null && !rawQuery.isEmpty()) {
            for (String pair : rawQuery.split("&", -1)) {
                int eq = pair.indexOf('=');
                String key = eq < 0 ? pair : pair.substring(0, eq);
                String value = eq < 0 ? "" : pair.substring(eq + 1);
                if (key.equals("offset")) {
                    offset = number("offset", value, 0, Integer.MAX_VALUE);
                } else if (key.equals("limit")) {
                    limit = number("limit", value, 1, MAX_LIMIT);
                } else {
                    throw new IllegalArgumentException("unknown parameter '" + AdminHttpServer.echo(key)
                            + "' (expected: offset=N, limit=M)");
                }
            }
        }
        return new Page(offset, limit);
    }

    private static int number(String name, String value, int min, int max) {
        String shown = AdminHttpServer.echo(value);
        if (value.isEmpty() || value.length() > 10 || !value.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new IllegalArgumentException(name + ": '" + shown + "' (expected: an integer " + min + ".." + max + ")");
        }
        long v = Long.parseLong(value);
        if (v < min || v > max) {
            throw new IllegalArgumentException(name + ": " + v + " (expected: an integer " + min + ".." + max + ")");
        }
        return (int) v;
    }
}
