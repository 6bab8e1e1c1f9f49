package io.dmsc.testkit.limits;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dmsc.gateway.Gateway;
import io.dmsc.node.Mesh;
import io.dmsc.node.config.ConfigLoader;
import io.dmsc.routing.FibEntry;
import io.dmsc.testkit.TestPod;
import io.dmsc.wire.proto.attach.v1.AnnounceResult;
import io.dmsc.wire.proto.attach.v1.GatewayMessage;
import io.dmsc.wire.proto.attach.v1.RejectReason;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Pods that announce more than an SG's LSP can hold: every announcement is either advertised
 * mesh-wide or refused with its reason, never dropped silently; the node prefix and the static
 * prefix always stay; one pod cannot take more than its share; a newcomer waits for room instead
 * of pushing out what is advertised.
 */
class LspRoomMeshTest {
    private static final String TOPOLOGY = "name: room\n"
            + "timers: {maxLspBytes: 8192}\n"
            + "limits: {podPrefixSharePercent: 40}\n"
            + "nodes:\n"
            + "  - {id: sg-a, role: sg, listen: 127.0.0.1:0, pod: 127.0.0.1:0, prefixes: [/demo/sg-a]}\n"
            + "  - {id: sr-1, role: sr, listen: 127.0.0.1:0}\n"
            + "links:\n"
            + "  - {a: sg-a, b: sr-1}\n";

    /** A name of about 2 KB: 30 components of 63 characters under a short head. */
    private static String longName(String pod, int i) {
        StringBuilder b = new StringBuilder("/").append(pod).append('-').append(i);
        for (int c = 0; c < 30; c++) {
            b.append('/').append("x".repeat(63));
        }
        return b.toString();
    }

    /** Announces and collects the answers: accepted prefixes, and refusals by message. */
    private static List<AnnounceResult> announceAll(TestPod pod, List<String> prefixes) {
        for (String p : prefixes) {
            pod.announce(p);
        }
        List<AnnounceResult> results = new ArrayList<>();
        for (int i = 0; i < prefixes.size(); i++) {
            GatewayMessage m = pod.nextAnnounceResult(30, TimeUnit.SECONDS);
            assertThat(m).as("answer %d of %d", i + 1, prefixes.size()).isNotNull();
            results.add(m.getAnnounceResult());
        }
        return results;
    }

    private static List<String> names(String pod, int count) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            out.add(longName(pod, i));
        }
        return out;
    }

    private static long fibEntriesFrom(Mesh mesh, String node, String origin) {
        return mesh.node(node).fib().entries().stream().filter(e -> e.nextHops().size() > 0 || e.local())
                .map(FibEntry::prefix).filter(p -> p.toString().startsWith("/pod-") || p.toString().startsWith("/B")
                        || p.toString().equals("/demo/" + origin) || p.toString().equals("/_dmsc/node/" + origin))
                .count();
    }

    @Test
    void shouldAdvertiseOrRefuseEveryAnnouncementAndKeepTheNodesOwnPrefixes() throws Exception {
        try (Mesh mesh = Mesh.start(ConfigLoader.parseTopology("room.yaml", TOPOLOGY), Mesh.Links.TCP,
                Gateway.factory())) {
            String sg = mesh.node("sg-a").extension(Gateway.class).podAddress();
            try (TestPod a = TestPod.attach(sg, "pod-a", "");
                 TestPod b = TestPod.attach(sg, "pod-b", "");
                 TestPod c = TestPod.attach(sg, "pod-c", "");
                 TestPod d = TestPod.attach(sg, "pod-d", "")) {
                List<AnnounceResult> ra = announceAll(a, names("pod-a", 400));
                List<AnnounceResult> rb = announceAll(b, names("pod-b", 400));
                List<AnnounceResult> rc = announceAll(c, names("pod-c", 400));

                long acceptedA = ra.stream().filter(AnnounceResult::getAccepted).count();
                long acceptedB = rb.stream().filter(AnnounceResult::getAccepted).count();
                long acceptedC = rc.stream().filter(AnnounceResult::getAccepted).count();
                assertThat(acceptedA).as("pod-a stops at its share").isBetween(100L, 399L);
                assertThat(acceptedB).as("pod-b gets the same share").isEqualTo(acceptedA);
                assertThat(acceptedC).as("pod-c gets what is left").isPositive().isLessThan(acceptedA);
                assertThat(ra).filteredOn(r -> !r.getAccepted()).allSatisfy(r -> {
                    assertThat(r.getReason()).isEqualTo(RejectReason.LIMIT_EXCEEDED);
                    assertThat(r.getMessage()).contains("of its share of").contains("podPrefixSharePercent");
                });
                assertThat(rc).filteredOn(r -> !r.getAccepted()).isNotEmpty().allSatisfy(r ->
                        assertThat(r.getMessage()).contains("its link-state PDU has room for"));

                // A newcomer finds no room: refused with the reason, nothing advertised is pushed out.
                List<AnnounceResult> rd = announceAll(d, List.of(longName("pod-d", 0)));
                assertThat(rd.get(0).getAccepted()).isFalse();
                assertThat(rd.get(0).getMessage()).contains("cannot advertise /pod-d-0/");

                long accepted = acceptedA + acceptedB + acceptedC;
                await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                        assertThat(fibEntriesFrom(mesh, "sr-1", "sg-a")).as("every accepted prefix and the SG's own "
                                + "two, in sr-1's FIB").isEqualTo(accepted + 2));
                assertThat(mesh.node("sg-a").conductor().notAdvertised()).isEmpty();

                // Room again once pod-a withdraws some: the newcomer gets in.
                for (int i = 0; i < 5; i++) {
                    a.withdraw(longName("pod-a", i));
                }
                await().atMost(Duration.ofSeconds(10)).until(() ->
                        mesh.node("sr-1").fib().lookup(longName("pod-a", 0) + "/m") == null);
                List<AnnounceResult> again = announceAll(d, List.of(longName("pod-d", 0)));
                assertThat(again.get(0).getAccepted()).as(again.get(0).getMessage()).isTrue();
                await().atMost(Duration.ofSeconds(10)).until(() ->
                        mesh.node("sr-1").fib().lookup(longName("pod-d", 0) + "/m") != null);
                assertThat(mesh.node("sr-1").fib().lookup("/_dmsc/node/sg-a")).isNotNull();
                assertThat(mesh.node("sr-1").fib().lookup("/demo/sg-a/x")).isNotNull();
            }
        }
    }
}
