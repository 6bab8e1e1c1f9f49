package io.dmsc.testkit;

import io.dmsc.node.DmscNode;
import io.dmsc.node.Mesh;
import io.dmsc.node.NodeStatus;
import java.util.concurrent.TimeUnit;
import io.dmsc.routing.Fib;
import io.dmsc.routing.FibEntry;
import io.dmsc.wire.ServicePrefix;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/** Compares a running mesh's FIBs with {@link ReferenceRoutes}. */
public final class MeshChecks {
    private MeshChecks() {
    }

    /**
     * Lists every difference between the live FIBs and the reference.
     *
     * @param mesh        the running mesh
     * @param deadNodes   nodes killed
     * @param failedLinks links down, keyed by {@link ReferenceRoutes#key}
     * @return human-readable differences; empty when every FIB is right
     */
    public static List<String> fibDifferences(Mesh mesh, Set<String> deadNodes, Set<String> failedLinks) {
        Map<String, Map<ServicePrefix, FibEntry>> expected = ReferenceRoutes.compute(mesh.topology(), deadNodes,
                failedLinks);
        List<String> diffs = new ArrayList<>();
        for (Map.Entry<String, Map<ServicePrefix, FibEntry>> e : expected.entrySet()) {
            DmscNode node = mesh.node(e.getKey());
            if (node == null) {
                diffs.add(e.getKey() + ": not running");
                continue;
            }
            Fib fib = node.fib();
            Map<ServicePrefix, FibEntry> actual = new TreeMap<>();
            for (FibEntry f : fib.entries()) {
                actual.put(f.prefix(), f);
            }
            if (!actual.equals(e.getValue())) {
                for (ServicePrefix p : e.getValue().keySet()) {
                    if (!e.getValue().get(p).equals(actual.get(p))) {
                        diffs.add(e.getKey() + " " + p + ": expected " + e.getValue().get(p) + ", has " + actual.get(p));
                    }
                }
                for (ServicePrefix p : actual.keySet()) {
                    if (!e.getValue().containsKey(p)) {
                        diffs.add(e.getKey() + " " + p + ": unexpected " + actual.get(p));
                    }
                }
            }
        }
        return diffs;
    }

    /**
     * Lists differences between the link-state databases of the running nodes: every node must
     * hold the same live LSPs with the same sequence numbers (lifetimes differ by design).
     *
     * @param mesh the running mesh
     * @return human-readable differences; empty when every LSDB is the same
     * @throws Exception if a node does not answer within 5 s
     */
    public static List<String> lsdbDifferences(Mesh mesh) throws Exception {
        List<String> diffs = new ArrayList<>();
        Map<String, String> reference = null;
        String referenceNode = null;
        for (DmscNode node : mesh.nodes()) {
            NodeStatus s = node.status().get(5, TimeUnit.SECONDS);
            Map<String, String> live = new TreeMap<>();
            for (NodeStatus.Lsp l : s.lsdb()) {
                if (!l.purged()) {
                    live.put(l.lspId(), l.sequence());
                }
            }
            if (reference == null) {
                reference = live;
                referenceNode = node.id();
            } else if (!reference.equals(live)) {
                diffs.add(node.id() + " holds " + live + " but " + referenceNode + " holds " + reference);
            }
        }
        return diffs;
    }
}
