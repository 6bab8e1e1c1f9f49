package io.dmsc.node.admin;

/**
 * Limits of an admin HTTP port, which any local process can reach: a client that is slow, greedy or
 * hostile is refused with a reason instead of holding up {@code /healthz} for everyone else.
 *
 * @param requestTimeoutMs      time from the first byte of a request until its head and body are in;
 *                              a slower client gets 408 and is closed
 * @param idleTimeoutMs         how long a kept-alive connection may wait for its next request
 * @param maxInitialLineBytes   longest request line (method, URL, version); longer gets 414
 * @param maxHeaderBytes        largest header block; larger gets 431
 * @param maxBodyBytes          largest request body (the endpoints take none); larger gets 413
 * @param maxConnections        connections open at once; more are answered 503 and closed at once
 * @param pendingAnswerMs       how long an answer owed by the node (status, a change) is waited for
 *                              before 503
 */
public record AdminHttpSettings(long requestTimeoutMs, long idleTimeoutMs, int maxInitialLineBytes,
                                int maxHeaderBytes, int maxBodyBytes, int maxConnections, long pendingAnswerMs) {
    /** The defaults: 5 s per request, 15 s idle, 4 KiB request line, 8 KiB headers, 4 KiB body, 64 connections, 3 s. */
    public static final AdminHttpSettings DEFAULTS = new AdminHttpSettings(5_000, 15_000, 4096, 8192, 4096, 64, 3_000);

    /** Checks every limit. */
    public AdminHttpSettings {
        positive("requestTimeoutMs", requestTimeoutMs);
        positive("idleTimeoutMs", idleTimeoutMs);
        positive("pendingAnswerMs", pendingAnswerMs);
        if (maxInitialLineBytes < 64) {
            throw new IllegalArgumentException("maxInitialLineBytes: " + maxInitialLineBytes + " (expected: >= 64)");
        }
        if (maxHeaderBytes < 256) {
            throw new IllegalArgumentException("maxHeaderBytes: " + maxHeaderBytes + " (expected: >= 256)");
        }
        if (maxBodyBytes < 0) {
            throw new IllegalArgumentException("maxBodyBytes: " + maxBodyBytes + " (expected: >= 0)");
        }
        if (maxConnections < 1) {
            throw new IllegalArgumentException("maxConnections: " + maxConnections + " (expected: >= 1)");
        }
    }

    private static void positive(String name, long ms) {
        if (ms <= 0) {
            throw new IllegalArgumentException(name + ": " + ms + " (expected: > 0)");
        }
    }

    /** @return these settings with another request timeout */
    public AdminHttpSettings withRequestTimeoutMs(long ms) {
        return new AdminHttpSettings(ms, idleTimeoutMs, maxInitialLineBytes, maxHeaderBytes, maxBodyBytes,
                maxConnections, pendingAnswerMs);
    }

    /** @return these settings with another connection cap */
    public AdminHttpSettings withMaxConnections(int n) {
        return new AdminHttpSettings(requestTimeoutMs, idleTimeoutMs, maxInitialLineBytes, maxHeaderBytes,
                maxBodyBytes, n, pendingAnswerMs);
    }
}
