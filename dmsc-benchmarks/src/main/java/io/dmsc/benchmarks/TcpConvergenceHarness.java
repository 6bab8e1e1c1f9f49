package io.dmsc.benchmarks;

import io.dmsc.node.DmscNode;
import io.dmsc.node.Mesh;
import io.dmsc.node.config.ConfigLoader;
import io.dmsc.node.config.TopologyConfig;
import io.dmsc.testkit.MeshChecks;
import io.dmsc.testkit.ReferenceRoutes;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Convergence of the draft's Figure 2 over real loopback TCP: the time from a link's
 * connection closing to the last FIB change anywhere in the mesh, every FIB then checked
 * against {@link ReferenceRoutes}. Each round takes one link out of service (no redial), waits
 * until every FIB is right, measures, and puts the link back.
 *
 * <p>Run: {@code java -cp dmsc-benchmarks/target/benchmarks.jar io.dmsc.benchmarks.TcpConvergenceHarness [rounds]}
 */
public final class TcpConvergenceHarness {
    private static final String[][] LINKS = {{"sr-1", "sr-2"}, {"sr-1", "sr-3"}, {"sr-2", "sr-3"}, {"sg-4", "sr-2"},
        {"sg-3", "sr-1"}, {"sg-4", "sr-3"}};

    private TcpConvergenceHarness() {
    }

    /**
     * @param args optional number of rounds (default 60)
     * @throws Exception on failure
     */
    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 60;
        Path file = Path.of(args.length > 1 ? args[1] : "examples/figure2.yaml");
        String text = Files.readString(file).replaceAll("127\\.0\\.0\\.1:\\d+", "127.0.0.1:0");
        TopologyConfig topology = ConfigLoader.parseTopology(file.toString(), text);
        Map<String, Long> lastFibChangeNs = new ConcurrentHashMap<>();
        // With the gateways: Figure 2 requires authorization, and the SGs get their static prefixes granted.
        try (Mesh mesh = Mesh.start(topology, Mesh.Links.TCP, io.dmsc.gateway.Gateway.factory())) {
            for (DmscNode n : mesh.nodes()) {
                n.conductor().addFibListener(fib -> lastFibChangeNs.put(n.id(), System.nanoTime()));
            }
            awaitCorrect(mesh, Set.of(), 30_000);
            TimeUnit.MILLISECONDS.sleep(3500);
            List<Double> downMs = new ArrayList<>();
            List<Double> upMs = new ArrayList<>();
            for (int r = 0; r < rounds; r++) {
                String[] link = LINKS[r % LINKS.length];
                Set<String> failed = Set.of(ReferenceRoutes.key(link[0], link[1]));
                long t0 = System.nanoTime();
                mesh.disconnect(link[0], link[1]);
                awaitCorrect(mesh, failed, 10_000);
                // Let any late change land, then take the last change after t0.
                TimeUnit.MILLISECONDS.sleep(300);
                downMs.add(lastChangeSince(lastFibChangeNs, t0));
                awaitCorrect(mesh, failed, 1);

                long t1 = System.nanoTime();
                mesh.reconnect(link[0], link[1]);
                awaitCorrect(mesh, Set.of(), 10_000);
                TimeUnit.MILLISECONDS.sleep(300);
                upMs.add(lastChangeSince(lastFibChangeNs, t1));
                // Quiet period so the next failure meets the RFC 8405 machine in QUIET, as a
                // failure after a stable period does.
                TimeUnit.MILLISECONDS.sleep(3200);
            }
            System.out.println("| event | rounds | p50 ms | p90 ms | max ms |");
            System.out.println("|---|---|---|---|---|");
            print("link down: connection closed -> last FIB updated", downMs);
            print("link up: dialed -> last FIB updated (includes TCP connect + hello handshake)", upMs);
        }
    }

    private static double lastChangeSince(Map<String, Long> last, long t0) {
        long max = t0;
        for (long t : last.values()) {
            if (t - max > 0) {
                max = t;
            }
        }
        return (max - t0) / 1e6;
    }

    private static void awaitCorrect(Mesh mesh, Set<String> failed, long timeoutMs) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        List<String> diffs;
        do {
            diffs = MeshChecks.fibDifferences(mesh, Set.of(), failed);
            if (diffs.isEmpty()) {
                return;
            }
            TimeUnit.MILLISECONDS.sleep(1);
        } while (System.nanoTime() < end);
        throw new IllegalStateException("mesh did not converge within " + timeoutMs + " ms: " + diffs);
    }

    private static void print(String name, List<Double> ms) {
        List<Double> sorted = new ArrayList<>(ms);
        Collections.sort(sorted);
        System.out.printf("| %s | %d | %.1f | %.1f | %.1f |%n", name, sorted.size(), pct(sorted, 0.5), pct(sorted, 0.9),
                sorted.get(sorted.size() - 1));
    }

    private static double pct(List<Double> sorted, double p) {
        return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(p * sorted.size()) - 1));
    }
}
