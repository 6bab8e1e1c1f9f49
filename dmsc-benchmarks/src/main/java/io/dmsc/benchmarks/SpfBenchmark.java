package io.dmsc.benchmarks;

import io.dmsc.routing.SpfCalculator;
import io.dmsc.routing.SpfResult;
import io.dmsc.routing.SpfTopology;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Cost of one full SPF on a random sparse graph (average degree 4, metrics 1..64, connected,
 * two-way links): {@link #spf} is Dijkstra alone on a prebuilt {@link SpfTopology};
 * {@link #buildAndSpf} adds building the topology from the per-node link lists, which is what a
 * node does on every full SPF. The source rotates over 16 fixed nodes so one lucky position in
 * the graph does not decide the result. Targets: 1,000 nodes within 1 ms, 10,000 within 10 ms.
 *
 * <p>Run: {@code java -jar dmsc-benchmarks/target/benchmarks.jar SpfBenchmark -f 1 -wi 3 -i 5}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@Threads(1)
@State(Scope.Thread)
public class SpfBenchmark {
    private static final long SEED = 20_261_101L;
    private static final int SOURCES = 16;

    /** Number of nodes in the graph. */
    @Param({"1000", "10000"})
    public int nodes;

    private Map<String, SpfTopology.NodeLinks> nodeLinks;
    private SpfTopology topology;
    private String[] sources;
    private int next;
    private final SpfCalculator calculator = new SpfCalculator();

    /** Generates the graph and checks that SPF reaches every node. */
    @Setup(Level.Trial)
    public void setUp() {
        RandomSparseGraph graph = RandomSparseGraph.generate(nodes, 4.0, 64, SEED);
        nodeLinks = graph.nodeLinks();
        topology = SpfTopology.build(nodeLinks);
        Random random = new Random(SEED + 1);
        sources = new String[SOURCES];
        for (int i = 0; i < SOURCES; i++) {
            sources[i] = graph.id(random.nextInt(nodes));
        }
        int reachable = calculator.compute(topology, sources[0]).reachableCount();
        if (reachable != nodes || topology.edgeCount() != 2 * graph.links().size()) {
            throw new IllegalStateException("graph: " + reachable + " of " + nodes + " nodes reachable, "
                    + topology.edgeCount() + " directed edges (expected: all nodes, " + 2 * graph.links().size()
                    + " edges)");
        }
    }

    private String nextSource() {
        String s = sources[next];
        next = (next + 1) % SOURCES;
        return s;
    }

    /**
     * Dijkstra with equal-cost next hops on a prebuilt graph.
     *
     * @return the tree, so the JIT cannot drop the work
     */
    @Benchmark
    public SpfResult spf() {
        return calculator.compute(topology, nextSource());
    }

    /**
     * Building the compressed graph from the advertised links (two-way check included), then
     * Dijkstra: one full SPF as a node runs it.
     *
     * @return the tree
     */
    @Benchmark
    public SpfResult buildAndSpf() {
        return calculator.compute(SpfTopology.build(nodeLinks), nextSource());
    }
}
