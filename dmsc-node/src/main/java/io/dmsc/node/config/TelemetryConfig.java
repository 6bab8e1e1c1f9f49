package io.dmsc.node.config;

import java.util.List;

/**
 * Where a node reports its measurements (signal type 4) and how often.
 *
 * @param servers          SCSC gRPC addresses {@code host:port}, in order of preference
 * @param reportIntervalMs time between two reports, 100..60000
 */
public record TelemetryConfig(List<String> servers, long reportIntervalMs) {
    /** Default report interval. */
    public static final long DEFAULT_REPORT_INTERVAL_MS = 1000;

    /** Validates and copies. */
    public TelemetryConfig {
        servers = List.copyOf(servers);
        if (servers.isEmpty()) {
            throw new IllegalArgumentException("telemetry.servers: empty (expected: at least one SCSC address)");
        }
        if (reportIntervalMs < 100 || reportIntervalMs > 60_000) {
            throw new IllegalArgumentException("telemetry.reportIntervalMs: " + reportIntervalMs
                    + " (expected: 100..60000)");
        }
    }
}
