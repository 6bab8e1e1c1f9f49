package io.dmsc.gateway.pod;

/** When to renew a prefix authorization, and how long to wait after no SPA answered. */
public final class Renewals {
    /** Shortest wait between two attempts. */
    static final long MIN_DELAY_MS = 100;
    /** Longest wait between two attempts while no SPA answers. */
    static final long MAX_RETRY_DELAY_MS = 5_000;

    private Renewals() {
    }

    /**
     * @param nowMs   now, ms since the epoch
     * @param untilMs end of the grant's validity
     * @return delay until its renewal: half of the remaining validity (half-life for a fresh grant)
     */
    public static long renewDelayMs(long nowMs, long untilMs) {
        return Math.max(MIN_DELAY_MS, (untilMs - nowMs) / 2);
    }

    /**
     * @param failures consecutive attempts no SPA answered, from 1
     * @return delay before the next attempt: 250 ms doubling to 5 s
     */
    public static long retryDelayMs(int failures) {
        int shift = Math.min(Math.max(failures - 1, 0), 5);
        return Math.min(MAX_RETRY_DELAY_MS, 250L << shift);
    }
}
