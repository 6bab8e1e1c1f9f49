package io.dmsc.benchmarks;

import io.dmsc.node.auth.SignedPrefixAuthorizer;
import io.dmsc.routing.AuthorizationVerdict;
import io.dmsc.routing.Fib;
import io.dmsc.routing.FibEntry;
import io.dmsc.routing.LinkStateOutput;
import io.dmsc.routing.LinkStateProtocol;
import io.dmsc.routing.PrefixAuthorizer;
import io.dmsc.routing.RoutingConfig;
import io.dmsc.wire.ServicePrefix;
import io.dmsc.wire.link.LinkFrameCodec;
import io.dmsc.wire.link.LinkMessage;
import io.dmsc.wire.link.LinkStatePdu;
import io.dmsc.wire.link.LspId;
import io.dmsc.wire.link.NeighborEntry;
import io.dmsc.wire.link.NodeRole;
import io.dmsc.wire.link.PrefixEntry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * Route installation with signed prefix authorizations (signal type 3) at scale: one node's
 * {@link LinkStateProtocol}, in mode {@code required} with the node's {@link SignedPrefixAuthorizer}
 * (Ed25519 against one trust anchor, default cache), receives the LSDB of a mesh in which
 * {@code origins} SGs behind one SR advertise {@code prefixes} authorized prefixes in total,
 * each signed by the SPA for its SG. The node's only adjacency is the SR, which floods it
 * every fragment, as after the node's first adjacency comes up.
 *
 * <p>The LSPs are built once: every SG originates its node prefix and its share of the
 * authorized prefixes, split into fragments of at most {@link RoutingConfig#maxLspBytes()} encoded
 * bytes (fragment 0 also lists the SR as neighbour). They are kept as encoded link frames and
 * decoded afresh for every delivery, outside the timed section (a node decodes on its I/O
 * threads), so every run sees new objects with equal content, as from the wire. The protocol
 * runs on the real monotonic clock ({@code System.nanoTime()}), one {@code doWork} after each
 * LSP as the conductor does after each batch of frames, so SPF back-off delays are real time.
 *
 * <p>Three phases per run, each run on a fresh protocol and a fresh authorizer (empty cache):
 * <ol>
 *   <li>cold: every fragment delivered once; measured from the first delivery to the last
 *       authorizer call (all verified) and to the FIB snapshot holding every authorized prefix
 *       (all installed); the time spent inside the authorizer is summed separately;</li>
 *   <li>refresh: every fragment again with the next sequence number and the same entries (a
 *       periodic refresh or a re-flood); counted: authorizer calls, Ed25519 verifications
 *       ({@code dmsc_prefix_verifications}), cache hits, FIB updates (expected: none of any);</li>
 *   <li>re-fragmented refresh: every SG re-originates the same entries split into fragments of
 *       60% of the size (entries move between fragments, as when one is added at the front);
 *       the moved entries reach the authorizer again and should be cache hits.</li>
 * </ol>
 * The first {@code warmup} runs warm the JVM and are reported but not used for the median of
 * the {@code runs} that follow. Checks that every authorized prefix is in the FIB at the end of
 * each phase and that nothing was rejected. Prints Markdown tables to stdout, progress to stderr.
 *
 * <p>Run: {@code java -cp dmsc-benchmarks/target/benchmarks.jar io.dmsc.benchmarks.PrefixVerificationHarness
 * [--origins=100] [--prefixes=10000] [--warmup=3] [--runs=5]}.
 */
public final class PrefixVerificationHarness {
    private static final String SELF = "bench";
    private static final String HUB = "sr-hub";
    private static final int METRIC = 10;
    private static final long TIMEOUT_NS = TimeUnit.SECONDS.toNanos(60);
    /** A phase is over when the protocol has nothing due within this time. */
    private static final long QUIET_NS = TimeUnit.MILLISECONDS.toNanos(100);
    private static final long COLD_TARGET_NS = TimeUnit.SECONDS.toNanos(2);
    private static final double RESHUFFLED_BUDGET = 0.6;

    private PrefixVerificationHarness() {
    }

    /**
     * The mesh's LSDB as encoded link frames, in delivery order (the SR first).
     *
     * @param cold       every fragment, sequence 1
     * @param refresh    the same fragments and entries, sequence 2
     * @param reshuffled the same entries in smaller fragments, sequence 3
     * @param authorized every authorized prefix
     */
    record MeshLsdb(List<byte[]> cold, List<byte[]> refresh, List<byte[]> reshuffled, List<ServicePrefix> authorized) {
    }

    /**
     * One delivery of LSPs.
     *
     * @param lsps            LSPs delivered
     * @param authorizerCalls calls of the authorizer by the routing code
     * @param signatureChecks Ed25519 verifications ({@code dmsc_prefix_verifications})
     * @param cacheHits       results taken from the cache
     * @param inAuthorizerNs  time spent inside the authorizer
     * @param verifiedNs      first delivery to the end of the last authorizer call (0: none)
     * @param installedNs     first delivery to the FIB holding every authorized prefix again
     * @param settledNs       first delivery to nothing more due
     * @param fibUpdates      FIB snapshots published
     * @param fewestInstalled fewest authorized prefixes in any FIB published meanwhile
     * @param spfRuns         full SPF runs
     * @param partialRuns     prefix-only route calculations
     */
    record Phase(int lsps, long authorizerCalls, long signatureChecks, long cacheHits, long inAuthorizerNs,
                 long verifiedNs, long installedNs, long settledNs, long fibUpdates, int fewestInstalled,
                 long spfRuns, long partialRuns) {
    }

    /**
     * One run on a fresh protocol.
     *
     * @param warmup     true for a warm-up run
     * @param cold       the cold start
     * @param refresh    the refresh
     * @param reshuffled the re-fragmented refresh
     */
    record Run(boolean warmup, Phase cold, Phase refresh, Phase reshuffled) {
    }

    /**
     * Runs the harness.
     *
     * @param args {@code --origins=N --prefixes=N --warmup=N --runs=N}
     */
    public static void main(String[] args) {
        int origins = 100;
        int prefixes = 10_000;
        int warmup = 3;
        int runs = 5;
        for (String a : args) {
            String[] kv = a.split("=", 2);
            if (kv.length != 2) {
                throw new IllegalArgumentException("argument: '" + a + "' (expected: --origins=N, --prefixes=N, "
                        + "--warmup=N or --runs=N)");
            }
            int v = Integer.parseInt(kv[1]);
            switch (kv[0]) {
                case "--origins" -> origins = v;
                case "--prefixes" -> prefixes = v;
                case "--warmup" -> warmup = v;
                case "--runs" -> runs = v;
                default -> throw new IllegalArgumentException("option: '" + kv[0] + "' (expected: --origins, "
                        + "--prefixes, --warmup or --runs)");
            }
        }
        if (origins < 1 || prefixes < origins || runs < 1 || warmup < 0) {
            throw new IllegalArgumentException("origins " + origins + ", prefixes " + prefixes + ", runs " + runs
                    + ", warmup " + warmup + " (expected: origins >= 1, prefixes >= origins, runs >= 1, warmup >= 0)");
        }
        RoutingConfig config = RoutingConfig.defaults(SELF, NodeRole.SR);
        SpaFixture spa = new SpaFixture();
        long t0 = System.nanoTime();
        MeshLsdb lsdb = build(spa, config, origins, prefixes);
        System.err.printf("signed %d authorizations and built %d fragments (%d after re-fragmenting) in %.1f s%n",
                prefixes, lsdb.cold().size(), lsdb.reshuffled().size(), (System.nanoTime() - t0) / 1e9);
        List<Run> results = new ArrayList<>();
        for (int i = 0; i < warmup + runs; i++) {
            Run r = run(spa, config, lsdb, i < warmup);
            results.add(r);
            System.err.printf("run %d%s: verified in %.0f ms, installed in %.0f ms; refresh: %d signature checks%n",
                    i + 1, r.warmup() ? " (warm-up)" : "", r.cold().verifiedNs() / 1e6, r.cold().installedNs() / 1e6,
                    r.refresh().signatureChecks());
        }
        print(origins, prefixes, lsdb, results);
    }

    // ----------------------------------------------------------------------------------------
    // The LSDB

    static MeshLsdb build(SpaFixture spa, RoutingConfig config, int origins, int prefixes) {
        List<String> sgs = new ArrayList<>(origins);
        for (int i = 0; i < origins; i++) {
            sgs.add(String.format("sg-%03d", i));
        }
        List<NeighborEntry> hubNeighbors = new ArrayList<>();
        hubNeighbors.add(new NeighborEntry(SELF, METRIC));
        for (String sg : sgs) {
            hubNeighbors.add(new NeighborEntry(sg, METRIC));
        }
        List<PrefixEntry> hubPrefixes = List.of(PrefixEntry.of(ServicePrefix.nodePrefix(HUB), 0));
        List<byte[]> cold = new ArrayList<>();
        List<byte[]> refresh = new ArrayList<>();
        List<byte[]> reshuffled = new ArrayList<>();
        for (int seq = 1; seq <= 3; seq++) {
            List<byte[]> out = seq == 1 ? cold : seq == 2 ? refresh : reshuffled;
            out.add(encode(new LinkStatePdu(new LspId(HUB, 0), seq, config.lspLifetimeS(), false, NodeRole.SR,
                    hubNeighbors, hubPrefixes)));
        }
        List<ServicePrefix> authorized = new ArrayList<>(prefixes);
        int reshuffledBudget = (int) (config.maxLspBytes() * RESHUFFLED_BUDGET);
        for (int i = 0; i < origins; i++) {
            String sg = sgs.get(i);
            int share = prefixes / origins + (i < prefixes % origins ? 1 : 0);
            List<PrefixEntry> entries = new ArrayList<>(share + 1);
            entries.add(PrefixEntry.of(ServicePrefix.nodePrefix(sg), 0));
            for (int s = 0; s < share; s++) {
                ServicePrefix p = ServicePrefix.parse(String.format("/tenant-%03d/service-%03d/v1", i, s));
                authorized.add(p);
                String pod = String.format("pod-%03d-%03d", i, s);
                entries.add(new PrefixEntry(p, 0, spa.authorize(p, pod, sg, authorized.size()).encode()));
            }
            List<NeighborEntry> neighbors = List.of(new NeighborEntry(HUB, METRIC));
            List<LinkStatePdu> fragments = fragments(sg, neighbors, entries, config, config.maxLspBytes(), 1);
            for (LinkStatePdu f : fragments) {
                cold.add(encode(f));
                refresh.add(encode(withSequence(f, 2)));
            }
            for (LinkStatePdu f : fragments(sg, neighbors, entries, config, reshuffledBudget, 3)) {
                reshuffled.add(encode(f));
            }
        }
        return new MeshLsdb(cold, refresh, reshuffled, authorized);
    }

    /** Packs entries greedily into fragments whose encoded frame stays within the budget. */
    private static List<LinkStatePdu> fragments(String origin, List<NeighborEntry> neighbors,
            List<PrefixEntry> entries, RoutingConfig config, int budgetBytes, long sequence) {
        List<LinkStatePdu> out = new ArrayList<>();
        List<PrefixEntry> current = new ArrayList<>();
        LinkStatePdu packed = null;
        for (PrefixEntry e : entries) {
            current.add(e);
            LinkStatePdu candidate = pdu(origin, out.size(), neighbors, current, config, sequence);
            if (LinkFrameCodec.encodedSize(candidate) > budgetBytes && packed != null) {
                out.add(packed);
                current = new ArrayList<>(List.of(e));
                candidate = pdu(origin, out.size(), neighbors, current, config, sequence);
            }
            packed = candidate;
        }
        out.add(packed);
        return out;
    }

    private static LinkStatePdu pdu(String origin, int fragment, List<NeighborEntry> neighbors,
            List<PrefixEntry> entries, RoutingConfig config, long sequence) {
        return new LinkStatePdu(new LspId(origin, fragment), sequence, config.lspLifetimeS(), false, NodeRole.SG,
                fragment == 0 ? neighbors : List.of(), entries);
    }

    private static LinkStatePdu withSequence(LinkStatePdu p, long sequence) {
        return new LinkStatePdu(p.id(), sequence, p.remainingLifetimeS(), p.overload(), p.role(), p.neighbors(),
                p.prefixes());
    }

    private static byte[] encode(LinkStatePdu pdu) {
        ByteBuf frame = LinkFrameCodec.encode(pdu, ByteBufAllocator.DEFAULT);
        try {
            return ByteBufUtil.getBytes(frame);
        } finally {
            frame.release();
        }
    }

    private static List<LinkStatePdu> decode(List<byte[]> frames) {
        List<LinkStatePdu> out = new ArrayList<>(frames.size());
        for (byte[] f : frames) {
            ByteBuf buf = Unpooled.wrappedBuffer(f);
            buf.skipBytes(LinkFrameCodec.LENGTH_FIELD);
            LinkMessage m = LinkFrameCodec.decode(buf);
            if (!(m instanceof LinkStatePdu p)) {
                throw new IllegalStateException("decoded " + m + " (expected: an LSP)");
            }
            out.add(p);
        }
        return out;
    }

    // ----------------------------------------------------------------------------------------
    // Runs

    private static Run run(SpaFixture spa, RoutingConfig config, MeshLsdb lsdb, boolean warmup) {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        SignedPrefixAuthorizer signed = new SignedPrefixAuthorizer(spa.anchors(), registry,
                System::currentTimeMillis, SignedPrefixAuthorizer.DEFAULT_CACHE_ENTRIES);
        ReceivingNode node = new ReceivingNode(config, new TimedAuthorizer(signed), registry,
                lsdb.authorized().size());
        node.start();
        Phase cold = node.deliver(decode(lsdb.cold()));
        node.checkAllInstalled(lsdb.authorized(), "cold start");
        Phase refresh = node.deliver(decode(lsdb.refresh()));
        node.checkAllInstalled(lsdb.authorized(), "refresh");
        Phase reshuffled = node.deliver(decode(lsdb.reshuffled()));
        node.checkAllInstalled(lsdb.authorized(), "re-fragmented refresh");
        return new Run(warmup, cold, refresh, reshuffled);
    }

    /** Counts the routing code's calls of an authorizer and the time spent in them. Not thread-safe. */
    private static final class TimedAuthorizer implements PrefixAuthorizer {
        private final PrefixAuthorizer delegate;
        long calls;
        long inAuthorizerNs;
        long lastReturnNs;

        TimedAuthorizer(PrefixAuthorizer delegate) {
            this.delegate = delegate;
        }

        @Override
        public AuthorizationVerdict verify(String origin, PrefixEntry entry, long nowNs) {
            long start = System.nanoTime();
            AuthorizationVerdict v = delegate.verify(origin, entry, nowNs);
            lastReturnNs = System.nanoTime();
            inAuthorizerNs += lastReturnNs - start;
            calls++;
            return v;
        }

        @Override
        public boolean required() {
            return delegate.required();
        }
    }

    /** The node under test: its protocol, its one adjacency to the SR, and what it published. */
    private static final class ReceivingNode implements LinkStateOutput {
        private final LinkStateProtocol protocol;
        private final TimedAuthorizer authorizer;
        private final SimpleMeterRegistry registry;
        private final int authorizedCount;
        private long fibUpdates;
        private int installed;
        private int fewestInstalled;
        private long allInstalledAtNs;

        ReceivingNode(RoutingConfig config, TimedAuthorizer authorizer, SimpleMeterRegistry registry,
                int authorizedCount) {
            this.authorizer = authorizer;
            this.registry = registry;
            this.authorizedCount = authorizedCount;
            this.protocol = new LinkStateProtocol(config, this, System::nanoTime, authorizer, System.nanoTime());
        }

        @Override
        public void send(String neighborId, LinkMessage message) {
            // The SR already holds everything; acknowledgements and this node's own LSP go nowhere.
        }

        @Override
        public void routesChanged(Fib fib) {
            fibUpdates++;
            int n = 0;
            for (FibEntry e : fib.entries()) {
                if (!e.prefix().isReserved()) {
                    n++;
                }
            }
            installed = n;
            fewestInstalled = Math.min(fewestInstalled, n);
            if (n == authorizedCount && allInstalledAtNs == 0) {
                allInstalledAtNs = System.nanoTime();
            }
        }

        void start() {
            protocol.adjacencyUp(HUB, METRIC, System.nanoTime());
            protocol.doWork(System.nanoTime());
        }

        Phase deliver(List<LinkStatePdu> lsps) {
            long callsBefore = authorizer.calls;
            long inBefore = authorizer.inAuthorizerNs;
            double checksBefore = counter("dmsc_prefix_verifications");
            double hitsBefore = counter("dmsc_prefix_verification_cache_hits");
            long fibBefore = fibUpdates;
            long spfBefore = protocol.counters().spfRuns;
            long partialBefore = protocol.counters().partialRuns;
            fewestInstalled = installed;
            allInstalledAtNs = 0;

            long startNs = System.nanoTime();
            for (LinkStatePdu p : lsps) {
                protocol.receive(HUB, p, System.nanoTime());
                protocol.doWork(System.nanoTime());
            }
            if (!runUntil(() -> installed == authorizedCount)) {
                throw new IllegalStateException(installed + " of " + authorizedCount + " prefixes installed after "
                        + TimeUnit.NANOSECONDS.toSeconds(TIMEOUT_NS) + " s (expected: all)");
            }
            long installedAt = allInstalledAtNs != 0 ? allInstalledAtNs : System.nanoTime();
            runUntil(() -> protocol.nextDeadlineNs(System.nanoTime()) - System.nanoTime() > QUIET_NS);
            long settledNs = System.nanoTime() - startNs;
            long calls = authorizer.calls - callsBefore;
            return new Phase(lsps.size(), calls,
                    Math.round(counter("dmsc_prefix_verifications") - checksBefore),
                    Math.round(counter("dmsc_prefix_verification_cache_hits") - hitsBefore),
                    authorizer.inAuthorizerNs - inBefore, calls == 0 ? 0 : authorizer.lastReturnNs - startNs,
                    installedAt - startNs, settledNs, fibUpdates - fibBefore, fewestInstalled,
                    protocol.counters().spfRuns - spfBefore, protocol.counters().partialRuns - partialBefore);
        }

        /** Runs the duty cycle on the real clock until the condition holds; false on timeout. */
        private boolean runUntil(BooleanSupplier done) {
            long deadline = System.nanoTime() + TIMEOUT_NS;
            while (!done.getAsBoolean()) {
                long now = System.nanoTime();
                if (now - deadline > 0) {
                    return false;
                }
                protocol.doWork(now);
                long wait = protocol.nextDeadlineNs(now) - System.nanoTime();
                if (wait > 0) {
                    LockSupport.parkNanos(Math.min(wait, TimeUnit.MILLISECONDS.toNanos(1)));
                }
            }
            return true;
        }

        private double counter(String name) {
            return registry.counter(name).count();
        }

        void checkAllInstalled(List<ServicePrefix> authorized, String phase) {
            Fib fib = protocol.fib();
            for (ServicePrefix p : authorized) {
                if (fib.get(p) == null) {
                    throw new IllegalStateException(phase + ": " + p + " is not in the FIB (expected: every "
                            + "authorized prefix)");
                }
            }
            if (!protocol.prefixRejections().isEmpty()) {
                throw new IllegalStateException(phase + ": rejections " + protocol.prefixRejections()
                        + " (expected: none)");
            }
        }
    }

    // ----------------------------------------------------------------------------------------
    // Report

    private static void print(int origins, int prefixes, MeshLsdb lsdb, List<Run> results) {
        System.out.printf("%d SGs behind one SR advertise %,d authorized prefixes in %d LSP fragments (%d after "
                + "re-fragmenting), Ed25519, one trust anchor, default cache (%,d entries), real clock.%n%n",
                origins, prefixes, lsdb.cold().size(), lsdb.reshuffled().size(),
                SignedPrefixAuthorizer.DEFAULT_CACHE_ENTRIES);
        System.out.println("Cold start (fresh protocol and authorizer each run):");
        System.out.println();
        System.out.println("| run | | all verified | all installed | in authorizer | per authorization "
                + "| Ed25519 verifications | full SPF / partial | FIB updates |");
        System.out.println("|---:|---|---:|---:|---:|---:|---:|---:|---:|");
        for (int i = 0; i < results.size(); i++) {
            Run r = results.get(i);
            Phase c = r.cold();
            System.out.printf("| %d | %s | %s | %s | %s | %.1f µs | %,d | %d / %d | %d |%n", i + 1,
                    r.warmup() ? "warm-up" : "measured", ms(c.verifiedNs()), ms(c.installedNs()),
                    ms(c.inAuthorizerNs()), c.authorizerCalls() == 0 ? 0.0 : c.inAuthorizerNs() / 1e3
                            / c.authorizerCalls(), c.signatureChecks(), c.spfRuns(), c.partialRuns(), c.fibUpdates());
        }
        List<Run> measured = results.stream().filter(r -> !r.warmup()).toList();
        long verifiedMedian = median(measured.stream().mapToLong(r -> r.cold().verifiedNs()).toArray());
        long installedMedian = median(measured.stream().mapToLong(r -> r.cold().installedNs()).toArray());
        long inAuthorizerMedian = median(measured.stream().mapToLong(r -> r.cold().inAuthorizerNs()).toArray());

        System.out.println();
        System.out.println("Refreshes after the cold start, same run:");
        System.out.println();
        System.out.println("| run | phase | LSPs | authorizer calls | Ed25519 verifications | cache hits "
                + "| FIB updates | fewest installed meanwhile | settled |");
        System.out.println("|---:|---|---:|---:|---:|---:|---:|---:|---:|");
        for (int i = 0; i < results.size(); i++) {
            Run r = results.get(i);
            refreshRow(i + 1, "refresh, same fragments", r.refresh());
            refreshRow(i + 1, "re-fragmented refresh", r.reshuffled());
        }
        long maxRefreshChecks = measured.stream().mapToLong(r -> r.refresh().signatureChecks()).max().orElse(0);
        long maxRefreshCalls = measured.stream().mapToLong(r -> r.refresh().authorizerCalls()).max().orElse(0);
        long maxReshuffledChecks = measured.stream().mapToLong(r -> r.reshuffled().signatureChecks()).max()
                .orElse(0);

        System.out.println();
        System.out.printf("Summary over the %d measured runs:%n%n", measured.size());
        System.out.println("| what | result | target | met? |");
        System.out.println("|---|---:|---:|:---:|");
        System.out.printf("| cold: first LSP → all %,d verified (median) | %s | | |%n", prefixes, ms(verifiedMedian));
        System.out.printf("| cold: first LSP → all %,d installed in the FIB (median) | %s | ≤ 2 s | %s |%n", prefixes,
                ms(installedMedian), installedMedian <= COLD_TARGET_NS ? "met" : "**not met**");
        System.out.printf("| cold: time inside the authorizer (median) | %s (%.1f µs each) | | |%n",
                ms(inAuthorizerMedian), inAuthorizerMedian / 1e3 / prefixes);
        System.out.printf("| refresh of every LSP, same entries: Ed25519 verifications (max) | %d (%d authorizer "
                + "calls) | 0 | %s |%n", maxRefreshChecks, maxRefreshCalls, maxRefreshChecks == 0 ? "met" : "**not met**");
        System.out.printf("| re-fragmented refresh: Ed25519 verifications (max) | %d | 0 | %s |%n",
                maxReshuffledChecks, maxReshuffledChecks == 0 ? "met" : "**not met**");
    }

    private static void refreshRow(int run, String phase, Phase p) {
        System.out.printf("| %d | %s | %d | %,d | %,d | %,d | %d | %,d | %s |%n", run, phase, p.lsps(),
                p.authorizerCalls(), p.signatureChecks(), p.cacheHits(), p.fibUpdates(), p.fewestInstalled(),
                ms(p.settledNs()));
    }

    private static long median(long[] values) {
        long[] sorted = values.clone();
        java.util.Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    private static String ms(long ns) {
        return String.format("%.1f ms", ns / 1e6);
    }
}
