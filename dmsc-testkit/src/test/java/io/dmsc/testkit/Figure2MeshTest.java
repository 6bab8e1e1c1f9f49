package io.dmsc.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dmsc.node.Mesh;
import io.dmsc.node.NodeStatus;
import io.dmsc.node.config.ConfigLoader;
import io.dmsc.node.config.TopologyConfig;
import io.dmsc.routing.FibEntry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The draft's Figure 2 over real loopback TCP, with faults. */
class Figure2MeshTest {
    private static final Duration CONVERGENCE = Duration.ofSeconds(20);

    private Mesh mesh;
    private final Set<String> dead = new HashSet<>();
    private final Set<String> failed = new HashSet<>();

    static TopologyConfig figure2OnAnyPort() throws IOException {
        String text = Files.readString(Path.of("../examples/figure2.yaml"))
                .replaceAll("127\\.0\\.0\\.1:\\d+", "127.0.0.1:0");
        // Named by its real path: the policy, key and token files are relative to it.
        return ConfigLoader.parseTopology("../examples/figure2.yaml", text);
    }

    @BeforeEach
    void startMesh() throws IOException {
        // With the gateways: their static prefixes are authorized by the SPAs before any node installs them.
        mesh = Mesh.start(figure2OnAnyPort(), Mesh.Links.TCP, io.dmsc.gateway.Gateway.factory());
    }

    @AfterEach
    void stopMesh() {
        mesh.close();
    }

    private void awaitCorrectFibs() {
        await().atMost(CONVERGENCE).pollInterval(Duration.ofMillis(50)).untilAsserted(() ->
                assertThat(MeshChecks.fibDifferences(mesh, dead, failed)).isEmpty());
    }

    private void awaitConsistentLsdbs() {
        await().atMost(CONVERGENCE).pollInterval(Duration.ofMillis(100)).untilAsserted(() ->
                assertThat(MeshChecks.lsdbDifferences(mesh)).isEmpty());
    }

    @Test
    void shouldConvergeWithEveryFibCorrect() {
        awaitCorrectFibs();
        FibEntry sg4 = mesh.node("sr-1").fib().lookup("/demo/sg-4/helloworld.Greeter/SayHello");
        assertThat(sg4.nextHops()).containsExactly("sr-2", "sr-3");
        assertThat(mesh.node("sg-1").fib().lookup("/demo/sg-2").nextHops()).containsExactly("sr-1");
        // Its three SGs' and its own prefixes, the 8 node prefixes (the SCSC's too: reachable, never a transit).
        assertThat(mesh.node("sg-1").fib().size()).isEqualTo(12);
        assertThat(mesh.node("sr-1").fib().lookup("/_dmsc/node/sg-2").nextHops()).doesNotContain("scsc");
    }

    @Test
    void shouldRecomputeFibsWhenALinkIsTakenDown() {
        awaitCorrectFibs();
        mesh.disconnect("sr-1", "sr-2");
        failed.add(ReferenceRoutes.key("sr-1", "sr-2"));
        awaitCorrectFibs();
        assertThat(mesh.node("sr-1").fib().lookup("/demo/sg-2").nextHops()).containsExactly("sr-3");
        mesh.reconnect("sr-1", "sr-2");
        failed.clear();
        awaitCorrectFibs();
        awaitConsistentLsdbs();
    }

    @Test
    void shouldRecoverWhenAConnectionIsClosed() {
        awaitCorrectFibs();
        mesh.closeConnection("sg-4", "sr-2");
        // The close and the redial race with the check: wait for the end state, both next hops back.
        await().atMost(CONVERGENCE).pollInterval(Duration.ofMillis(50)).untilAsserted(() ->
                assertThat(mesh.node("sg-4").fib().lookup("/demo/sg-1").nextHops()).containsExactly("sr-2", "sr-3"));
        awaitCorrectFibs();
    }

    @Test
    void shouldRouteAroundAKilledNodeAndTakeItBackAfterRestart() throws Exception {
        awaitCorrectFibs();
        long seqBefore = Long.parseLong(mesh.node("sr-2").status().get(5, TimeUnit.SECONDS).lsdb().stream()
                .filter(l -> l.lspId().equals("sr-2-00")).findFirst().orElseThrow().sequence());
        mesh.kill("sr-2");
        dead.add("sr-2");
        awaitCorrectFibs();
        assertThat(mesh.node("sg-2").fib().lookup("/demo/sg-1")).isNull();
        assertThat(mesh.node("sr-1").fib().lookup("/demo/sg-4").nextHops()).containsExactly("sr-3");

        mesh.restart("sr-2");
        dead.clear();
        awaitCorrectFibs();
        awaitConsistentLsdbs();
        // The restarted node learned its old sequence number from its neighbours and jumped past it.
        await().atMost(CONVERGENCE).untilAsserted(() -> {
            NodeStatus s = mesh.node("sr-1").status().get(5, TimeUnit.SECONDS);
            long seqAfter = Long.parseLong(s.lsdb().stream().filter(l -> l.lspId().equals("sr-2-00"))
                    .findFirst().orElseThrow().sequence());
            assertThat(seqAfter).isGreaterThan(seqBefore);
        });
    }

    @Test
    void shouldSettleAfterALinkFlappingEvery100Ms() throws Exception {
        awaitCorrectFibs();
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
        while (System.nanoTime() < end) {
            mesh.closeConnection("sr-1", "sr-3");
            TimeUnit.MILLISECONDS.sleep(100);
        }
        awaitCorrectFibs();
        awaitConsistentLsdbs();
    }
}
