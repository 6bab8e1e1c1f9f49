package io.dmsc.node.admin;

import io.netty.handler.codec.http.HttpHeaders;

/**
 * One admin request, decoded and complete.
 *
 * @param method   {@code GET}, {@code HEAD} or {@code POST}
 * @param path     the decoded path, e.g. {@code /status/fib}
 * @param rawQuery the query as sent (not decoded), or null
 * @param headers  its headers
 * @param remote   the client's address, e.g. {@code 127.0.0.1}
 */
public record AdminRequest(String method, String path, String rawQuery, HttpHeaders headers, String remote) {
}
