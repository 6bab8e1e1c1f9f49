package io.dmsc.node.link;

import java.math.BigDecimal;
import java.util.concurrent.TimeUnit;

/**
 * An impairment of the frames a node sends on one link, for tests, drills and demos: an added
 * delay with jitter, a loss rate and a rate limit (egress shaping, as {@code tc netem} and
 * {@code tbf} do on an interface). Applied by {@link ImpairmentShaper}; immutable.
 *
 * <ul>
 *   <li>Delay and jitter: each frame is held {@code delayMs} ± a uniform {@code jitterMs}; a
 *       jitter larger than the delay clamps the per-frame delay at 0. Frames never overtake each
 *       other: a frame leaves no earlier than the one before it. Delay applies to every frame,
 *       hellos and LSPs included, as a slow link delays everything.</li>
 *   <li>Loss: drops data frames (types 16..24, probes included) with this probability; hellos,
 *       LSPs and sequence-number PDUs are never dropped, so that an adjacency survives any loss
 *       rate and the measured loss is the data plane's.</li>
 *   <li>Rate: a token bucket of {@code rateKbps * 1000 / 8} bytes per second that holds frames
 *       until they conform; 0 is no limit.</li>
 * </ul>
 *
 * @param delayMs     added delay, 0..{@value #MAX_DELAY_MS}
 * @param jitterMs    uniform jitter around the delay, 0..{@value #MAX_JITTER_MS}
 * @param lossPercent probability of dropping a data frame, 0..100 (decimals allowed)
 * @param rateKbps    rate limit in kilobits per second, 1..{@value #MAX_RATE_KBPS}, or 0 for none
 */
public record LinkImpairment(int delayMs, int jitterMs, double lossPercent, long rateKbps) {
    /** Largest delay. */
    public static final int MAX_DELAY_MS = 60_000;
    /** Largest jitter. */
    public static final int MAX_JITTER_MS = 60_000;
    /** Largest rate limit (10 Gbit/s). */
    public static final long MAX_RATE_KBPS = 10_000_000;

    /** Checks every value: "name: value (expected: range)". */
    public LinkImpairment {
        if (delayMs < 0 || delayMs > MAX_DELAY_MS) {
            throw new IllegalArgumentException("delayMs: " + delayMs + " (expected: 0.." + MAX_DELAY_MS + ")");
        }
        if (jitterMs < 0 || jitterMs > MAX_JITTER_MS) {
            throw new IllegalArgumentException("jitterMs: " + jitterMs + " (expected: 0.." + MAX_JITTER_MS + ")");
        }
        if (!(lossPercent >= 0 && lossPercent <= 100)) {
            // Written so that NaN fails too.
            throw new IllegalArgumentException("lossPercent: " + lossPercent + " (expected: 0..100)");
        }
        if (rateKbps < 0 || rateKbps > MAX_RATE_KBPS) {
            throw new IllegalArgumentException("rateKbps: " + rateKbps + " (expected: 1.." + MAX_RATE_KBPS
                    + ", or 0 for no limit)");
        }
        // -0.0 would print as "-0".
        lossPercent = lossPercent == 0 ? 0 : lossPercent;
    }

    /**
     * @param delayMs added delay
     * @return an impairment of delay only
     */
    public static LinkImpairment delay(int delayMs) {
        return new LinkImpairment(delayMs, 0, 0, 0);
    }

    /** @return true if it changes nothing */
    public boolean isNone() {
        return delayMs == 0 && jitterMs == 0 && lossPercent == 0 && rateKbps == 0;
    }

    /** @return the delay in nanoseconds */
    public long delayNs() {
        return TimeUnit.MILLISECONDS.toNanos(delayMs);
    }

    /** @return the jitter in nanoseconds */
    public long jitterNs() {
        return TimeUnit.MILLISECONDS.toNanos(jitterMs);
    }

    /** @return the rate limit in bytes per second, 0 for none */
    public long bytesPerSecond() {
        return rateKbps * 1000 / 8;
    }

    /** @return e.g. "delay 50 ms, jitter 10 ms, loss 1.5 %, rate 1000 kbit/s" */
    public String describe() {
        return "delay " + delayMs + " ms, jitter " + jitterMs + " ms, loss "
                + BigDecimal.valueOf(lossPercent).stripTrailingZeros().toPlainString() + " %, rate "
                + (rateKbps == 0 ? "unlimited" : rateKbps + " kbit/s");
    }
}
