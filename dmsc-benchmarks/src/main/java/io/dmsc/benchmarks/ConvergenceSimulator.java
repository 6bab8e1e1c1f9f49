package io.dmsc.benchmarks;

import io.dmsc.routing.Fib;
import io.dmsc.routing.RoutingConfig;
import io.dmsc.routing.sim.SimulatedNetwork;
import io.dmsc.wire.ServicePrefix;
import io.dmsc.wire.link.NodeRole;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * Convergence of the link-state protocol on random sparse meshes (average degree 4, metrics
 * 1..64, 100 µs one-way latency per link), run in one thread on {@link SimulatedNetwork}'s fake
 * clock with the default {@link RoutingConfig} (SPF back-off 5 / 50 / 1000 ms). Two
 * measurements per mesh size:
 *
 * <ol>
 *   <li>cold start: every node and every link comes up at simulated time 0; reported are the
 *       simulated time of the last FIB change anywhere, the LSP and summary transmissions
 *       (per link direction, retransmissions included), and the wall-clock time the
 *       simulation took;</li>
 *   <li>one link failure after convergence (a random link whose loss leaves the mesh
 *       connected): the simulated time from the failure to the last FIB change anywhere, the
 *       LSP transmissions it caused, and the wall-clock time.</li>
 * </ol>
 *
 * <p>Simulated time is protocol time (latency, SPF delays), not CPU time: the simulator runs
 * every node's calculations instantly. Each run checks that every node ends with a route to
 * every other node's {@code /_dmsc/node/<id>} prefix. Prints a Markdown table.
 *
 * <p>Run: {@code java -cp dmsc-benchmarks/target/benchmarks.jar io.dmsc.benchmarks.ConvergenceSimulator
 * [--seed=N] [sizes...]}, sizes default to 100 300 1000.
 */
public final class ConvergenceSimulator {
    private static final long LATENCY_NS = TimeUnit.MICROSECONDS.toNanos(100);
    private static final long MAX_RUN_NS = TimeUnit.SECONDS.toNanos(600);
    /** Longer than every protocol timer but LSP refresh and expiry (retransmit 1 s, hold-down 3 s). */
    private static final long QUIET_NS = TimeUnit.SECONDS.toNanos(5);

    private ConvergenceSimulator() {
    }

    /** One mesh size's results. */
    record Result(int nodes, int links, long coldStartNs, long coldLsps, long coldSummaries, long coldWallNs,
                  boolean coldConverged, String failedLink, long failureNs, long failureLsps, long failureSummaries,
                  long failureWallNs, boolean failureConverged) {
    }

    /**
     * Runs the benchmark.
     *
     * @param args optional {@code --seed=N}, then mesh sizes (default 100 300 1000)
     */
    public static void main(String[] args) {
        long seed = 1;
        List<Integer> sizes = new ArrayList<>();
        for (String a : args) {
            if (a.startsWith("--seed=")) {
                seed = Long.parseLong(a.substring("--seed=".length()));
            } else {
                int n = Integer.parseInt(a);
                if (n < 3) {
                    throw new IllegalArgumentException("mesh size: " + n + " (expected: >= 3)");
                }
                sizes.add(n);
            }
        }
        if (sizes.isEmpty()) {
            sizes = List.of(100, 300, 1000);
        }
        List<Result> results = new ArrayList<>();
        for (int n : sizes) {
            Result r = run(n, seed);
            results.add(r);
            System.err.printf("n=%d done: cold start %.1f s wall, failure %.1f s wall%n", n,
                    r.coldWallNs() / 1e9, r.failureWallNs() / 1e9);
        }
        print(results, seed);
    }

    static Result run(int n, long seed) {
        RandomSparseGraph graph = RandomSparseGraph.generate(n, 4.0, 64, seed);
        SimulatedNetwork net = new SimulatedNetwork(id -> RoutingConfig.defaults(id, NodeRole.SR), seed)
                .latencyNs(LATENCY_NS);

        long wallStart = System.nanoTime();
        for (int i = 0; i < n; i++) {
            net.addNode(graph.id(i), List.of());
        }
        for (RandomSparseGraph.Link l : graph.links()) {
            net.addLink(graph.id(l.a()), graph.id(l.b()), l.metric());
        }
        net.runUntilQuiet(MAX_RUN_NS, QUIET_NS);
        long coldWallNs = System.nanoTime() - wallStart;
        long coldStartNs = net.lastFibChangeNs();
        long coldLsps = net.lspTransmissions();
        long coldSummaries = net.summaryTransmissions();
        boolean coldConverged = fullyRouted(net, graph);

        Random random = new Random(seed + n);
        RandomSparseGraph.Link failed;
        do {
            failed = graph.links().get(random.nextInt(graph.links().size()));
        } while (!graph.connectedWithout(failed));
        net.resetCounters();
        long failureStartNs = net.nowNs();
        wallStart = System.nanoTime();
        net.linkDown(graph.id(failed.a()), graph.id(failed.b()));
        net.runUntilQuiet(MAX_RUN_NS, QUIET_NS);
        long failureWallNs = System.nanoTime() - wallStart;
        long failureNs = net.lastFibChangeNs() - failureStartNs;
        boolean failureConverged = fullyRouted(net, graph);

        return new Result(n, graph.links().size(), coldStartNs, coldLsps, coldSummaries, coldWallNs, coldConverged,
                graph.id(failed.a()) + "–" + graph.id(failed.b()), failureNs, net.lspTransmissions(),
                net.summaryTransmissions(), failureWallNs, failureConverged);
    }

    /** Every node has a route to every node prefix (its own one is local). */
    private static boolean fullyRouted(SimulatedNetwork net, RandomSparseGraph graph) {
        for (int i = 0; i < graph.size(); i++) {
            Fib fib = net.protocol(graph.id(i)).fib();
            for (int j = 0; j < graph.size(); j++) {
                if (fib.get(ServicePrefix.nodePrefix(graph.id(j))) == null) {
                    return false;
                }
            }
        }
        return true;
    }

    private static void print(List<Result> results, long seed) {
        System.out.printf("Random sparse meshes (average degree 4, metrics 1..64, seed %d), %d µs link latency, "
                + "default RoutingConfig.%n%n", seed, TimeUnit.NANOSECONDS.toMicros(LATENCY_NS));
        System.out.println("| nodes | links | cold start: simulated | LSP tx | summary tx | wall clock | converged "
                + "| link failure: simulated | LSP tx | summary tx | wall clock | converged |");
        System.out.println("|---:|---:|---:|---:|---:|---:|:---:|---:|---:|---:|---:|:---:|");
        for (Result r : results) {
            System.out.printf("| %d | %d | %s | %d | %d | %s | %s | %s | %d | %d | %s | %s |%n", r.nodes(), r.links(),
                    ms(r.coldStartNs()), r.coldLsps(), r.coldSummaries(), ms(r.coldWallNs()),
                    r.coldConverged() ? "yes" : "NO", ms(r.failureNs()), r.failureLsps(), r.failureSummaries(),
                    ms(r.failureWallNs()), r.failureConverged() ? "yes" : "NO");
        }
        System.out.println();
        for (Result r : results) {
            System.out.printf("n=%d: failed link %s%n", r.nodes(), r.failedLink());
        }
    }

    private static String ms(long ns) {
        return String.format("%.2f ms", ns / 1e6);
    }
}
