package io.dmsc.node.logging;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.event.Level;

/**
 * One log line per cause per interval: events of a cause after the first in an interval are
 * counted, not written, and the next line of that cause says how many were left out. A cause is
 * what an operator acts on ("TLS refused from 10.0.0.7: untrusted", "pod p-1 rejected:
 * LIMIT_EXCEEDED"), so a hostile peer repeating one mistake costs one line per interval while a
 * second, different problem still shows at once.
 *
 * <p>The causes remembered are bounded ({@code maxCauses}, least recently logged out first),
 * so a peer that varies its cause (a new source port per connection) cannot grow this either;
 * a cause forgotten that way logs again at its next event. Thread-safe: callers on any thread.
 */
public final class RateLimitedLog {
    /** Default interval between two lines of one cause. */
    public static final long DEFAULT_INTERVAL_MS = 10_000;
    /** Default number of causes remembered. */
    public static final int DEFAULT_MAX_CAUSES = 1024;

    private final Logger log;
    private final long intervalNs;
    private final LongSupplier nanoClock;
    private final Map<String, Cause> causes;
    /** Events not written, of causes forgotten before their next line. Guarded by {@code this}. */
    private long suppressedTotal;

    /** Per cause: when it last wrote a line, and what was left out since. */
    private static final class Cause {
        long lastLoggedNs;
        long suppressed;
    }

    /**
     * A limiter with the default interval and cause bound, on the system clock.
     *
     * @param log where the lines go
     */
    public RateLimitedLog(Logger log) {
        this(log, DEFAULT_INTERVAL_MS, DEFAULT_MAX_CAUSES, System::nanoTime);
    }

    /**
     * A limiter.
     *
     * @param log        where the lines go
     * @param intervalMs least time between two lines of one cause, &gt; 0
     * @param maxCauses  causes remembered, &gt; 0
     * @param nanoClock  a monotonic clock in nanoseconds
     */
    public RateLimitedLog(Logger log, long intervalMs, int maxCauses, LongSupplier nanoClock) {
        if (intervalMs <= 0 || maxCauses <= 0) {
            throw new IllegalArgumentException("intervalMs " + intervalMs + ", maxCauses " + maxCauses
                    + " (expected: both > 0)");
        }
        this.log = Objects.requireNonNull(log, "log");
        this.intervalNs = TimeUnit.MILLISECONDS.toNanos(intervalMs);
        this.nanoClock = Objects.requireNonNull(nanoClock, "nanoClock");
        this.causes = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Cause> eldest) {
                if (size() > maxCauses) {
                    suppressedTotal += eldest.getValue().suppressed;
                    return true;
                }
                return false;
            }
        };
    }

    /**
     * Logs a WARN line unless this cause wrote one within the interval.
     *
     * @param cause  what the line is about; events with equal causes share one line per interval
     * @param format an SLF4J format
     * @param args   its arguments (a trailing Throwable is logged with its stack)
     * @return true if the line was written
     */
    public boolean warn(String cause, String format, Object... args) {
        return log(Level.WARN, cause, format, args);
    }

    /**
     * Logs an INFO line unless this cause wrote one within the interval.
     *
     * @param cause  what the line is about
     * @param format an SLF4J format
     * @param args   its arguments
     * @return true if the line was written
     */
    public boolean info(String cause, String format, Object... args) {
        return log(Level.INFO, cause, format, args);
    }

    private boolean log(Level level, String cause, String format, Object... args) {
        if (!log.isEnabledForLevel(level)) {
            return false;
        }
        long nowNs = nanoClock.getAsLong();
        long left;
        synchronized (this) {
            Cause c = causes.get(cause);
            if (c != null && nowNs - c.lastLoggedNs < intervalNs) {
                c.suppressed++;
                return false;
            }
            if (c == null) {
                c = new Cause();
                causes.put(cause, c);
            }
            left = c.suppressed;
            c.suppressed = 0;
            c.lastLoggedNs = nowNs;
        }
        String line = left == 0 ? format
                : format + " [" + left + " more like this in the last " + (intervalNs / 1_000_000_000L) + " s not logged]";
        log.atLevel(level).log(line, args);
        return true;
    }

    /**
     * The host of a peer's {@code host:port}, for causes per peer: a new connection (a new source
     * port) of the same peer must not be a new cause.
     *
     * @param address an address as printed ({@code host:port}, {@code [v6]:port}), or anything
     * @return the part before the last colon, or the whole text when it has none
     */
    public static String hostOf(Object address) {
        String a = String.valueOf(address);
        int colon = a.lastIndexOf(':');
        return colon < 0 ? a : a.substring(0, colon);
    }

    /**
     * Events not written so far and not yet reported by a later line of their cause.
     *
     * @return the count
     */
    public synchronized long suppressed() {
        long n = suppressedTotal;
        for (Cause c : causes.values()) {
            n += c.suppressed;
        }
        return n;
    }
}
