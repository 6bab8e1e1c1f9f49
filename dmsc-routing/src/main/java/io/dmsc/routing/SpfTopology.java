package io.dmsc.routing;

import io.dmsc.wire.link.NeighborEntry;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The graph SPF runs on, in compressed sparse row form, built from the fragment-0 LSPs of an
 * LSDB. Only two-way links are kept: an edge u→v exists when u lists v and v lists u
 * (ISO 10589 section 7.2.5 two-way connectivity check). Immutable.
 */
public final class SpfTopology {
    private final String[] ids;
    private final Map<String, Integer> index;
    private final int[] offsets;
    private final int[] targets;
    private final int[] metrics;
    private final boolean[] overload;

    private SpfTopology(String[] ids, Map<String, Integer> index, int[] offsets, int[] targets, int[] metrics,
                        boolean[] overload) {
        this.ids = ids;
        this.index = index;
        this.offsets = offsets;
        this.targets = targets;
        this.metrics = metrics;
        this.overload = overload;
    }

    /** The links and overload flag one node advertises in its fragment 0. */
    public record NodeLinks(List<NeighborEntry> neighbors, boolean overload) {
    }

    /**
     * Builds the graph.
     *
     * @param nodes node id → what its fragment 0 advertises
     * @return the two-way graph
     */
    public static SpfTopology build(Map<String, NodeLinks> nodes) {
        String[] ids = nodes.keySet().toArray(new String[0]);
        Arrays.sort(ids);
        Map<String, Integer> index = new HashMap<>(ids.length * 2);
        NodeLinks[] links = new NodeLinks[ids.length];
        boolean[] overload = new boolean[ids.length];
        int listed = 0;
        for (int i = 0; i < ids.length; i++) {
            index.put(ids[i], i);
            links[i] = nodes.get(ids[i]);
            overload[i] = links[i].overload();
            listed += links[i].neighbors().size();
        }
        // Advertised links per node, in compressed rows, for the reverse check; unknown nodes
        // and self-links dropped.
        int[] advertisedOffsets = new int[ids.length + 1];
        int[] advertisedTargets = new int[listed];
        int[] advertisedMetrics = new int[listed];
        int k = 0;
        for (int u = 0; u < ids.length; u++) {
            for (NeighborEntry n : links[u].neighbors()) {
                Integer v = index.get(n.nodeId());
                if (v != null && v != u) {
                    advertisedTargets[k] = v;
                    advertisedMetrics[k] = n.metric();
                    k++;
                }
            }
            advertisedOffsets[u + 1] = k;
        }
        int[] offsets = new int[ids.length + 1];
        int[] targets = new int[k];
        int[] metrics = new int[k];
        int edges = 0;
        for (int u = 0; u < ids.length; u++) {
            for (int j = advertisedOffsets[u]; j < advertisedOffsets[u + 1]; j++) {
                int v = advertisedTargets[j];
                if (lists(advertisedTargets, advertisedOffsets[v], advertisedOffsets[v + 1], u)) {
                    targets[edges] = v;
                    metrics[edges] = advertisedMetrics[j];
                    edges++;
                }
            }
            offsets[u + 1] = edges;
        }
        if (edges < k) {
            targets = Arrays.copyOf(targets, edges);
            metrics = Arrays.copyOf(metrics, edges);
        }
        return new SpfTopology(ids, index, offsets, targets, metrics, overload);
    }

    private static boolean lists(int[] targets, int from, int to, int u) {
        for (int i = from; i < to; i++) {
            if (targets[i] == u) {
                return true;
            }
        }
        return false;
    }

    /** @return number of nodes */
    public int size() {
        return ids.length;
    }

    /**
     * @param id a node id
     * @return its index, or -1 if the node has no fragment 0
     */
    public int indexOf(String id) {
        Integer i = index.get(id);
        return i == null ? -1 : i;
    }

    /**
     * @param i index
     * @return node id
     */
    public String id(int i) {
        return ids[i];
    }

    int edgeStart(int u) {
        return offsets[u];
    }

    int edgeEnd(int u) {
        return offsets[u + 1];
    }

    int target(int e) {
        return targets[e];
    }

    int metric(int e) {
        return metrics[e];
    }

    boolean overloaded(int u) {
        return overload[u];
    }

    /** @return number of directed two-way edges */
    public int edgeCount() {
        return targets.length;
    }
}
