package io.dmsc.scsc;

import static org.assertj.core.api.Assertions.assertThat;

import io.dmsc.node.config.SchedulerConfig;
import io.dmsc.routing.MeshView;
import io.dmsc.wire.ServicePrefix;
import io.dmsc.wire.link.NeighborEntry;
import io.dmsc.wire.link.NodeRole;
import io.dmsc.wire.proto.scsc.v1.LinkQos;
import io.dmsc.wire.proto.scsc.v1.PathQos;
import io.dmsc.wire.proto.scsc.v1.Report;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The scheduling decisions over the draft's Figure 2 with /B at sg-2 and sg-4. */
class PolicyEngineTest {
    private static final ServicePrefix B = ServicePrefix.parse("/B");
    private static final long S = TimeUnit.SECONDS.toNanos(1);

    private static final String[][] LINKS = {{"sg-1", "sr-1"}, {"sg-2", "sr-2"}, {"sr-1", "sr-2"}, {"sr-1", "sr-3"},
        {"sr-2", "sr-3"}, {"sg-3", "sr-1"}, {"sg-3", "sr-3"}, {"sg-4", "sr-2"}, {"sg-4", "sr-3"}, {"scsc", "sr-1"}};

    static MeshView figure2() {
        Map<String, List<NeighborEntry>> adj = new HashMap<>();
        for (String[] l : LINKS) {
            adj.computeIfAbsent(l[0], k -> new ArrayList<>()).add(new NeighborEntry(l[1], 10));
            adj.computeIfAbsent(l[1], k -> new ArrayList<>()).add(new NeighborEntry(l[0], 10));
        }
        Map<String, MeshView.Node> nodes = new HashMap<>();
        adj.forEach((id, n) -> nodes.put(id, new MeshView.Node(id, id.startsWith("sg") ? NodeRole.SG
                : id.equals("scsc") ? NodeRole.SCSC : NodeRole.SR, id.equals("scsc"), n)));
        return new MeshView(nodes, Map.of(B, List.of(new MeshView.Replica("sg-2", 0, 1),
                new MeshView.Replica("sg-4", 0, 1))));
    }

    static SchedulerConfig config() {
        return new SchedulerConfig("127.0.0.1:0", 200, SchedulerConfig.Thresholds.DEFAULTS, List.of(), 1000, 1000,
                100, 20);
    }

    static Report sg1(double delayToSg2, double jitterToSg2) {
        return Report.newBuilder().setNodeId("sg-1").setSequence(1).setIntervalMs(200)
                .addPaths(PathQos.newBuilder().setEgress("sg-2").setDelayMs(delayToSg2).setJitterMs(jitterToSg2)
                        .setSamples(5))
                .addPaths(PathQos.newBuilder().setEgress("sg-4").setDelayMs(1.2).setJitterMs(0.1).setSamples(5))
                .addLinks(LinkQos.newBuilder().setNeighbor("sr-1").setUp(true).setRttMs(0.2)).build();
    }

    @Test
    void aDelayedReplicaIsAvoidedAndCallsReturnAfterTheHysteresis() {
        PolicyEngine e = new PolicyEngine(config());
        Map<String, PolicyEngine.NodeReport> reports = new HashMap<>();
        reports.put("sg-1", new PolicyEngine.NodeReport(sg1(1.1, 0.1), 0));
        assertThat(e.round(figure2(), reports, 0)).as("no threshold crossed: no policy").isEmpty();

        reports.put("sg-1", new PolicyEngine.NodeReport(sg1(48, 0.5), S));
        List<PolicyEngine.Action> a = e.round(figure2(), reports, S);
        assertThat(a).hasSize(1);
        PolicyEngine.Action steer = a.get(0);
        assertThat(steer.install()).isTrue();
        assertThat(steer.policy().egress).isEqualTo("sg-4");
        assertThat(steer.policy().path).hasSize(3).startsWith("sr-1").endsWith("sg-4");
        assertThat(steer.nodes()).containsExactly("sg-1", "sr-1", steer.policy().path.get(1));
        assertThat(steer.policy().reason).contains("delay 48.0 ms to sg-2 >= 20 ms");

        // Still bad: kept (refreshed at a third of the TTL), not recomputed.
        reports.put("sg-1", new PolicyEngine.NodeReport(sg1(50, 0.5), S + S / 5));
        assertThat(e.round(figure2(), reports, S + S / 5)).isEmpty();
        reports.put("sg-1", new PolicyEngine.NodeReport(sg1(50, 0.5), S + S / 2));
        List<PolicyEngine.Action> refresh = e.round(figure2(), reports, S + S / 2);
        assertThat(refresh).singleElement().satisfies(r -> {
            assertThat(r.install()).isTrue();
            assertThat(r.policy().id).isEqualTo(steer.policy().id);
        });

        // Recovered, but under 80% of the threshold only counts from now: withdrawn after 1 s of it.
        reports.put("sg-1", new PolicyEngine.NodeReport(sg1(17, 0.5), 2 * S));
        assertThat(e.round(figure2(), reports, 2 * S)).as("17 ms is under 20 but not under 16: kept")
                .allMatch(PolicyEngine.Action::install);
        reports.put("sg-1", new PolicyEngine.NodeReport(sg1(1.3, 0.5), 3 * S));
        assertThat(e.round(figure2(), reports, 3 * S)).allMatch(PolicyEngine.Action::install);
        reports.put("sg-1", new PolicyEngine.NodeReport(sg1(1.3, 0.5), 3 * S + S / 2));
        assertThat(e.round(figure2(), reports, 3 * S + S / 2)).allMatch(PolicyEngine.Action::install);
        reports.put("sg-1", new PolicyEngine.NodeReport(sg1(1.3, 0.5), 4 * S));
        assertThat(e.round(figure2(), reports, 4 * S)).singleElement().satisfies(w -> {
            assertThat(w.install()).isFalse();
            assertThat(w.reason()).contains("recovered");
        });
        assertThat(e.active()).isEmpty();
    }

    @Test
    void jitterAndBandwidthThresholdsSteerToo() {
        PolicyEngine e = new PolicyEngine(config());
        Map<String, PolicyEngine.NodeReport> reports = new HashMap<>();
        reports.put("sg-1", new PolicyEngine.NodeReport(sg1(2, 14), 0));
        assertThat(e.round(figure2(), reports, 0)).singleElement()
                .satisfies(a -> assertThat(a.policy().reason).contains("jitter 14.0 ms to sg-2 >= 10 ms"));

        PolicyEngine b = new PolicyEngine(config());
        Map<String, PolicyEngine.NodeReport> loaded = new HashMap<>();
        loaded.put("sg-1", new PolicyEngine.NodeReport(sg1(1, 0.1), 0));
        // sr-2 -> sg-2 carries 95% of its 1000 Mbit/s.
        loaded.put("sr-2", new PolicyEngine.NodeReport(Report.newBuilder().setNodeId("sr-2")
                .addLinks(LinkQos.newBuilder().setNeighbor("sg-2").setUp(true).setCapacityBytesPerS(125e6)
                        .setTxBytesPerS(118.75e6)).build(), 0));
        assertThat(b.round(figure2(), loaded, 0)).singleElement().satisfies(a -> {
            assertThat(a.policy().egress).isEqualTo("sg-4");
            assertThat(a.policy().reason).contains("available bandwidth 5.0% towards sg-2 <= 10%");
        });
    }

    @Test
    void aPolicyWhosePathBreaksIsReplacedAndNothingIsMadeWhenEveryReplicaIsBad() {
        PolicyEngine e = new PolicyEngine(config());
        Map<String, PolicyEngine.NodeReport> reports = new HashMap<>();
        reports.put("sg-1", new PolicyEngine.NodeReport(sg1(40, 0), 0));
        PolicyEngine.Active first = e.round(figure2(), reports, 0).get(0).policy();
        String via = first.path.get(1);
        // The link from that SR to sg-4 disappears from the LSDB.
        Map<String, MeshView.Node> nodes = new HashMap<>(figure2().nodes());
        nodes.put(via, new MeshView.Node(via, NodeRole.SR, false, nodes.get(via).neighbors().stream()
                .filter(n -> !n.nodeId().equals("sg-4")).toList()));
        MeshView broken = new MeshView(nodes, figure2().prefixes());
        List<PolicyEngine.Action> a = e.round(broken, reports, S / 5);
        assertThat(a).anySatisfy(x -> assertThat(x.install()).isFalse());
        assertThat(a).anySatisfy(x -> {
            assertThat(x.install()).isTrue();
            assertThat(x.policy().path).doesNotContain(via);
        });

        PolicyEngine none = new PolicyEngine(config());
        Map<String, PolicyEngine.NodeReport> bothBad = new HashMap<>();
        bothBad.put("sg-1", new PolicyEngine.NodeReport(Report.newBuilder().setNodeId("sg-1")
                .addPaths(PathQos.newBuilder().setEgress("sg-2").setDelayMs(40).setSamples(3))
                .addPaths(PathQos.newBuilder().setEgress("sg-4").setDelayMs(45).setSamples(3)).build(), 0));
        assertThat(none.round(figure2(), bothBad, 0)).as("nothing better to steer to").isEmpty();
    }

    @Test
    void aRefusedPolicyIsWithdrawnAndNotMadeAgainAtOnce() {
        PolicyEngine e = new PolicyEngine(config());
        Map<String, PolicyEngine.NodeReport> reports = new HashMap<>();
        reports.put("sg-1", new PolicyEngine.NodeReport(sg1(40, 0), 0));
        PolicyEngine.Active p = e.round(figure2(), reports, 0).get(0).policy();
        PolicyEngine.Action w = e.refused(p.id, "sr-1", "unreachable: ...", S / 10);
        assertThat(w.install()).isFalse();
        assertThat(e.round(figure2(), reports, S / 5)).isEmpty();
        reports.put("sg-1", new PolicyEngine.NodeReport(sg1(40, 0), 2 * S));
        assertThat(e.round(figure2(), reports, 2 * S)).singleElement().satisfies(x -> assertThat(x.install()).isTrue());
    }
}
