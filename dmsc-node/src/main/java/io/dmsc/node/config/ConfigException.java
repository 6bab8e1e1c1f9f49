package io.dmsc.node.config;

/**
 * Bad configuration. The message names the file, the key and what was expected, e.g.
 * {@code examples/figure2.yaml: nodes[2].listen: 'abc' (expected: HOST:PORT, e.g. 127.0.0.1:7001)}.
 */
public final class ConfigException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** @param message file, key, value and expectation */
    public ConfigException(String message) {
        super(message);
    }
}
