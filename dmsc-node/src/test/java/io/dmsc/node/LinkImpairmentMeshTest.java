package io.dmsc.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.dmsc.node.config.ConfigLoader;
import io.dmsc.node.link.LinkImpairment;
import io.dmsc.wire.proto.data.v1.Probe;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Two real nodes, one link impaired at one end: pings see the delay, loss spares the adjacency. */
@Timeout(60)
class LinkImpairmentMeshTest {
    private static final AtomicLong PROBE_IDS = new AtomicLong();

    private static Mesh start(Mesh.Links links) {
        String topology = """
                name: impair
                timers: {helloIntervalMs: 100, holdTimeMs: 500}
                nodes:
                  - {id: a, role: sr, listen: 127.0.0.1:0}
                  - {id: b, role: sr, listen: 127.0.0.1:0}
                links:
                  - {a: a, b: b, metric: 10}
                """;
        Mesh mesh = Mesh.start(ConfigLoader.parseTopology("impair.yaml", topology), links);
        await().atMost(Duration.ofSeconds(10)).until(() -> mesh.node("a").fib().lookup("/_dmsc/node/b") != null
                && mesh.node("b").fib().lookup("/_dmsc/node/a") != null);
        return mesh;
    }

    /**
     * One echo probe from a node to another, through the fabric.
     *
     * @return the round trip in milliseconds, or -1 if no reply came within {@code waitMs}
     */
    private static double pingMs(DmscNode from, String to, long waitMs) throws Exception {
        long id = PROBE_IDS.incrementAndGet();
        CompletableFuture<Long> replied = new CompletableFuture<>();
        from.forwarder().setProbeListener((reply, nowNs) -> {
            if (reply.getProbeId() == id && reply.getKind() == Probe.Kind.ECHO_REPLY) {
                replied.complete(nowNs);
            }
        });
        long sentNs = System.nanoTime();
        from.forwarder().sendProbe(4, Probe.newBuilder().setKind(Probe.Kind.ECHO_REQUEST).setProbeId(id)
                .setOrigin(from.id()).setName("/_dmsc/node/" + to).setSentAtNs(sentNs).setInitialHopLimit(4).build());
        try {
            return (replied.get(waitMs, TimeUnit.MILLISECONDS) - sentNs) / 1e6;
        } catch (TimeoutException e) {
            return -1;
        }
    }

    private static boolean up(DmscNode node, String neighbor) throws Exception {
        return node.status().get(5, TimeUnit.SECONDS).neighbors().stream()
                .anyMatch(n -> n.id().equals(neighbor) && n.state().equals("UP"));
    }

    @Test
    void shouldDelayPingsOverAnImpairedTcpLinkUntilCleared() throws Exception {
        try (Mesh mesh = start(Mesh.Links.TCP)) {
            DmscNode a = mesh.node("a");
            await().atMost(Duration.ofSeconds(10)).until(() -> {
                double ms = pingMs(a, "b", 2000);
                return ms >= 0 && ms < 40;
            });

            mesh.impair("a", "b", LinkImpairment.delay(50));
            for (int i = 0; i < 3; i++) {
                assertThat(pingMs(a, "b", 5000)).as("round trip with 50 ms added on a -> b").isGreaterThanOrEqualTo(50);
            }
            assertThat(a.conductor().impairments().get(5, TimeUnit.SECONDS)).singleElement()
                    .satisfies(s -> {
                        assertThat(s.neighbor()).isEqualTo("b");
                        assertThat(s.delayMs()).isEqualTo(50);
                        assertThat(s.onLink()).isTrue();
                    });
            // Hellos are delayed too, well within the hold time: the adjacency stays up.
            assertThat(up(a, "b")).isTrue();
            assertThat(up(mesh.node("b"), "a")).isTrue();

            mesh.clearImpairment("a", "b");
            await().atMost(Duration.ofSeconds(10)).until(() -> {
                double ms = pingMs(a, "b", 2000);
                return ms >= 0 && ms < 40;
            });
            assertThat(a.conductor().impairments().get(5, TimeUnit.SECONDS)).isEmpty();

            assertThatThrownBy(() -> mesh.impair("a", "c", LinkImpairment.delay(5)))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("peer 'c' is not a neighbour of a (expected: one of b)");
        }
    }

    @Test
    void shouldDropProbesButKeepTheAdjacencyUpAtFullLoss() throws Exception {
        try (Mesh mesh = start(Mesh.Links.IN_MEMORY)) {
            DmscNode a = mesh.node("a");
            await().atMost(Duration.ofSeconds(10)).until(() -> pingMs(a, "b", 2000) >= 0);

            mesh.impair("a", "b", new LinkImpairment(0, 0, 100, 0));
            assertThat(pingMs(a, "b", 300)).as("the request is dropped").isEqualTo(-1);
            // Twice the 500 ms hold time: hellos still pass both ways.
            await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(5)).until(() -> up(a, "b")
                    && up(mesh.node("b"), "a"));
            assertThat(a.metrics().scrape()).containsPattern(
                    "dmsc_link_impaired_frames_dropped_total\\{neighbor=\"b\",node=\"a\",reason=\"loss\"} [1-9]");

            mesh.clearImpairment("a", "b");
            assertThat(pingMs(a, "b", 5000)).isNotNegative();
        }
    }

    @Test
    void shouldApplyAnImpairmentToTheNextConnectionToo() throws Exception {
        try (Mesh mesh = start(Mesh.Links.TCP)) {
            DmscNode a = mesh.node("a");
            mesh.impair("a", "b", LinkImpairment.delay(50));
            mesh.closeConnection("a", "b");
            // Redialed at once; the new connection carries the impairment from its first hello.
            await().atMost(Duration.ofSeconds(10)).until(() -> a.metrics().scrape().contains(
                    "dmsc_adjacency_changes_total{node=\"a\",state=\"down\"} 1.0") && up(a, "b"));
            await().atMost(Duration.ofSeconds(10)).until(() -> pingMs(a, "b", 2000) >= 0);
            assertThat(pingMs(a, "b", 5000)).isGreaterThanOrEqualTo(50);
        }
    }
}
