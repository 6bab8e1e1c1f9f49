package io.dmsc.routing.sim;

import static io.dmsc.routing.sim.MeshModel.SECOND_NS;
import static org.assertj.core.api.Assertions.assertThat;

import io.dmsc.routing.LinkStateProtocol;
import io.dmsc.routing.LsdbEntry;
import io.dmsc.routing.RoutingConfig;
import io.dmsc.wire.ServicePrefix;
import io.dmsc.wire.link.LinkFrameCodec;
import io.dmsc.wire.link.LspId;
import io.dmsc.wire.link.NodeRole;
import io.dmsc.wire.link.PrefixEntry;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Flooding, aging and route calculation of many {@link LinkStateProtocol}s in the simulator,
 * on a fake clock, checked against a reference computed from the global graph.
 */
class FloodingSimulationTest {
    private static final Function<String, RoutingConfig> DEFAULTS = id -> RoutingConfig.defaults(id,
            id.startsWith("sg") ? NodeRole.SG : NodeRole.SR);

    private static long seconds(long s) {
        return s * SECOND_NS;
    }

    private static long ms(long ms) {
        return ms * 1_000_000L;
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8})
    void shouldConvergeRandomTopologiesToReferenceFibs(long seed) {
        Random random = new Random(seed);
        MeshModel mesh = MeshModel.random(seed, 5 + random.nextInt(36), 1 + random.nextInt(5),
                random.nextDouble() * 3, DEFAULTS);

        mesh.converge();

        mesh.assertDatabasesAgree();
        mesh.assertFibsMatchReference();
    }

    @Test
    void shouldRouteAroundOverloadedNodeButStillReachIt() {
        MeshModel mesh = new MeshModel(1, DEFAULTS);
        mesh.overloaded.add("sr-o");
        for (String id : List.of("sg-a", "sr-o", "sr-b", "sg-c")) {
            mesh.addNode(id, List.of(PrefixEntry.of(ServicePrefix.parse("/" + id), 0)));
        }
        mesh.addLink("sg-a", "sr-o", 1);
        mesh.addLink("sr-o", "sg-c", 1);
        mesh.addLink("sg-a", "sr-b", 5);
        mesh.addLink("sr-b", "sg-c", 5);

        mesh.converge();

        mesh.assertFibsMatchReference();
        assertThat(mesh.protocol("sg-a").fib().lookup("/sg-c/x").nextHops()).containsExactly("sr-b");
        assertThat(mesh.protocol("sg-a").fib().lookup("/sr-o").nextHops()).containsExactly("sr-o");
        assertThat(mesh.protocol("sr-o").lsdb().get(new LspId("sr-o", 0)).pdu().overload()).isTrue();
    }

    @ParameterizedTest
    @ValueSource(longs = {11, 12, 13, 14, 15, 16})
    void shouldConvergeUnderLossDuplicationAndReordering(long seed) {
        Random random = new Random(seed);
        MeshModel mesh = MeshModel.random(seed, 10 + random.nextInt(21), 4, random.nextDouble() * 2, DEFAULTS);
        mesh.net.faults(0.2, 0.1, ms(5));

        mesh.converge();
        // Then churn under the same faults: links fail and come back, prefixes change.
        List<MeshModel.Link> links = new ArrayList<>(mesh.links);
        for (int round = 0; round < 10; round++) {
            MeshModel.Link l = links.get(random.nextInt(links.size()));
            if (l.up) {
                mesh.linkDown(l.a, l.b);
            } else {
                mesh.linkUp(l.a, l.b);
            }
            String id = new ArrayList<>(mesh.nodes()).get(random.nextInt(mesh.nodes().size()));
            mesh.setPrefixes(id, List.of(PrefixEntry.of(ServicePrefix.parse("/churn/" + round), round % 3)));
            mesh.net.runFor(ms(random.nextInt(500)));
        }
        for (MeshModel.Link l : links) {
            mesh.linkUp(l.a, l.b);
        }
        mesh.converge();

        mesh.assertDatabasesAgree();
        mesh.assertFibsMatchReference();
        long retransmitted = mesh.nodes().stream().mapToLong(id -> mesh.protocol(id).counters().lspsRetransmitted).sum();
        long duplicates = mesh.nodes().stream().mapToLong(id -> mesh.protocol(id).counters().lspsDuplicate).sum();
        assertThat(retransmitted).as("loss was repaired by retransmission").isPositive();
        assertThat(duplicates).isPositive();
    }

    @ParameterizedTest
    @ValueSource(longs = {21, 22, 23, 24, 25, 26, 27, 28, 29, 30})
    void shouldSynchronizeDatabasesAcrossBridgeThatComesBackUnderLoss(long seed) {
        // Two halves joined by one link. While the link is down both halves change; when it
        // comes back, the summaries exchanged on it are all that brings the halves in line,
        // and they travel over the same lossy link.
        MeshModel mesh = new MeshModel(seed, DEFAULTS);
        for (int i = 0; i < 8; i++) {
            mesh.addNode("sr-" + i, List.of());
        }
        for (int i = 1; i < 4; i++) {
            mesh.addLink("sr-" + (i - 1), "sr-" + i, 1);
            mesh.addLink("sr-" + (i + 3), "sr-" + (i + 4), 1);
        }
        mesh.addLink("sr-3", "sr-4", 1);
        mesh.converge();
        mesh.net.faults(0.3, 0, 0);
        for (int round = 0; round < 5; round++) {
            mesh.linkDown("sr-3", "sr-4");
            mesh.net.runFor(seconds(1));
            for (int i = 0; i < 8; i++) {
                mesh.setPrefixes("sr-" + i, List.of(PrefixEntry.of(ServicePrefix.parse("/r" + round + "/n" + i), 0)));
            }
            mesh.net.runFor(seconds(5));
            mesh.linkUp("sr-3", "sr-4");
            mesh.net.runFor(seconds(1));
        }

        mesh.converge();

        mesh.assertDatabasesAgree();
        mesh.assertFibsMatchReference();
    }

    @ParameterizedTest
    @ValueSource(longs = {31, 32, 33})
    void shouldJumpPastOldSequenceNumberAfterRestart(long seed) {
        Random random = new Random(seed);
        MeshModel mesh = MeshModel.random(seed, 8 + random.nextInt(10), 3, 1.5, DEFAULTS);
        mesh.converge();
        String victim = new ArrayList<>(mesh.nodes()).get(random.nextInt(mesh.nodes().size()));
        // Some history, so the old sequence number is well above what a fresh start uses.
        for (int i = 0; i < 5; i++) {
            mesh.setPrefixes(victim, List.of(PrefixEntry.of(ServicePrefix.parse("/v/" + i), 0)));
            mesh.converge();
        }
        long oldSeq = ownSeq(mesh.protocol(victim));
        String observer = mesh.nodes().stream().filter(id -> !id.equals(victim)).findFirst().orElseThrow();
        assertThat(mesh.protocol(observer).lsdb().get(new LspId(victim, 0)).pdu().sequence()).isEqualTo(oldSeq);

        mesh.net.restart(victim);
        mesh.converge();

        LinkStateProtocol restarted = mesh.protocol(victim);
        assertThat(restarted.counters().ownLspsRecovered).isPositive();
        assertThat(ownSeq(restarted)).isGreaterThan(oldSeq);
        assertThat(mesh.protocol(observer).lsdb().get(new LspId(victim, 0)).pdu().sequence())
                .isEqualTo(ownSeq(restarted));
        mesh.assertDatabasesAgree();
        mesh.assertFibsMatchReference();
    }

    @Test
    void shouldReplaceOldContentWhenRestartedNodeReusesItsSequenceNumber() {
        MeshModel mesh = new MeshModel(35, DEFAULTS);
        mesh.addNode("sr-x", List.of(PrefixEntry.of(ServicePrefix.parse("/old"), 0)));
        mesh.addNode("sr-y", List.of());
        mesh.addNode("sr-z", List.of());
        mesh.addLink("sr-x", "sr-y", 1);
        mesh.addLink("sr-y", "sr-z", 1);
        mesh.converge();
        long seenSeq = mesh.protocol("sr-z").lsdb().get(new LspId("sr-x", 0)).pdu().sequence();
        // Cut off, x changes its prefixes (the others never hear of it) and restarts from 1.
        mesh.linkDown("sr-x", "sr-y");
        mesh.setPrefixes("sr-x", List.of(PrefixEntry.of(ServicePrefix.parse("/new"), 0)));
        mesh.net.restart("sr-x");

        mesh.linkUp("sr-x", "sr-y");
        mesh.converge();

        // The fresh start counted up to the very number the others hold, with other content.
        assertThat(ownSeq(mesh.protocol("sr-x"))).isGreaterThanOrEqualTo(seenSeq);
        mesh.assertDatabasesAgree();
        mesh.assertFibsMatchReference();
        assertThat(mesh.protocol("sr-z").fib().lookup("/old")).isNull();
        assertThat(mesh.protocol("sr-z").fib().lookup("/new").nextHops()).containsExactly("sr-y");
    }

    @Test
    void shouldRecoverFromRestartUnderLoss() {
        MeshModel mesh = MeshModel.random(41, 15, 3, 1.5, DEFAULTS);
        mesh.converge();
        mesh.net.faults(0.2, 0.05, ms(3));
        List<String> ids = new ArrayList<>(mesh.nodes());
        // The same node twice, so its second restart races the recovery from its first.
        for (String victim : List.of(ids.get(3), ids.get(7), ids.get(3))) {
            mesh.setPrefixes(victim, List.of(PrefixEntry.of(ServicePrefix.parse("/before/restart"), 1)));
            mesh.net.runFor(seconds(2));
            mesh.net.restart(victim);
            mesh.net.runFor(ms(300));
        }

        mesh.converge();

        mesh.assertDatabasesAgree();
        mesh.assertFibsMatchReference();
    }

    @ParameterizedTest
    @ValueSource(longs = {2001, 2002, 2003, 2004})
    void shouldConvergeAfterRestartsFlapsAndPrefixChangesUnderHeavyLoss(long seed) {
        Random random = new Random(seed);
        MeshModel mesh = MeshModel.random(seed, 6 + random.nextInt(20), 4, random.nextDouble() * 2, DEFAULTS);
        mesh.net.faults(0.4, 0.2, ms(20));
        mesh.net.runFor(seconds(2));
        List<String> ids = new ArrayList<>(mesh.nodes());
        for (int round = 0; round < 30; round++) {
            switch (random.nextInt(4)) {
                case 0 -> mesh.net.restart(ids.get(random.nextInt(ids.size())));
                case 1 -> {
                    MeshModel.Link l = mesh.links.get(random.nextInt(mesh.links.size()));
                    if (l.up) {
                        mesh.linkDown(l.a, l.b);
                    } else {
                        mesh.linkUp(l.a, l.b);
                    }
                }
                default -> {
                    List<PrefixEntry> ps = new ArrayList<>();
                    for (int k = random.nextInt(4); k > 0; k--) {
                        ps.add(PrefixEntry.of(ServicePrefix.parse("/c/" + round + "/" + k), random.nextInt(3)));
                    }
                    mesh.setPrefixes(ids.get(random.nextInt(ids.size())), ps);
                }
            }
            mesh.net.runFor(ms(random.nextInt(300)));
        }
        for (MeshModel.Link l : mesh.links) {
            mesh.linkUp(l.a, l.b);
        }

        mesh.converge();

        mesh.assertDatabasesAgree();
        mesh.assertFibsMatchReference();
    }

    private static long ownSeq(LinkStateProtocol p) {
        return p.lsdb().get(new LspId(p.nodeId(), 0)).pdu().sequence();
    }

    @Test
    void shouldRerouteAfterLinkFailure() {
        MeshModel mesh = MeshModel.random(51, 20, 4, 2, DEFAULTS);
        mesh.converge();
        MeshModel.Link l = mesh.links.get(3);

        mesh.linkDown(l.a, l.b);
        mesh.converge();

        mesh.assertDatabasesAgree(mesh.partitionOf(l.a));
        mesh.assertFibsMatchReference();
    }

    @Test
    void shouldSettleAfterLinksFlapEvery100Ms() {
        MeshModel mesh = MeshModel.random(61, 20, 4, 2, DEFAULTS);
        mesh.converge();
        List<MeshModel.Link> flapping = List.of(mesh.links.get(0), mesh.links.get(5), mesh.links.get(12));

        // Five seconds of flapping: every 100 ms each of the links changes state.
        for (int step = 0; step < 50; step++) {
            for (MeshModel.Link l : flapping) {
                if (l.up) {
                    mesh.linkDown(l.a, l.b);
                } else {
                    mesh.linkUp(l.a, l.b);
                }
            }
            mesh.net.runFor(ms(100));
        }
        // The flapping stops with one link left down.
        mesh.linkDown(flapping.get(1).a, flapping.get(1).b);
        mesh.converge();

        for (String id : mesh.nodes()) {
            mesh.assertDatabasesAgree(mesh.partitionOf(id));
        }
        mesh.assertFibsMatchReference();
        // Back-off kept the storm to a handful of SPF runs per node.
        for (String id : mesh.nodes()) {
            assertThat(mesh.protocol(id).counters().spfRuns).as("SPF runs of %s", id).isLessThan(30);
        }
    }

    @Test
    void shouldPurgeLspsOfRemovedNodeWhenLifetimeRunsOut() {
        // Short timers: lifetime 30 s, refresh 10 s, zero-age 5 s.
        Function<String, RoutingConfig> shortTimers = id -> new RoutingConfig(id, NodeRole.SR, 30, 10, 5, 1000,
                16 * 1024, 500, 5, 50, 1000, 500, 3000, false);
        MeshModel mesh = MeshModel.random(71, 12, 3, 1.5, shortTimers);
        mesh.converge();
        String gone = mesh.nodes().stream().filter(id -> id.endsWith("-5")).findFirst().orElseThrow();
        List<String> rest = mesh.nodes().stream().filter(id -> !id.equals(gone)).toList();
        assertThat(rest).allSatisfy(id -> assertThat(mesh.protocol(id).lsdb().get(new LspId(gone, 0))).isNotNull());

        mesh.isolate(gone);
        mesh.net.runFor(seconds(5));
        for (String id : rest) {
            assertThat(mesh.protocol(id).fib().get(ServicePrefix.nodePrefix(gone))).as("route at %s", id).isNull();
        }
        mesh.net.runFor(seconds(27));

        for (String id : rest) {
            LsdbEntry e = mesh.protocol(id).lsdb().get(new LspId(gone, 0));
            assertThat(e == null || e.purged()).as("LSP of %s at %s purged", gone, id).isTrue();
        }
        mesh.net.runFor(seconds(10));
        for (String id : rest) {
            assertThat(mesh.protocol(id).lsdb().entries()).as("LSDB of %s", id)
                    .noneMatch(e -> e.pdu().id().origin().equals(gone));
        }
        assertThat(rest.stream().mapToLong(id -> mesh.protocol(id).counters().lspsExpired).sum()).isPositive();
        mesh.assertDatabasesAgree(rest);
        mesh.assertFibsMatchReference(rest);
    }

    @Test
    void shouldKeepLspsAliveForSeveralLifetimesByRefreshing() {
        Function<String, RoutingConfig> shortTimers = id -> RoutingConfig.defaults(id, NodeRole.SR)
                .withLspTimers(20, 6);
        MeshModel mesh = MeshModel.random(81, 12, 3, 1.5, shortTimers);
        mesh.converge();

        for (int i = 0; i < 10; i++) {
            mesh.net.runFor(seconds(10));
            for (String id : mesh.nodes()) {
                assertThat(mesh.protocol(id).lsdb().entries()).as("LSDB of %s", id)
                        .allSatisfy(e -> assertThat(e.purged()).isFalse());
            }
        }

        for (String id : mesh.nodes()) {
            assertThat(mesh.protocol(id).counters().lspsExpired).isZero();
            assertThat(mesh.protocol(id).counters().lspsRefreshed).isGreaterThanOrEqualTo(100 / 6);
        }
        mesh.net.runFor(seconds(1));
        mesh.assertDatabasesAgree();
        mesh.assertFibsMatchReference();
    }

    @Test
    void shouldSpreadThousandsOfPrefixesOverFragmentsAndPurgeUnusedOnes() {
        Function<String, RoutingConfig> smallFragments = id -> RoutingConfig.defaults(id, NodeRole.SR)
                .withMaxLspBytes(2048);
        MeshModel mesh = new MeshModel(91, smallFragments);
        for (int i = 0; i < 5; i++) {
            mesh.addNode("sr-" + i, List.of());
        }
        for (int i = 1; i < 5; i++) {
            mesh.addLink("sr-" + (i - 1), "sr-" + i, 1);
        }
        mesh.addLink("sr-0", "sr-4", 3);
        List<PrefixEntry> many = new ArrayList<>();
        for (int i = 0; i < 3000; i++) {
            many.add(PrefixEntry.of(ServicePrefix.parse("/big/service-" + i + "/v1"), i % 7));
        }

        mesh.setPrefixes("sr-2", many);
        mesh.converge();

        List<LsdbEntry> fragments = mesh.protocol("sr-2").lsdb().entries().stream()
                .filter(e -> e.pdu().id().origin().equals("sr-2") && !e.purged()).toList();
        assertThat(fragments.size()).isGreaterThan(20);
        assertThat(fragments).allSatisfy(e ->
                assertThat(LinkFrameCodec.encodedSize(e.pdu())).isLessThanOrEqualTo(2048));
        mesh.assertDatabasesAgree();
        mesh.assertFibsMatchReference();
        assertThat(mesh.protocol("sr-0").fib().lookup("/big/service-2999/v1/x").nextHops()).containsExactly("sr-1");

        mesh.setPrefixes("sr-2", many.subList(0, 50));
        mesh.converge();

        List<LsdbEntry> after = mesh.protocol("sr-0").lsdb().entries().stream()
                .filter(e -> e.pdu().id().origin().equals("sr-2")).toList();
        assertThat(after.stream().filter(e -> !e.purged()).count()).isEqualTo(1);
        assertThat(mesh.protocol("sr-0").fib().get(ServicePrefix.parse("/big/service-50/v1"))).isNull();
        mesh.assertDatabasesAgree();
        mesh.assertFibsMatchReference();
        // After the zero-age lifetime the purged headers are gone everywhere.
        mesh.net.runFor(seconds(70));
        for (String id : mesh.nodes()) {
            assertThat(mesh.protocol(id).lsdb().entries()).noneMatch(LsdbEntry::purged);
        }
    }

    @Test
    void shouldUsePartialCalculationForPrefixOnlyChange() {
        MeshModel mesh = MeshModel.random(101, 15, 3, 1.5, DEFAULTS);
        mesh.converge();
        Map<String, Long> spf = new HashMap<>();
        Map<String, Long> partial = new HashMap<>();
        for (String id : mesh.nodes()) {
            spf.put(id, mesh.protocol(id).counters().spfRuns);
            partial.put(id, mesh.protocol(id).counters().partialRuns);
        }
        String changed = mesh.nodes().iterator().next();

        mesh.setPrefixes(changed, List.of(PrefixEntry.of(ServicePrefix.parse("/brand/new"), 2)));
        mesh.converge();

        for (String id : mesh.nodes()) {
            assertThat(mesh.protocol(id).counters().spfRuns).as("full SPF runs at %s", id).isEqualTo(spf.get(id));
            assertThat(mesh.protocol(id).counters().partialRuns).as("partial runs at %s", id)
                    .isGreaterThan(partial.get(id));
        }
        mesh.assertFibsMatchReference();
    }

    @Test
    void shouldRunFewFullCalculationsForOneLinkFailure() {
        MeshModel mesh = MeshModel.random(111, 30, 3, 2, DEFAULTS);
        mesh.converge();
        Map<String, Long> spf = new HashMap<>();
        for (String id : mesh.nodes()) {
            spf.put(id, mesh.protocol(id).counters().spfRuns);
        }
        MeshModel.Link l = mesh.links.get(mesh.links.size() - 1);

        mesh.linkDown(l.a, l.b);
        mesh.converge();

        // Two LSPs change (one per end); with the initial delay they usually fold into one run.
        for (String id : mesh.nodes()) {
            assertThat(mesh.protocol(id).counters().spfRuns - spf.get(id)).as("SPF runs at %s", id).isBetween(1L, 2L);
        }
        mesh.assertFibsMatchReference();
    }

    @Test
    void shouldFloodNewLspOverEachLinkAtMostOncePerDirectionWithoutLoss() {
        MeshModel mesh = MeshModel.random(121, 25, 3, 2, DEFAULTS);
        mesh.converge();
        mesh.net.resetCounters();
        String changed = mesh.nodes().iterator().next();

        mesh.setPrefixes(changed, List.of(PrefixEntry.of(ServicePrefix.parse("/one/more"), 0)));
        mesh.converge();

        // One new LSP: sent at most once in each direction of each link, never retransmitted.
        assertThat(mesh.net.lspTransmissions()).isLessThanOrEqualTo(2L * mesh.links.size());
        assertThat(mesh.nodes().stream().mapToLong(id -> mesh.protocol(id).counters().lspsRetransmitted).sum())
                .isZero();
        mesh.assertDatabasesAgree();
        mesh.assertFibsMatchReference();
    }
}
