package io.dmsc.sdk;

import java.util.function.DoubleSupplier;

/**
 * Exponential back-off with jitter between reconnect attempts: the first delay is
 * {@code initialMs}, each failure multiplies it by 2 up to {@code maxMs}, and every delay is
 * spread by +/-20% so that pods of a restarted gateway do not reconnect in lock step. A Welcome
 * resets it. Not thread-safe: owned by the attach session's synchronization context.
 */
final class ReconnectBackoff {
    private static final double JITTER = 0.2;

    private final long initialMs;
    private final long maxMs;
    private final DoubleSupplier random;
    private long nextMs;

    ReconnectBackoff(long initialMs, long maxMs, DoubleSupplier random) {
        if (initialMs <= 0) {
            throw new IllegalArgumentException("initialMs: " + initialMs + " (expected: > 0)");
        }
        if (maxMs < initialMs) {
            throw new IllegalArgumentException("maxMs: " + maxMs + " (expected: >= initialMs " + initialMs + ")");
        }
        this.initialMs = initialMs;
        this.maxMs = maxMs;
        this.random = random;
        this.nextMs = initialMs;
    }

    /** Returns the delay before the next attempt and doubles the following one. */
    long nextDelayMs() {
        long base = nextMs;
        nextMs = Math.min(maxMs, nextMs * 2);
        double factor = 1 + JITTER * (2 * random.getAsDouble() - 1);
        return Math.max(1, Math.round(base * factor));
    }

    void reset() {
        nextMs = initialMs;
    }
}
