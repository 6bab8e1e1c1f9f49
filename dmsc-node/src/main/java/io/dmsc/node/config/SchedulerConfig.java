package io.dmsc.node.config;

import io.dmsc.wire.ServicePrefix;
import java.util.List;

/**
 * Settings of the Service Mesh Communication Scheduling Center (signal type 4).
 *
 * @param listen            gRPC address the nodes report to ({@code host:port}, port 0: any)
 * @param reportIntervalMs  the nodes' report interval (the topology hands it to every SG and SR)
 * @param thresholds        global thresholds
 * @param prefixThresholds  per-prefix thresholds, longest match wins over the global ones
 * @param policyTtlMs       time to live of a pushed policy; refreshed at a third of it while it holds
 * @param hysteresisMs      how long a steered path must stay below its thresholds (with margin)
 *                          before its policy is withdrawn and calls return
 * @param maxSessions       most node sessions held at once
 * @param maxReportsPerSecond most reports taken per session and second; more are dropped and counted
 */
public record SchedulerConfig(String listen, long reportIntervalMs, Thresholds thresholds,
                              List<PrefixThresholds> prefixThresholds, long policyTtlMs, long hysteresisMs,
                              int maxSessions, int maxReportsPerSecond) {
    /**
     * When a measurement is bad. A value of 0 turns that threshold off.
     *
     * @param delayMs                   path delay (probe round trip) at or above which the path is bad
     * @param jitterMs                  jitter at or above which the path is bad
     * @param lossPercent               probe loss at or above which the path is bad
     * @param availableBandwidthPercent available bandwidth of the path's most loaded link, in percent
     *                                  of its capacity, at or below which the path is bad
     */
    public record Thresholds(double delayMs, double jitterMs, double lossPercent, double availableBandwidthPercent) {
        /** The defaults of the draft's example: delay >= 20 ms, jitter >= 10 ms, available bandwidth <= 10%. */
        public static final Thresholds DEFAULTS = new Thresholds(20, 10, 0, 10);

        /** Validates. */
        public Thresholds {
            check("delayMs", delayMs, 60_000);
            check("jitterMs", jitterMs, 60_000);
            check("lossPercent", lossPercent, 100);
            check("availableBandwidthPercent", availableBandwidthPercent, 100);
        }

        private static void check(String key, double v, double max) {
            if (!(v >= 0 && v <= max)) {
                throw new IllegalArgumentException("thresholds." + key + ": " + v + " (expected: 0.." + (long) max
                        + ", 0 turns it off)");
            }
        }
    }

    /**
     * @param prefix     the prefix (and the names under it)
     * @param thresholds its thresholds
     */
    public record PrefixThresholds(ServicePrefix prefix, Thresholds thresholds) {
    }

    /** Validates and copies. */
    public SchedulerConfig {
        prefixThresholds = List.copyOf(prefixThresholds);
        if (reportIntervalMs < 100 || reportIntervalMs > 60_000) {
            throw new IllegalArgumentException("reportIntervalMs: " + reportIntervalMs + " (expected: 100..60000)");
        }
        if (policyTtlMs < 3 * reportIntervalMs || policyTtlMs > 3_600_000) {
            throw new IllegalArgumentException("policyTtlMs: " + policyTtlMs + " (expected: 3 report intervals ("
                    + 3 * reportIntervalMs + ")..3600000)");
        }
        if (hysteresisMs < 0 || hysteresisMs > 3_600_000) {
            throw new IllegalArgumentException("hysteresisMs: " + hysteresisMs + " (expected: 0..3600000)");
        }
        if (maxSessions < 1 || maxSessions > 100_000) {
            throw new IllegalArgumentException("maxSessions: " + maxSessions + " (expected: 1..100000)");
        }
        if (maxReportsPerSecond < 1 || maxReportsPerSecond > 1000) {
            throw new IllegalArgumentException("maxReportsPerSecond: " + maxReportsPerSecond + " (expected: 1..1000)");
        }
    }

    /**
     * Defaults: report every second, the draft's thresholds, TTL 10 s, hysteresis 5 s.
     *
     * @param listen gRPC address
     * @return the settings
     */
    public static SchedulerConfig defaults(String listen) {
        return new SchedulerConfig(listen, 1000, Thresholds.DEFAULTS, List.of(), 10_000, 5_000, 10_000, 20);
    }

    /**
     * @param name a service name
     * @return the thresholds for it: the longest matching per-prefix entry, else the global ones
     */
    public Thresholds thresholdsFor(ServicePrefix name) {
        Thresholds best = thresholds;
        int bestLength = -1;
        for (PrefixThresholds p : prefixThresholds) {
            if (p.prefix().isPrefixOf(name) && p.prefix().size() > bestLength) {
                best = p.thresholds();
                bestLength = p.prefix().size();
            }
        }
        return best;
    }

    /**
     * @param value the listen address in force
     * @return a copy listening there
     */
    public SchedulerConfig withListen(String value) {
        return new SchedulerConfig(value, reportIntervalMs, thresholds, prefixThresholds, policyTtlMs, hysteresisMs,
                maxSessions, maxReportsPerSecond);
    }
}
