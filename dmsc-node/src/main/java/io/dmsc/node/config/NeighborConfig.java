package io.dmsc.node.config;

import io.dmsc.wire.NodeIds;
import io.dmsc.wire.link.NeighborEntry;

/**
 * A configured adjacency.
 *
 * @param id      the neighbour's node id
 * @param address where to dial it ({@code host:port}), or null to only accept its connection
 * @param metric  link metric, 1 to 16777215
 * @param capacityMbps the link's capacity in megabits per second, against which its measured
 *                utilisation is shown; 0 when not configured
 */
public record NeighborConfig(String id, String address, int metric, long capacityMbps) {
    /** Largest capacity accepted, Mbit/s (10 Tbit/s). */
    public static final long MAX_CAPACITY_MBPS = 10_000_000;

    /** Validates the fields. */
    public NeighborConfig {
        NodeIds.check(id);
        new NeighborEntry(id, metric);
        if (capacityMbps < 0 || capacityMbps > MAX_CAPACITY_MBPS) {
            throw new IllegalArgumentException("capacityMbps: " + capacityMbps + " (expected: 0 for unknown, or 1.."
                    + MAX_CAPACITY_MBPS + ")");
        }
    }

    /** A neighbour whose link capacity is not configured. */
    public NeighborConfig(String id, String address, int metric) {
        this(id, address, metric, 0);
    }
}
