package io.dmsc.routing;

import io.dmsc.wire.ServicePrefix;
import io.dmsc.wire.link.NeighborEntry;
import io.dmsc.wire.link.NodeRole;
import java.util.List;
import java.util.Map;

/**
 * The topology and the installed prefixes of the link-state database, by origin node: what the
 * Scheduling Center computes over. Immutable.
 *
 * @param nodes    by node id
 * @param prefixes the installed advertisements of every prefix (verified; a rejected one is left out)
 */
public record MeshView(Map<String, Node> nodes, Map<ServicePrefix, List<Replica>> prefixes) {
    /**
     * One node's LSP (all fragments).
     *
     * @param id        node id
     * @param role      SG, SR or SCSC
     * @param overload  the overload bit (no transit through it)
     * @param neighbors its advertised neighbours with metrics (one-way; SPF uses only two-way ones)
     */
    public record Node(String id, NodeRole role, boolean overload, List<NeighborEntry> neighbors) {
        /** Copies. */
        public Node {
            neighbors = List.copyOf(neighbors);
        }
    }

    /**
     * One advertisement of a prefix.
     *
     * @param origin the advertising SG
     * @param cost   its cost
     * @param weight its weight
     */
    public record Replica(String origin, int cost, int weight) {
    }

    /** Copies. */
    public MeshView {
        nodes = Map.copyOf(nodes);
        prefixes = Map.copyOf(prefixes);
    }

    /**
     * @param a a node
     * @param b another
     * @return the metric of the two-way link a-b (the larger of the two advertised), or -1 when
     *         it is not advertised by both ends
     */
    public int metric(String a, String b) {
        Node na = nodes.get(a);
        Node nb = nodes.get(b);
        if (na == null || nb == null) {
            return -1;
        }
        int ab = -1;
        for (NeighborEntry e : na.neighbors()) {
            if (e.nodeId().equals(b)) {
                ab = e.metric();
            }
        }
        int ba = -1;
        for (NeighborEntry e : nb.neighbors()) {
            if (e.nodeId().equals(a)) {
                ba = e.metric();
            }
        }
        return ab < 0 || ba < 0 ? -1 : Math.max(ab, ba);
    }
}
