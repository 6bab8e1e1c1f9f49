package io.dmsc.benchmarks;

import io.dmsc.routing.LinkStateProtocol;
import io.dmsc.routing.RoutingConfig;
import io.dmsc.wire.ServicePrefix;
import io.dmsc.wire.link.LinkStatePdu;
import io.dmsc.wire.link.LspId;
import io.dmsc.wire.link.NeighborEntry;
import io.dmsc.wire.link.NodeRole;
import io.dmsc.wire.link.PrefixEntry;
import java.util.ArrayList;
import java.util.List;
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
 * Time from a prefix-only change to the published FIB in a node whose FIB holds 100,000
 * prefixes: one {@link LinkStateProtocol} ("me") with one neighbour {@code n1}, behind which 100
 * origins announce 1,000 prefixes each in their fragment 0. Each invocation receives a new
 * copy of one origin's LSP in which {@link #changed} prefixes differ from the previous copy
 * (alternately present and absent), then runs one duty cycle: the partial route calculation
 * and the publication of the new FIB. Setup checks that the FIB holds every prefix and that
 * each invocation publishes a new FIB.
 *
 * <p>Run: {@code java -jar dmsc-benchmarks/target/benchmarks.jar FibUpdateBenchmark -f 1 -wi 3 -i 5}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@Threads(1)
@State(Scope.Thread)
public class FibUpdateBenchmark {
    private static final int ORIGINS = 100;
    private static final int PREFIXES_PER_ORIGIN = 1_000;

    /** How many prefixes each change adds or removes. */
    @Param({"1", "100"})
    public int changed;

    private LinkStateProtocol protocol;
    private long nowNs;
    private long sequence = 1;
    private boolean withExtra;
    private List<PrefixEntry> base;
    private List<PrefixEntry> extended;

    /** Builds the mesh view and lets the node compute its first full FIB. */
    @Setup(Level.Trial)
    public void setUp() {
        nowNs = TimeUnit.SECONDS.toNanos(1_000);
        protocol = new LinkStateProtocol(RoutingConfig.defaults("me", NodeRole.SR), (to, m) -> { }, System::nanoTime,
                nowNs);
        protocol.doWork(nowNs);
        protocol.adjacencyUp("n1", 10, nowNs);
        List<NeighborEntry> n1Links = new ArrayList<>();
        n1Links.add(new NeighborEntry("me", 10));
        for (int o = 0; o < ORIGINS; o++) {
            n1Links.add(new NeighborEntry(origin(o), 10));
        }
        protocol.receive("n1", pdu("n1", 1, n1Links, List.of()), nowNs);
        for (int o = 0; o < ORIGINS; o++) {
            List<PrefixEntry> prefixes = new ArrayList<>(PREFIXES_PER_ORIGIN);
            for (int i = 0; i < PREFIXES_PER_ORIGIN; i++) {
                prefixes.add(PrefixEntry.of(ServicePrefix.parse("/svc-" + o + "/api/v" + (i % 7) + "/op-" + i), 1));
            }
            if (o == 0) {
                base = prefixes;
            }
            protocol.receive("n1", pdu(origin(o), 1, List.of(new NeighborEntry("n1", 10)), prefixes), nowNs);
        }
        extended = new ArrayList<>(base);
        for (int i = 0; i < changed; i++) {
            extended.add(PrefixEntry.of(ServicePrefix.parse("/svc-0/extra/e-" + i), 1));
        }
        for (int i = 0; i < 100; i++) {
            nowNs += TimeUnit.MILLISECONDS.toNanos(100);
            protocol.doWork(nowNs);
        }
        int expected = ORIGINS * PREFIXES_PER_ORIGIN;
        if (protocol.fib().size() < expected) {
            throw new IllegalStateException("FIB: " + protocol.fib().size() + " prefixes (expected: >= " + expected
                    + ")");
        }
        long updates = protocol.counters().fibUpdates;
        long partials = protocol.counters().partialRuns;
        long spfs = protocol.counters().spfRuns;
        change();
        change();
        if (protocol.counters().fibUpdates != updates + 2 || protocol.counters().partialRuns != partials + 2
                || protocol.counters().spfRuns != spfs) {
            throw new IllegalStateException("after two changes: " + (protocol.counters().fibUpdates - updates)
                    + " FIB updates, " + (protocol.counters().partialRuns - partials) + " partial calculations, "
                    + (protocol.counters().spfRuns - spfs) + " full SPFs (expected: 2, 2, 0)");
        }
    }

    private static String origin(int o) {
        return "o" + o;
    }

    private static LinkStatePdu pdu(String origin, long seq, List<NeighborEntry> ns, List<PrefixEntry> prefixes) {
        return new LinkStatePdu(new LspId(origin, 0), seq, 1200, false, NodeRole.SR, ns, prefixes);
    }

    private void change() {
        withExtra = !withExtra;
        sequence++;
        nowNs += TimeUnit.MICROSECONDS.toNanos(10);
        protocol.receive("n1", pdu(origin(0), sequence, List.of(new NeighborEntry("n1", 10)),
                withExtra ? extended : base), nowNs);
        protocol.doWork(nowNs);
    }

    /** One prefix-only change, received and published. */
    @Benchmark
    public void publishAfterPrefixChange() {
        change();
    }
}
