package io.dmsc.benchmarks;

import io.dmsc.routing.Fib;
import io.dmsc.routing.RoutingConfig;
import io.dmsc.routing.sim.SimulatedNetwork;
import io.dmsc.wire.ServicePrefix;
import io.dmsc.wire.link.NodeRole;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * Convergence of the link-state protocol on random sparse meshes (average degree 4, metrics
 * 1..64, 100 µs one-way latency per link), run in one thread on {@link SimulatedNetwork}'s fake
 * clock with the default {@link RoutingConfig} (SPF back-off 5 / 50 / 1000 ms, retransmit 5 s) and
 * the protocol's LSP origination interval (50 ms). Two
 * measurements per mesh size:
 *
 * <ol>
 *   <li>cold start: every node and every link comes up at simulated time 0; reported are the
 *       simulated time of the last FIB change anywhere, the LSP and summary transmissions
 *       (per link direction, retransmissions included), the full SPF runs summed over all
 *       nodes, and the wall-clock and CPU time the simulation took;</li>
 *   <li>one link failure after convergence (a random link whose loss leaves the mesh
 *       connected): the simulated time from the failure to the last FIB change anywhere, the
 *       LSP and summary transmissions and SPF runs it caused, and the wall-clock and CPU time.</li>
 * </ol>
 *
 * <p>Simulated time is protocol time (latency, SPF delays), not CPU time: the simulator runs
 * every node's calculations instantly. Wall-clock and CPU time are of the one simulating thread,
 * setup included, and depend on the machine and its load. Each run checks that every node ends with a route to
 * every other node's {@code /_dmsc/node/<id>} prefix. Prints a Markdown table.
 *
 * <p>Run: {@code java -cp dmsc-benchmarks/target/benchmarks.jar io.dmsc.benchmarks.ConvergenceSimulator
 * [--seed=N] [sizes...]}, sizes default to 100 300 1000.
 */
public final class ConvergenceSimulator {
    private static final long LATENCY_NS = TimeUnit.MICROSECONDS.toNanos(100);
    private static final long MAX_RUN_NS = TimeUnit.SECONDS.toNanos(600);
    /** Longer than every protocol timer but LSP refresh and expiry (retransmit 5 s, hold-down 3 s). */
    private static final long QUIET_NS = TimeUnit.SECONDS.toNanos(10);

    private ConvergenceSimulator() {
    }

    /** One mesh size's results. */
    record Result(int nodes, int links, Phase coldStart, String failedLink, Phase failure) {
    }

    /**
     * One measured phase.
     *
     * @param convergenceNs simulated time from the trigger to the last FIB change anywhere
     * @param lsps          LSP transmissions
     * @param summaries     complete and partial summary transmissions
     * @param spfRuns       full SPF runs summed over all nodes
     * @param wallNs        wall-clock time of the simulation
     * @param cpuNs         CPU time of the simulating thread
     * @param converged     every node routes to every node prefix afterwards
     */
    record Phase(long convergenceNs, long lsps, long summaries, long spfRuns, long wallNs, long cpuNs,
                 boolean converged) {
    }

    /**
     * Runs the benchmark.
     *
     * @param args optional {@code --seed=N} and {@code --duty-cycle-per-instant} (a node runs one duty
     *             cycle after all messages that reach it at one instant, as its conductor drains its
     *             queue first; default: one per message), then mesh sizes (default 100 300 1000)
     */
    public static void main(String[] args) {
        long seed = 1;
        perInstant = false;
        List<Integer> sizes = new ArrayList<>();
        for (String a : args) {
            if (a.equals("--duty-cycle-per-instant")) {
                perInstant = true;
            } else if (a.startsWith("--seed=")) {
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
                    r.coldStart().wallNs() / 1e9, r.failure().wallNs() / 1e9);
        }
        print(results, seed);
    }

    /** Set by {@link #main}: one duty cycle per node and instant. */
    private static boolean perInstant;

    static Result run(int n, long seed) {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        RandomSparseGraph graph = RandomSparseGraph.generate(n, 4.0, 64, seed);
        SimulatedNetwork net = new SimulatedNetwork(id -> RoutingConfig.defaults(id, NodeRole.SR), seed)
                .latencyNs(LATENCY_NS).dutyCyclePerInstant(perInstant);

        long wallStart = System.nanoTime();
        long cpuStart = threads.getCurrentThreadCpuTime();
        for (int i = 0; i < n; i++) {
            net.addNode(graph.id(i), List.of());
        }
        for (RandomSparseGraph.Link l : graph.links()) {
            net.addLink(graph.id(l.a()), graph.id(l.b()), l.metric());
        }
        net.runUntilQuiet(MAX_RUN_NS, QUIET_NS);
        Phase coldStart = new Phase(net.lastFibChangeNs(), net.lspTransmissions(), net.summaryTransmissions(),
                spfRuns(net, graph), System.nanoTime() - wallStart, threads.getCurrentThreadCpuTime() - cpuStart,
                fullyRouted(net, graph));

        Random random = new Random(seed + n);
        RandomSparseGraph.Link failed;
        do {
            failed = graph.links().get(random.nextInt(graph.links().size()));
        } while (!graph.connectedWithout(failed));
        net.resetCounters();
        long spfBefore = spfRuns(net, graph);
        long failureStartNs = net.nowNs();
        wallStart = System.nanoTime();
        cpuStart = threads.getCurrentThreadCpuTime();
        net.linkDown(graph.id(failed.a()), graph.id(failed.b()));
        net.runUntilQuiet(MAX_RUN_NS, QUIET_NS);
        long wallNs = System.nanoTime() - wallStart;
        long cpuNs = threads.getCurrentThreadCpuTime() - cpuStart;
        Phase failure = new Phase(net.lastFibChangeNs() - failureStartNs, net.lspTransmissions(),
                net.summaryTransmissions(), spfRuns(net, graph) - spfBefore, wallNs, cpuNs, fullyRouted(net, graph));

        return new Result(n, graph.links().size(), coldStart, graph.id(failed.a()) + "-" + graph.id(failed.b()),
                failure);
    }

    private static long spfRuns(SimulatedNetwork net, RandomSparseGraph graph) {
        long runs = 0;
        for (int i = 0; i < graph.size(); i++) {
            runs += net.protocol(graph.id(i)).counters().spfRuns;
        }
        return runs;
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
                + "default RoutingConfig, %s.%n%n", seed, TimeUnit.NANOSECONDS.toMicros(LATENCY_NS),
                perInstant ? "one duty cycle per node and instant" : "one duty cycle per message");
        System.out.println("| nodes | links | phase | simulated convergence | LSP tx | summary tx | SPF runs "
                + "| wall clock | CPU | converged |");
        System.out.println("|---:|---:|---|---:|---:|---:|---:|---:|---:|:---:|");
        for (Result r : results) {
            row(r, "cold start", r.coldStart());
            row(r, "link " + r.failedLink() + " fails", r.failure());
        }
    }

    private static void row(Result r, String phase, Phase p) {
        System.out.printf("| %d | %d | %s | %s | %d | %d | %d | %s | %s | %s |%n", r.nodes(), r.links(), phase,
                ms(p.convergenceNs()), p.lsps(), p.summaries(), p.spfRuns(), ms(p.wallNs()), ms(p.cpuNs()),
                p.converged() ? "yes" : "NO");
    }

    private static String ms(long ns) {
        return String.format("%.2f ms", ns / 1e6);
    }
}
