package io.dmsc.testkit;

import io.dmsc.node.DmscNode;
import io.dmsc.node.Mesh;
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
}
