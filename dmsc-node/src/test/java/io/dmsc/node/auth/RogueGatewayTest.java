package io.dmsc.node.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dmsc.node.DmscNode;
import io.dmsc.node.Mesh;
import io.dmsc.node.NodeStatus;
import io.dmsc.node.config.ConfigLoader;
import io.dmsc.routing.FibEntry;
import io.dmsc.wire.ServicePrefix;
import io.dmsc.wire.auth.PrefixAuthorization;
import io.dmsc.wire.auth.SpaKeys;
import io.dmsc.wire.link.PrefixEntry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A mesh in mode {@code required} over loopback TCP, with a rogue SG that advertises the
 * legitimate SG's {@code /B/4} with a replayed authorization, a more specific name with a forged
 * one and another unsigned, and an SG left in mode {@code open} with a static {@code /B/4}:
 * no other node installs any of them, and {@code /B/4} keeps pointing at the legitimate SG.
 */
@Timeout(60)
class RogueGatewayTest {
    private static final KeyPair SPA = SpaKeys.generate();
    private static final KeyPair FORGER = SpaKeys.generate();

    private static byte[] sign(KeyPair key, String prefix, String pod, String sg) {
        long now = System.currentTimeMillis();
        PrefixAuthorization a = new PrefixAuthorization(SpaKeys.keyId(key.getPublic()), now - 1000, now + 600_000, 1,
                ServicePrefix.parse(prefix), pod, sg, null);
        return a.withSignature(SpaKeys.sign(key.getPrivate(), a.signedBytes())).encode();
    }

    private static PrefixEntry entry(String prefix, byte[] authorization) {
        return new PrefixEntry(ServicePrefix.parse(prefix), 0, authorization);
    }

    @Test
    void shouldIgnoreReplayedForgedUnsignedAndOpenModePrefixes(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("spa.pub"), SpaKeys.publicPem(SPA.getPublic()));
        String topology = """
                name: rogue
                timers: {helloIntervalMs: 200, holdTimeMs: 1000}
                authorization: {trustAnchors: [spa.pub]}
                nodes:
                  - {id: sg-a, role: sg, listen: 127.0.0.1:0}
                  - {id: sr-1, role: sr, listen: 127.0.0.1:0}
                  - {id: sg-b, role: sg, listen: 127.0.0.1:0}
                  - {id: sg-r, role: sg, listen: 127.0.0.1:0}
                  - {id: sg-o, role: sg, listen: 127.0.0.1:0, prefixes: [/B/4/open], authorization: {mode: open}}
                links:
                  - {a: sg-a, b: sr-1}
                  - {a: sg-b, b: sr-1}
                  - {a: sg-r, b: sr-1, metric: 1}
                  - {a: sg-o, b: sr-1, metric: 1}
                """;
        try (Mesh mesh = Mesh.start(ConfigLoader.parseTopology(dir.resolve("rogue.yaml").toString(), topology),
                Mesh.Links.TCP)) {
            byte[] genuine = sign(SPA, "/B/4", "pod-4", "sg-b");
            mesh.node("sg-b").conductor().setLocalPrefixes(List.of(entry("/B/4", genuine)));
            mesh.node("sg-r").conductor().setLocalPrefixes(List.of(
                    entry("/B/4", genuine),
                    entry("/B/4/grpc.testing.BenchmarkService", sign(FORGER, "/B/4/grpc.testing.BenchmarkService",
                            "pod-4", "sg-r")),
                    entry("/B/4/unsigned", new byte[0])));
            DmscNode sgA = mesh.node("sg-a");
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
                NodeStatus s = sgA.status().get(5, TimeUnit.SECONDS);
                assertThat(s.authorization()).isEqualTo("required");
                assertThat(s.prefixes()).extracting(p -> p.prefix() + "@" + p.origin() + "=" + p.state())
                        .contains("/B/4@sg-b=installed",
                                "/B/4@sg-r=rejected: origin-mismatch",
                                "/B/4/grpc.testing.BenchmarkService@sg-r=rejected: unknown-key",
                                "/B/4/unsigned@sg-r=rejected: unsigned",
                                "/B/4/open@sg-o=rejected: unsigned");
            });
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
                for (String at : List.of("sg-a", "sr-1")) {
                    DmscNode n = mesh.node(at);
                    FibEntry e = n.fib().lookup("/B/4/grpc.testing.BenchmarkService/UnaryCall");
                    assertThat(e).as(at).isNotNull();
                    assertThat(e.prefix()).as(at).isEqualTo(ServicePrefix.parse("/B/4"));
                    assertThat(n.fib().get(ServicePrefix.parse("/B/4/open"))).as(at).isNull();
                    assertThat(n.fib().get(ServicePrefix.parse("/B/4/unsigned"))).as(at).isNull();
                }
                assertThat(mesh.node("sr-1").fib().get(ServicePrefix.parse("/B/4")).nextHops())
                        .containsExactly("sg-b");
            });
            // The open node installs everything, as its mode says; the others are unaffected by it.
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                    assertThat(mesh.node("sg-o").fib().get(ServicePrefix.parse("/B/4/unsigned"))).isNotNull());
            assertThat(mesh.node("sg-o").status().get(5, TimeUnit.SECONDS).authorization()).isEqualTo("open");
        }
    }
}
