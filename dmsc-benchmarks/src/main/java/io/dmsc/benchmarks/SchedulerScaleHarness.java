package io.dmsc.benchmarks;

import io.dmsc.node.config.SchedulerConfig;
import io.dmsc.routing.MeshView;
import io.dmsc.scsc.PolicyEngine;
import io.dmsc.wire.ServicePrefix;
import io.dmsc.wire.link.NeighborEntry;
import io.dmsc.wire.link.NodeRole;
import io.dmsc.wire.proto.scsc.v1.LinkQos;
import io.dmsc.wire.proto.scsc.v1.PathQos;
import io.dmsc.wire.proto.scsc.v1.Report;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * The Scheduling Center's computation at scale: one {@link PolicyEngine} round over a mesh of
 * SGS SGs (each linked to two of SRS SRs, the SRs in a ring with chords) and PREFIXES prefixes of
 * three replicas each, every SG reporting its paths to every replica's SG with BAD percent of
 * them over the delay threshold, and every node its links. A fresh engine per round, so every
 * round computes every policy (the worst case: nothing is kept from the round before).
 *
 * <p>Usage: {@code java -cp benchmarks.jar io.dmsc.benchmarks.SchedulerScaleHarness [SGS [PREFIXES [BAD [ROUNDS]]]]}
 * (defaults 1000 100 10 20). Prints the median and the slowest round after a warm-up.
 */
public final class SchedulerScaleHarness {
    private SchedulerScaleHarness() {
    }

    public static void main(String[] args) {
        int sgs = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
        int prefixes = args.length > 1 ? Integer.parseInt(args[1]) : 100;
        int badPercent = args.length > 2 ? Integer.parseInt(args[2]) : 10;
        int rounds = args.length > 3 ? Integer.parseInt(args[3]) : 20;
        int srs = Math.max(4, sgs / 20);
        Random rnd = new Random(42);
        Map<String, List<NeighborEntry>> adj = new HashMap<>();
        for (int i = 0; i < srs; i++) {
            link(adj, "sr-" + i, "sr-" + ((i + 1) % srs));
            link(adj, "sr-" + i, "sr-" + ((i + srs / 3) % srs));
        }
        for (int i = 0; i < sgs; i++) {
            link(adj, "sg-" + i, "sr-" + (i % srs));
            link(adj, "sg-" + i, "sr-" + ((i * 7 + 3) % srs));
        }
        Map<String, MeshView.Node> nodes = new HashMap<>();
        adj.forEach((id, n) -> nodes.put(id, new MeshView.Node(id, id.startsWith("sg") ? NodeRole.SG : NodeRole.SR,
                false, n)));
        Map<ServicePrefix, List<MeshView.Replica>> table = new HashMap<>();
        List<List<String>> replicasOf = new ArrayList<>();
        for (int p = 0; p < prefixes; p++) {
            List<MeshView.Replica> r = new ArrayList<>();
            List<String> ids = new ArrayList<>();
            while (ids.size() < 3) {
                String id = "sg-" + rnd.nextInt(sgs);
                if (!ids.contains(id)) {
                    ids.add(id);
                    r.add(new MeshView.Replica(id, 0, 1));
                }
            }
            table.put(ServicePrefix.parse("/svc/p" + p), r);
            replicasOf.add(ids);
        }
        MeshView view = new MeshView(nodes, table);
        Map<String, PolicyEngine.NodeReport> reports = new HashMap<>();
        long now = 1_000_000_000L;
        for (String id : nodes.keySet()) {
            Report.Builder b = Report.newBuilder().setNodeId(id).setIntervalMs(1000);
            if (id.startsWith("sg")) {
                java.util.Set<String> egress = new java.util.TreeSet<>();
                replicasOf.forEach(egress::addAll);
                for (String e : egress) {
                    double delay = rnd.nextInt(100) < badPercent ? 30 + rnd.nextInt(50) : 1 + rnd.nextDouble() * 5;
                    b.addPaths(PathQos.newBuilder().setEgress(e).setDelayMs(delay).setJitterMs(rnd.nextDouble())
                            .setSamples(20));
                }
            }
            for (NeighborEntry n : adj.get(id)) {
                b.addLinks(LinkQos.newBuilder().setNeighbor(n.nodeId()).setUp(true).setRttMs(0.1 + rnd.nextDouble())
                        .setCapacityBytesPerS(125e6).setTxBytesPerS(rnd.nextDouble() * 60e6));
            }
            reports.put(id, new PolicyEngine.NodeReport(b.build(), now));
        }
        SchedulerConfig config = new SchedulerConfig("127.0.0.1:0", 1000, SchedulerConfig.Thresholds.DEFAULTS,
                List.of(), 10_000, 5_000, 10_000, 20);
        System.out.printf("mesh: %d SGs, %d SRs, %d prefixes x 3 replicas, %d%% of paths over 20 ms%n", sgs, srs,
                prefixes, badPercent);
        for (int w = 0; w < 5; w++) {
            new PolicyEngine(config).round(view, reports, now);
        }
        long[] ms = new long[rounds];
        int policies = 0;
        for (int i = 0; i < rounds; i++) {
            PolicyEngine e = new PolicyEngine(config);
            long t = System.nanoTime();
            policies = e.round(view, reports, now).size();
            ms[i] = (System.nanoTime() - t) / 1_000;
        }
        Arrays.sort(ms);
        System.out.printf("round: median %.1f ms, slowest %.1f ms over %d rounds; %d policies per round%n",
                ms[rounds / 2] / 1000.0, ms[rounds - 1] / 1000.0, rounds, policies);
    }

    private static void link(Map<String, List<NeighborEntry>> adj, String a, String b) {
        if (a.equals(b) || adj.getOrDefault(a, List.of()).stream().anyMatch(n -> n.nodeId().equals(b))) {
            return;
        }
        adj.computeIfAbsent(a, k -> new ArrayList<>()).add(new NeighborEntry(b, 10));
        adj.computeIfAbsent(b, k -> new ArrayList<>()).add(new NeighborEntry(a, 10));
    }
}
