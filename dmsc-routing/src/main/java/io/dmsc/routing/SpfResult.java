package io.dmsc.routing;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Shortest-path tree from one source with equal-cost next hops. Immutable.
 */
public final class SpfResult {
    /** Distance of an unreachable node. */
    public static final long UNREACHABLE = Long.MAX_VALUE;

    private final SpfTopology topology;
    private final int source;
    private final long[] distance;
    private final int[][] nextHops;

    SpfResult(SpfTopology topology, int source, long[] distance, int[][] nextHops) {
        this.topology = topology;
        this.source = source;
        this.distance = distance;
        this.nextHops = nextHops;
    }

    /** @return the graph this tree was computed on */
    public SpfTopology topology() {
        return topology;
    }

    /**
     * @param nodeId a node
     * @return its distance from the source, or {@link #UNREACHABLE}
     */
    public long distance(String nodeId) {
        int i = topology.indexOf(nodeId);
        return i < 0 || source < 0 ? UNREACHABLE : distance[i];
    }

    /**
     * @param i node index in {@link #topology()}
     * @return its distance from the source, or {@link #UNREACHABLE}
     */
    public long distance(int i) {
        return distance[i];
    }

    /**
     * @param nodeId a node other than the source
     * @return the source's neighbours on equal-cost shortest paths to it, sorted; empty for the
     *         source itself and for unreachable nodes
     */
    public List<String> nextHops(String nodeId) {
        int i = topology.indexOf(nodeId);
        if (i < 0 || source < 0 || nextHops[i] == null) {
            return List.of();
        }
        return nextHopIds(nextHops[i]);
    }

    /**
     * @param i node index
     * @return next hop indices, sorted; empty array for the source and unreachable nodes
     */
    public int[] nextHopIndices(int i) {
        int[] nh = nextHops[i];
        return nh == null ? new int[0] : nh.clone();
    }

    private List<String> nextHopIds(int[] hops) {
        List<String> out = new ArrayList<>(hops.length);
        for (int h : hops) {
            out.add(topology.id(h));
        }
        Collections.sort(out);
        return out;
    }

    /** @return the number of nodes reachable from the source, the source included */
    public int reachableCount() {
        int n = 0;
        for (long d : distance) {
            if (d != UNREACHABLE) {
                n++;
            }
        }
        return n;
    }
}
