package io.dmsc.routing;

import java.util.concurrent.TimeUnit;

/**
 * SPF back-off state machine of RFC 8405: the first event after a quiet period is served
 * quickly, a burst is absorbed into one run, and a storm is slowed down. Pure: time is passed
 * in. Owned by the thread that owns the {@link LinkStateProtocol}.
 *
 * <pre>
 *   QUIET --event--> SHORT_WAIT --TIME_TO_LEARN--> LONG_WAIT
 *     ^                  |                            |
 *     +-----HOLDDOWN-----+-------------HOLDDOWN--------+
 * </pre>
 */
public final class SpfBackoff {
    /** States of RFC 8405 section 5.1. */
    public enum SpfBackoffState {
        /** No recent event: the next SPF runs after INITIAL_SPF_DELAY. */
        QUIET,
        /** Recent events: SPF runs after SHORT_SPF_DELAY. */
        SHORT_WAIT,
        /** Events for longer than TIME_TO_LEARN: SPF runs after LONG_SPF_DELAY. */
        LONG_WAIT
    }

    private static final long NONE = Long.MIN_VALUE;

    private final long initialDelayNs;
    private final long shortDelayNs;
    private final long longDelayNs;
    private final long timeToLearnNs;
    private final long holdDownNs;

    private SpfBackoffState state = SpfBackoffState.QUIET;
    private long spfDueNs = NONE;
    private long learnDueNs = NONE;
    private long holdDownDueNs = NONE;

    /**
     * @param initialDelayMs delay of the first SPF after a quiet period
     * @param shortDelayMs   delay while in SHORT_WAIT
     * @param longDelayMs    delay while in LONG_WAIT
     * @param timeToLearnMs  how long SHORT_WAIT lasts
     * @param holdDownMs     quiet time that returns the machine to QUIET
     */
    public SpfBackoff(long initialDelayMs, long shortDelayMs, long longDelayMs, long timeToLearnMs, long holdDownMs) {
        check("initialDelayMs", initialDelayMs, 0);
        check("shortDelayMs", shortDelayMs, initialDelayMs);
        check("longDelayMs", longDelayMs, shortDelayMs);
        check("timeToLearnMs", timeToLearnMs, 0);
        check("holdDownMs", holdDownMs, 1);
        this.initialDelayNs = TimeUnit.MILLISECONDS.toNanos(initialDelayMs);
        this.shortDelayNs = TimeUnit.MILLISECONDS.toNanos(shortDelayMs);
        this.longDelayNs = TimeUnit.MILLISECONDS.toNanos(longDelayMs);
        this.timeToLearnNs = TimeUnit.MILLISECONDS.toNanos(timeToLearnMs);
        this.holdDownNs = TimeUnit.MILLISECONDS.toNanos(holdDownMs);
    }

    private static void check(String name, long value, long min) {
        if (value < min) {
            throw new IllegalArgumentException(name + ": " + value + " (expected: >= " + min + ")");
        }
    }

    /**
     * An IGP event that needs an SPF (topology change).
     *
     * @param nowNs current time
     */
    public void onEvent(long nowNs) {
        // A learn or hold-down timer that has run out has run out, whether or not the owner
        // polled since: act on the state the machine is really in now.
        advanceTimers(nowNs);
        switch (state) {
            case QUIET:
                state = SpfBackoffState.SHORT_WAIT;
                learnDueNs = nowNs + timeToLearnNs;
                holdDownDueNs = nowNs + holdDownNs;
                if (spfDueNs == NONE) {
                    spfDueNs = nowNs + initialDelayNs;
                }
                break;
            case SHORT_WAIT:
                holdDownDueNs = nowNs + holdDownNs;
                if (spfDueNs == NONE) {
                    spfDueNs = nowNs + shortDelayNs;
                }
                break;
            case LONG_WAIT:
                holdDownDueNs = nowNs + holdDownNs;
                if (spfDueNs == NONE) {
                    spfDueNs = nowNs + longDelayNs;
                }
                break;
            default:
                throw new AssertionError(state);
        }
    }

    /**
     * Advances the learn and hold-down timers and tells whether SPF is due.
     *
     * @param nowNs current time
     * @return true if an SPF must run now; the caller runs it
     */
    public boolean poll(long nowNs) {
        advanceTimers(nowNs);
        if (spfDueNs != NONE && nowNs - spfDueNs >= 0) {
            spfDueNs = NONE;
            return true;
        }
        return false;
    }

    private void advanceTimers(long nowNs) {
        if (learnDueNs != NONE && nowNs - learnDueNs >= 0) {
            learnDueNs = NONE;
            if (state == SpfBackoffState.SHORT_WAIT) {
                state = SpfBackoffState.LONG_WAIT;
            }
        }
        if (holdDownDueNs != NONE && nowNs - holdDownDueNs >= 0) {
            holdDownDueNs = NONE;
            learnDueNs = NONE;
            state = SpfBackoffState.QUIET;
        }
    }

    /** @return true if an SPF is scheduled */
    public boolean isPending() {
        return spfDueNs != NONE;
    }

    /**
     * @param nowNs current time
     * @return the earliest time at which {@link #poll} has something to do, or
     *         {@code Long.MAX_VALUE} if nothing is scheduled
     */
    public long nextDeadlineNs(long nowNs) {
        long next = Long.MAX_VALUE;
        for (long t : new long[] {spfDueNs, learnDueNs, holdDownDueNs}) {
            if (t != NONE && t < next) {
                next = t;
            }
        }
        return next;
    }

    /** @return the current state */
    public SpfBackoffState state() {
        return state;
    }
}
