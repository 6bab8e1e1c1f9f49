package io.dmsc.node.admin;

import java.util.Map;

/**
 * One admin answer.
 *
 * @param status      HTTP status code
 * @param contentType its Content-Type
 * @param body        the body (UTF-8)
 * @param headers     more headers, e.g. {@code Allow}
 */
public record AdminResponse(int status, String contentType, String body, Map<String, String> headers) {
    /** Plain text (UTF-8). */
    public static final String TEXT = "text/plain; charset=utf-8";
    /** JSON. */
    public static final String JSON = "application/json";
    /** Prometheus text exposition. */
    public static final String PROMETHEUS = "text/plain; version=0.0.4; charset=utf-8";

    /** @return a plain-text answer */
    public static AdminResponse text(int status, String body) {
        return new AdminResponse(status, TEXT, body, Map.of());
    }

    /** @return this answer with one more header */
    public AdminResponse withHeader(String name, String value) {
        Map<String, String> h = new java.util.LinkedHashMap<>(headers);
        h.put(name, value);
        return new AdminResponse(status, contentType, body, h);
    }
}
