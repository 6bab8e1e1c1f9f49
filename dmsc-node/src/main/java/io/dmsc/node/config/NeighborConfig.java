package io.dmsc.node.config;

import io.dmsc.wire.NodeIds;
import io.dmsc.wire.link.NeighborEntry;

/**
 * A configured adjacency.
 *
 * @param id      the neighbour's node id
 * @param address where to dial it ({@code host:port}), or null to only accept its connection
 * @param metric  link metric, 1 to 16777215
 */
public record NeighborConfig(String id, String address, int metric) {
    /** Validates the fields. */
    public NeighborConfig {
        NodeIds.check(id);
        new NeighborEntry(id, metric);
    }
}
