package io.dmsc.benchmarks;

import io.dmsc.routing.SpfTopology;
import io.dmsc.wire.link.NeighborEntry;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * A connected random sparse graph with symmetric links, as the SPF and convergence benchmarks
 * use: a random spanning tree (node {@code i} attaches to a uniformly chosen earlier node) plus
 * random extra links until the average degree is reached, no self-loops, no parallel links,
 * metrics uniform in {@code 1..maxMetric}. The same arguments always give the same graph.
 * Immutable.
 */
final class RandomSparseGraph {
    /** One undirected link between node indices {@code a < b}. */
    record Link(int a, int b, int metric) {
    }

    private final String[] ids;
    private final List<Link> links;

    private RandomSparseGraph(String[] ids, List<Link> links) {
        this.ids = ids;
        this.links = links;
    }

    /**
     * Generates a graph.
     *
     * @param nodes         number of nodes, at least 2
     * @param averageDegree wanted average degree, at least 2 (a tree alone has almost 2)
     * @param maxMetric     largest link metric, at least 1
     * @param seed          random seed
     * @return the graph
     */
    static RandomSparseGraph generate(int nodes, double averageDegree, int maxMetric, long seed) {
        if (nodes < 2) {
            throw new IllegalArgumentException("nodes: " + nodes + " (expected: >= 2)");
        }
        if (averageDegree < 2 || averageDegree > nodes - 1) {
            throw new IllegalArgumentException("averageDegree: " + averageDegree + " (expected: 2.." + (nodes - 1) + ")");
        }
        if (maxMetric < 1) {
            throw new IllegalArgumentException("maxMetric: " + maxMetric + " (expected: >= 1)");
        }
        Random random = new Random(seed);
        int width = Integer.toString(nodes - 1).length();
        String[] ids = new String[nodes];
        for (int i = 0; i < nodes; i++) {
            ids[i] = "n" + "0".repeat(width - Integer.toString(i).length()) + i;
        }
        long wanted = Math.round(nodes * averageDegree / 2);
        Set<Long> present = new HashSet<>();
        List<Link> links = new ArrayList<>();
        for (int i = 1; i < nodes; i++) {
            addLink(links, present, random.nextInt(i), i, 1 + random.nextInt(maxMetric));
        }
        while (links.size() < wanted) {
            int a = random.nextInt(nodes);
            int b = random.nextInt(nodes);
            if (a != b) {
                addLink(links, present, a, b, 1 + random.nextInt(maxMetric));
            }
        }
        return new RandomSparseGraph(ids, List.copyOf(links));
    }

    private static void addLink(List<Link> links, Set<Long> present, int x, int y, int metric) {
        int a = Math.min(x, y);
        int b = Math.max(x, y);
        if (present.add(((long) a << 32) | b)) {
            links.add(new Link(a, b, metric));
        }
    }

    /** @return number of nodes */
    int size() {
        return ids.length;
    }

    /**
     * @param i node index
     * @return its node id, {@code n} followed by the zero-padded index
     */
    String id(int i) {
        return ids[i];
    }

    /** @return every link once, in generation order (the spanning tree first) */
    List<Link> links() {
        return links;
    }

    /** @return what each node would advertise in its fragment 0: every link, from both ends */
    Map<String, SpfTopology.NodeLinks> nodeLinks() {
        List<List<NeighborEntry>> adjacency = new ArrayList<>(ids.length);
        for (int i = 0; i < ids.length; i++) {
            adjacency.add(new ArrayList<>());
        }
        for (Link l : links) {
            adjacency.get(l.a()).add(new NeighborEntry(ids[l.b()], l.metric()));
            adjacency.get(l.b()).add(new NeighborEntry(ids[l.a()], l.metric()));
        }
        Map<String, SpfTopology.NodeLinks> out = new HashMap<>(ids.length * 2);
        for (int i = 0; i < ids.length; i++) {
            out.put(ids[i], new SpfTopology.NodeLinks(List.copyOf(adjacency.get(i)), false));
        }
        return out;
    }

    /**
     * Tells whether the graph stays connected without one link (false when the link is a bridge).
     *
     * @param removed the link left out
     * @return true if every node still reaches node 0
     */
    boolean connectedWithout(Link removed) {
        List<List<Integer>> adjacency = new ArrayList<>(ids.length);
        for (int i = 0; i < ids.length; i++) {
            adjacency.add(new ArrayList<>());
        }
        for (Link l : links) {
            if (l != removed) {
                adjacency.get(l.a()).add(l.b());
                adjacency.get(l.b()).add(l.a());
            }
        }
        boolean[] seen = new boolean[ids.length];
        ArrayDeque<Integer> queue = new ArrayDeque<>();
        seen[0] = true;
        queue.add(0);
        int reached = 1;
        while (!queue.isEmpty()) {
            for (int v : adjacency.get(queue.poll())) {
                if (!seen[v]) {
                    seen[v] = true;
                    reached++;
                    queue.add(v);
                }
            }
        }
        return reached == ids.length;
    }
}
