package io.dmsc.routing;

import io.dmsc.wire.link.NeighborEntry;
import java.util.ArrayList;
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
        for (int i = 0; i < ids.length; i++) {
            index.put(ids[i], i);
        }
        // Advertised metric per directed pair, for the reverse check.
        List<int[]> adjacency = new ArrayList<>(ids.length);
        int edges = 0;
        boolean[] overload = new boolean[ids.length];
        int[][] advertisedTargets = new int[ids.length][];
        int[][] advertisedMetrics = new int[ids.length][];
        for (int u = 0; u < ids.length; u++) {
            NodeLinks links = nodes.get(ids[u]);
            overload[u] = links.overload();
            List<NeighborEntry> ns = links.neighbors();
            int[] t = new int[ns.size()];
            int[] m = new int[ns.size()];
            int k = 0;
            for (NeighborEntry n : ns) {
                Integer v = index.get(n.nodeId());
                if (v != null && v != u) {
                    t[k] = v;
                    m[k] = n.metric();
                    k++;
                }
            }
            advertisedTargets[u] = Arrays.copyOf(t, k);
            advertisedMetrics[u] = Arrays.copyOf(m, k);
        }
        int[] offsets = new int[ids.length + 1];
        int[][] keptTargets = new int[ids.length][];
        int[][] keptMetrics = new int[ids.length][];
        for (int u = 0; u < ids.length; u++) {
            int[] t = advertisedTargets[u];
            int[] kt = new int[t.length];
            int[] km = new int[t.length];
            int k = 0;
            for (int j = 0; j < t.length; j++) {
                if (lists(advertisedTargets[t[j]], u)) {
                    kt[k] = t[j];
                    km[k] = advertisedMetrics[u][j];
                    k++;
                }
            }
            keptTargets[u] = kt;
            keptMetrics[u] = km;
            offsets[u + 1] = offsets[u] + k;
            edges += k;
        }
        adjacency.clear();
        int[] targets = new int[edges];
        int[] metrics = new int[edges];
        for (int u = 0; u < ids.length; u++) {
            int len = offsets[u + 1] - offsets[u];
            System.arraycopy(keptTargets[u], 0, targets, offsets[u], len);
            System.arraycopy(keptMetrics[u], 0, metrics, offsets[u], len);
        }
        return new SpfTopology(ids, index, offsets, targets, metrics, overload);
    }

    private static boolean lists(int[] targets, int u) {
        for (int t : targets) {
            if (t == u) {
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
