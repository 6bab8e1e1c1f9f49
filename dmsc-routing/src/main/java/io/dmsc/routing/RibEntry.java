package io.dmsc.routing;

import io.dmsc.wire.ServicePrefix;
import java.util.List;

/**
 * The best route to one service prefix.
 *
 * @param prefix   the prefix
 * @param cost     path cost to the egress plus the prefix cost
 * @param egress   nodes that announce the prefix at that cost (anycast replicas), sorted
 * @param nextHops neighbours on equal-cost shortest paths to any egress, sorted; empty when
 *                 the only egress is this node
 * @param local    true if this node is one of the egress nodes
 */
public record RibEntry(ServicePrefix prefix, long cost, List<String> egress, List<String> nextHops, boolean local) {
    /** Copies the lists. */
    public RibEntry {
        egress = List.copyOf(egress);
        nextHops = List.copyOf(nextHops);
    }
}
