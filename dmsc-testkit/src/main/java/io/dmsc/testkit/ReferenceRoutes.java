package io.dmsc.testkit;

import io.dmsc.node.config.NodeConfig;
import io.dmsc.node.config.TopologyConfig;
import io.dmsc.routing.FibEntry;
import io.dmsc.wire.ServicePrefix;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What every node's FIB must hold for a topology, computed independently of the protocol
 * (Floyd–Warshall over the live part of the topology file). Used by tests to check that a
 * mesh converged to the right answer, not just to some answer.
 */
public final class ReferenceRoutes {
    private static final long INF = Long.MAX_VALUE / 4;

    private ReferenceRoutes() {
    }

    /**
     * Expected FIBs.
     *
     * @param topology    the topology file
     * @param deadNodes   nodes that are down
     * @param failedLinks links that are down, as "a|b" with a &lt; b
     * @return node id → (prefix → expected entry), for every live node
     */
    public static Map<String, Map<ServicePrefix, FibEntry>> compute(TopologyConfig topology, Set<String> deadNodes,
                                                                    Set<String> failedLinks) {
        List<String> ids = new ArrayList<>();
        for (NodeConfig n : topology.nodes()) {
            if (!deadNodes.contains(n.id())) {
                ids.add(n.id());
            }
        }
        int n = ids.size();
        Map<String, Integer> index = new HashMap<>();
        for (int i = 0; i < n; i++) {
            index.put(ids.get(i), i);
        }
        long[][] w = new long[n][n];
        long[][] d = new long[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                w[i][j] = i == j ? 0 : INF;
            }
        }
        for (TopologyConfig.Link l : topology.links()) {
            Integer a = index.get(l.a());
            Integer b = index.get(l.b());
            if (a == null || b == null || failedLinks.contains(key(l.a(), l.b()))) {
                continue;
            }
            w[a][b] = Math.min(w[a][b], l.metric());
            w[b][a] = Math.min(w[b][a], l.metric());
        }
        for (int i = 0; i < n; i++) {
            d[i] = w[i].clone();
        }
        // A node with the overload bit (the SCSC, a drained router) is reached but never passed through.
        boolean[] overload = new boolean[n];
        for (NodeConfig c : topology.nodes()) {
            Integer i = index.get(c.id());
            if (i != null) {
                overload[i] = c.routing().overload();
            }
        }
        for (int k = 0; k < n; k++) {
            if (overload[k]) {
                continue;
            }
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) {
                    if (d[i][k] + d[k][j] < d[i][j]) {
                        d[i][j] = d[i][k] + d[k][j];
                    }
                }
            }
        }
        Map<ServicePrefix, Set<String>> owners = new HashMap<>();
        for (NodeConfig c : topology.nodes()) {
            if (deadNodes.contains(c.id())) {
                continue;
            }
            owners.computeIfAbsent(ServicePrefix.nodePrefix(c.id()), k -> new HashSet<>()).add(c.id());
            for (ServicePrefix p : c.prefixes()) {
                owners.computeIfAbsent(p, k -> new HashSet<>()).add(c.id());
            }
        }
        Map<String, Map<ServicePrefix, FibEntry>> out = new TreeMap<>();
        for (int s = 0; s < n; s++) {
            Map<ServicePrefix, FibEntry> fib = new TreeMap<>();
            for (Map.Entry<ServicePrefix, Set<String>> e : owners.entrySet()) {
                long best = INF;
                for (String o : e.getValue()) {
                    best = Math.min(best, d[s][index.get(o)]);
                }
                if (best >= INF) {
                    continue;
                }
                boolean local = false;
                TreeSet<String> hops = new TreeSet<>();
                for (String o : e.getValue()) {
                    int t = index.get(o);
                    if (d[s][t] != best) {
                        continue;
                    }
                    if (t == s) {
                        local = true;
                        continue;
                    }
                    for (int nb = 0; nb < n; nb++) {
                        if (nb != s && (nb == t || !overload[nb]) && w[s][nb] < INF && w[s][nb] + d[nb][t] == best) {
                            hops.add(ids.get(nb));
                        }
                    }
                }
                fib.put(e.getKey(), new FibEntry(e.getKey(), new ArrayList<>(hops), local, best));
            }
            out.put(ids.get(s), fib);
        }
        return out;
    }

    /**
     * @param a one end
     * @param b other end
     * @return the canonical key of link a–b
     */
    public static String key(String a, String b) {
        return a.compareTo(b) < 0 ? a + "|" + b : b + "|" + a;
    }
}
