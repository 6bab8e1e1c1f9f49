package io.dmsc.wire.link;

import io.dmsc.wire.NodeIds;

/**
 * An adjacency listed in an LSP.
 *
 * @param nodeId the neighbour
 * @param metric link metric, 1 to {@link #MAX_METRIC}
 */
public record NeighborEntry(String nodeId, int metric) {
    /** Largest metric of one link (IS-IS wide metrics use 24 bits). */
    public static final int MAX_METRIC = 0xFF_FFFF;

    /** Validates the fields. */
    public NeighborEntry {
        NodeIds.check(nodeId);
        if (metric < 1 || metric > MAX_METRIC) {
            throw new IllegalArgumentException("metric: " + metric + " (expected: 1.." + MAX_METRIC + ")");
        }
    }
}
