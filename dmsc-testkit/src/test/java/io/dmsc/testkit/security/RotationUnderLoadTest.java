package io.dmsc.testkit.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.dmsc.gateway.Gateway;
import io.dmsc.node.Mesh;
import io.dmsc.node.NodeStatus;
import io.dmsc.node.config.ConfigLoader;
import io.dmsc.node.config.TopologyConfig;
import io.dmsc.node.security.MeshCa;
import io.dmsc.node.security.MeshIdentity;
import io.dmsc.testkit.EchoService;
import io.dmsc.testkit.TestPod;
import io.dmsc.testkit.proto.v1.EchoGrpc;
import io.dmsc.testkit.proto.v1.EchoRequest;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every node's certificate and key replaced on disk while calls flow through three hops of
 * mutual-TLS links: every node re-signs its LSPs with the new key, the others install them, no
 * link drops and no call fails.
 */
class RotationUnderLoadTest {
    private static final Metadata.Key<String> TARGET = Metadata.Key.of("dmsc-target", Metadata.ASCII_STRING_MARSHALLER);
    private static final List<String> NODES = List.of("sg-a", "sr-1", "sg-b");

    @TempDir
    Path dir;

    private static long sequence(Mesh mesh, String at, String origin) throws Exception {
        NodeStatus s = mesh.node(at).status().get(5, TimeUnit.SECONDS);
        return s.lsdb().stream().filter(l -> l.origin().equals(origin) && l.fragment() == 0)
                .mapToLong(l -> Long.parseUnsignedLong(l.sequence())).findFirst().orElse(0);
    }

    private static long downs(Mesh mesh) {
        long n = 0;
        for (String id : NODES) {
            n += mesh.node(id).metrics().scrape().lines().filter(l -> l.startsWith("dmsc_adjacency_changes_total")
                    && l.contains("state=\"down\"")).mapToLong(l -> (long) Double.parseDouble(
                    l.substring(l.lastIndexOf(' ') + 1))).sum();
        }
        return n;
    }

    @Test
    void shouldRotateEveryCertificateWithoutAFailedCall() throws Exception {
        MeshCa ca = MeshCa.create("rot", Duration.ofDays(1));
        Path caDir = dir.resolve("ca");
        ca.write(caDir);
        for (String id : NODES) {
            ca.issue(MeshIdentity.node("rot", id), Duration.ofHours(1)).write(caDir, id);
        }
        Path file = dir.resolve("rot.yaml");
        Files.writeString(file, """
                name: rot
                security: {ca: ca/ca.crt, certDir: ca}
                timers: {helloIntervalMs: 200, holdTimeMs: 1000}
                nodes:
                  - {id: sg-a, role: sg, listen: 127.0.0.1:0, pod: 127.0.0.1:0, gateway: {podTls: plaintext}}
                  - {id: sr-1, role: sr, listen: 127.0.0.1:0}
                  - {id: sg-b, role: sg, listen: 127.0.0.1:0, pod: 127.0.0.1:0, gateway: {podTls: plaintext}}
                links:
                  - {a: sg-a, b: sr-1}
                  - {a: sr-1, b: sg-b}
                """);
        TopologyConfig topology = ConfigLoader.loadTopology(file);
        try (Mesh mesh = Mesh.start(topology, Mesh.Links.TCP, Gateway.factory());
             TestPod pod = TestPod.start(mesh.node("sg-b").extension(Gateway.class).podAddress(), "pod-b",
                     List.of("/B"), new EchoService("pod-b").definition())) {
            ManagedChannel ch = NettyChannelBuilder.forTarget(mesh.node("sg-a").extension(Gateway.class).podAddress())
                    .usePlaintext().build();
            Metadata md = new Metadata();
            md.put(TARGET, "/B");
            EchoGrpc.EchoBlockingStub stub = EchoGrpc.newBlockingStub(ch)
                    .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(md));
            EchoRequest request = EchoRequest.newBuilder().setPayload(ByteString.copyFromUtf8("r")).build();
            await().atMost(Duration.ofSeconds(20)).ignoreExceptions().until(() ->
                    stub.withDeadlineAfter(2, TimeUnit.SECONDS).unary(request) != null);
            long downsBefore = downs(mesh);

            AtomicBoolean stop = new AtomicBoolean();
            AtomicLong ok = new AtomicLong();
            Map<String, Long> failures = new ConcurrentHashMap<>();
            Thread caller = new Thread(() -> {
                while (!stop.get()) {
                    try {
                        stub.withDeadlineAfter(5, TimeUnit.SECONDS).unary(request);
                        ok.incrementAndGet();
                    } catch (RuntimeException e) {
                        failures.merge(String.valueOf(e.getMessage()), 1L, Long::sum);
                    }
                }
            }, "rotation-caller");
            caller.start();
            try {
                await().atMost(Duration.ofSeconds(5)).until(() -> ok.get() > 100);
                Map<String, Long> before = new java.util.HashMap<>();
                for (String id : NODES) {
                    before.put(id, sequence(mesh, "sg-a".equals(id) ? "sg-b" : "sg-a", id));
                    ca.issue(MeshIdentity.node("rot", id), Duration.ofHours(2)).write(caDir, id);
                    for (String f : List.of(id + ".crt", id + ".key")) {
                        Files.setLastModifiedTime(caDir.resolve(f), FileTime.fromMillis(System.currentTimeMillis() + 5000));
                    }
                }
                // Each node re-originates, signed with its new key, and a node elsewhere installs it.
                await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
                    for (String id : NODES) {
                        assertThat(sequence(mesh, "sg-a".equals(id) ? "sg-b" : "sg-a", id)).as(id)
                                .isGreaterThan(before.get(id));
                    }
                });
                long atRotation = ok.get();
                await().atMost(Duration.ofSeconds(10)).until(() -> ok.get() > atRotation + 200);
            } finally {
                stop.set(true);
                caller.join(10_000);
                ch.shutdownNow();
            }
            assertThat(failures).as("failed calls during rotation").isEmpty();
            assertThat(downs(mesh)).as("links that went down").isEqualTo(downsBefore);
            for (String id : NODES) {
                assertThat(mesh.node(id).status().get(5, TimeUnit.SECONDS).counters()
                        .getOrDefault("lspsRejected.bad-signature", 0L)).as(id).isZero();
            }
        }
    }
}
