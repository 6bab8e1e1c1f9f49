package io.dmsc.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.dmsc.gateway.Gateway;
import io.dmsc.node.DmscNode;
import io.dmsc.node.Mesh;
import io.dmsc.node.NodeStatus;
import io.dmsc.node.config.ConfigLoader;
import io.dmsc.node.config.TopologyConfig;
import io.dmsc.routing.FibEntry;
import io.dmsc.testkit.proto.v1.EchoGrpc;
import io.dmsc.testkit.proto.v1.EchoReply;
import io.dmsc.testkit.proto.v1.EchoRequest;
import io.dmsc.wire.ServicePrefix;
import io.dmsc.wire.auth.PrefixAuthorization;
import io.dmsc.wire.auth.SpaKeys;
import io.dmsc.wire.link.PrefixEntry;
import io.dmsc.wire.proto.attach.v1.GatewayMessage;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.KeyPair;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Signal type 3 end to end on the Figure 2 example: four SPAs, seven nodes over loopback TCP,
 * real pods and real gRPC calls. The example is copied with a 4-second grant lifetime (renewed
 * every 2 s) and a second, pre-distributed trust anchor for the key rotation. One mesh serves
 * the tests in order; each leaves it as it found it.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PrefixAuthorityMeshTest {
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final Metadata.Key<String> TARGET = Metadata.Key.of("dmsc-target", Metadata.ASCII_STRING_MARSHALLER);

    @TempDir
    static Path dir;
    private static Mesh mesh;
    private static TestPod pod4;
    private static ManagedChannel sg1;
    private static KeyPair next;
    private static Path policy;

    @BeforeAll
    static void start() throws Exception {
        for (String sub : new String[] {"spa", "tokens"}) {
            Files.createDirectories(dir.resolve(sub));
            try (var files = Files.list(Path.of("../examples", sub))) {
                for (Path f : files.toList()) {
                    Files.copy(f, dir.resolve(sub).resolve(f.getFileName()));
                }
            }
        }
        next = SpaKeys.generate();
        Files.writeString(dir.resolve("spa/next.key"), SpaKeys.privatePem(next));
        Files.writeString(dir.resolve("spa/next.key.pub"), SpaKeys.publicPem(next.getPublic()));
        String text = Files.readString(Path.of("../examples/figure2.yaml"))
                .replaceAll("127\\.0\\.0\\.1:\\d+", "127.0.0.1:0")
                .replace("lifetimeS: 600", "lifetimeS: 4")
                .replace("trustAnchors: [spa/example-signing.key.pub]",
                        "trustAnchors: [spa/example-signing.key.pub, spa/next.key.pub]")
                // sg-2's pod-facing port serves TLS and takes pod certificates.
                .replace("tokenFile: tokens/sg-2.token}}", "tokenFile: tokens/sg-2.token}, podTls: tls}");
        assertThat(text).contains("lifetimeS: 4").contains("next.key.pub").contains("podTls: tls");
        policy = dir.resolve("spa/policy.yaml");
        Files.writeString(policy, Files.readString(policy)
                + "  - {id: pod-cert, certificate: spiffe://figure2/pod/pod-cert, prefixes: [/C/cert/**]}\n");
        Path file = dir.resolve("figure2.yaml");
        Files.writeString(file, text);
        TopologyConfig topology = ConfigLoader.loadTopology(file);
        mesh = Mesh.start(topology, Mesh.Links.TCP, Gateway.factory());
        pod4 = TestPod.start(gateway("sg-4"), "pod-4", token("pod-4"), List.of("/B/4"),
                new EchoService("pod-4").definition());
        sg1 = NettyChannelBuilder.forTarget(gateway("sg-1")).usePlaintext().build();
        awaitEverywhere("/B/4", true);
    }

    @AfterAll
    static void stop() {
        if (sg1 != null) {
            sg1.shutdownNow();
        }
        if (pod4 != null) {
            pod4.close();
        }
        if (mesh != null) {
            mesh.close();
        }
    }

    private static String gateway(String sg) {
        return mesh.node(sg).extension(Gateway.class).podAddress();
    }

    private static String token(String pod) throws Exception {
        return Files.readString(dir.resolve("tokens/" + pod + ".token")).trim();
    }

    /** Waits until every running node routes (or no longer routes) names below the prefix. */
    private static void awaitEverywhere(String prefix, boolean routed) {
        await().atMost(WAIT).pollInterval(Duration.ofMillis(50)).untilAsserted(() -> {
            for (DmscNode n : mesh.nodes()) {
                FibEntry e = n.fib().lookup(prefix + "/x.Y/Z");
                boolean has = e != null && e.prefix().equals(ServicePrefix.parse(prefix));
                assertThat(has).as("%s routes %s", n.id(), prefix).isEqualTo(routed);
            }
        });
    }

    private static String callB4() {
        Metadata md = new Metadata();
        md.put(TARGET, "/B/4");
        EchoReply r = EchoGrpc.newBlockingStub(sg1).withInterceptors(MetadataUtils.newAttachHeadersInterceptor(md))
                .withDeadlineAfter(5, TimeUnit.SECONDS)
                .unary(EchoRequest.newBuilder().setPayload(ByteString.copyFromUtf8("x")).build());
        return r.getServedBy();
    }

    private static NodeStatus.Prefix status(String node, String prefix) throws Exception {
        NodeStatus s = mesh.node(node).status().get(5, TimeUnit.SECONDS);
        return s.prefixes().stream().filter(p -> p.prefix().equals(prefix)).findFirst().orElse(null);
    }

    private static NodeStatus.Prefix status(String node, String prefix, String origin) throws Exception {
        NodeStatus s = mesh.node(node).status().get(5, TimeUnit.SECONDS);
        return s.prefixes().stream().filter(p -> p.prefix().equals(prefix) && p.origin().equals(origin)).findFirst()
                .orElse(null);
    }

    /** Calls /B/4 from sg-1 in the background; counts answers by pod and failures. */
    private static final class Traffic implements AutoCloseable {
        final Map<String, AtomicInteger> servedBy = new ConcurrentHashMap<>();
        final AtomicInteger failures = new AtomicInteger();
        final AtomicReference<String> firstFailure = new AtomicReference<>();
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final Thread thread = new Thread(this::run, "b4-traffic");

        Traffic() {
            thread.start();
        }

        private void run() {
            while (running.get()) {
                try {
                    servedBy.computeIfAbsent(callB4(), k -> new AtomicInteger()).incrementAndGet();
                } catch (RuntimeException e) {
                    failures.incrementAndGet();
                    firstFailure.compareAndSet(null, e.toString());
                }
            }
        }

        int total() {
            return servedBy.values().stream().mapToInt(AtomicInteger::get).sum() + failures.get();
        }

        @Override
        public void close() throws InterruptedException {
            running.set(false);
            thread.join(10_000);
        }
    }

    @Test
    @Order(1)
    void shouldInstallTheAuthorizedPrefixEverywhereWithOwnerAndExpiry() throws Exception {
        assertThat(callB4()).isEqualTo("pod-4");
        NodeStatus.Prefix b4 = status("sg-1", "/B/4");
        assertThat(b4.state()).isEqualTo("installed");
        assertThat(b4.owner()).isEqualTo("pod-4");
        assertThat(b4.origin()).isEqualTo("sg-4");
        assertThat(Instant.parse(b4.notAfter())).isAfter(Instant.now());
        NodeStatus.Prefix demo = status("sr-2", "/demo/sg-3");
        assertThat(demo.state()).isEqualTo("installed");
        assertThat(demo.owner()).as("a static prefix is owned by its SG").isEqualTo("sg-3");
    }

    @Test
    @Order(2)
    void shouldNotLetARogueGatewayTakeB4() throws Exception {
        // sg-2 advertises /B/4 and a more specific /B/4/dmsc.testkit.v1.Echo: without authorization,
        // with sg-4's real authorization (issued to another SG) and with a forged one.
        byte[] issuedToSg4 = currentAuthorization("sg-4", "/B/4");
        PrefixAuthorization a = PrefixAuthorization.decode(issuedToSg4);
        PrefixAuthorization forged = new PrefixAuthorization(a.keyId(), a.notBeforeMs(), a.notAfterMs(), a.serial(),
                ServicePrefix.parse("/B/4/dmsc.testkit.v1.Echo"), "pod-4", "sg-2", a.signature());
        List<PrefixEntry> rogue = List.of(
                new PrefixEntry(ServicePrefix.parse("/B/4"), 0, issuedToSg4),
                new PrefixEntry(ServicePrefix.parse("/B/4/dmsc.testkit.v1.Echo"), 0, forged.encode()),
                PrefixEntry.of(ServicePrefix.parse("/B/4/dmsc.testkit.v1.Echo/Unary"), 0));
        // sg-2's gateway republishes its own prefixes on every renewal (2 s): keep overriding them.
        java.util.concurrent.ScheduledExecutorService attacker =
                java.util.concurrent.Executors.newSingleThreadScheduledExecutor();
        attacker.scheduleAtFixedRate(() -> mesh.node("sg-2").conductor().setLocalPrefixes(rogue), 0, 100,
                TimeUnit.MILLISECONDS);
        try (Traffic traffic = new Traffic()) {
            await().atMost(WAIT).untilAsserted(() -> {
                NodeStatus.Prefix p = status("sg-1", "/B/4/dmsc.testkit.v1.Echo");
                assertThat(p).as("the rogue advertisement reached sg-1").isNotNull();
                assertThat(p.state()).isEqualTo("rejected: bad-signature");
                assertThat(status("sg-1", "/B/4/dmsc.testkit.v1.Echo/Unary").state()).isEqualTo("rejected: unsigned");
                assertThat(status("sg-1", "/B/4", "sg-2").state()).isEqualTo("rejected: origin-mismatch");
                assertThat(status("sg-1", "/B/4", "sg-4").state()).isEqualTo("installed");
            });
            // Calls keep flowing while the rogue advertisements stand.
            int seen = traffic.total();
            await().atMost(WAIT).until(() -> traffic.total() >= seen + 100);
            for (DmscNode n : mesh.nodes()) {
                if (!n.id().equals("sg-2")) {
                    FibEntry e = n.fib().lookup("/B/4/dmsc.testkit.v1.Echo/Unary");
                    assertThat(e.prefix()).as("%s routes by the authorized /B/4 only", n.id())
                            .isEqualTo(ServicePrefix.parse("/B/4"));
                }
            }
            traffic.close();
            assertThat(traffic.servedBy.keySet()).containsExactly("pod-4");
            assertThat(traffic.failures.get()).as("first failure: %s", traffic.firstFailure.get()).isZero();
            assertThat(traffic.total()).isGreaterThan(10);
        } finally {
            attacker.shutdownNow();
            assertThat(attacker.awaitTermination(5, TimeUnit.SECONDS)).isTrue();
        }
        // sg-2's gateway puts its own prefixes back at its next renewal.
        await().atMost(WAIT).untilAsserted(() -> assertThat(status("sg-1", "/B/4/dmsc.testkit.v1.Echo")).isNull());
        assertThat(status("sg-1", "/demo/sg-2").state()).isEqualTo("installed");
    }

    /** The authorization a node currently advertises for one of its prefixes, read from a neighbour's view. */
    private static byte[] currentAuthorization(String origin, String prefix) throws Exception {
        return mesh.node(origin).conductor().localPrefixes().get(5, TimeUnit.SECONDS).stream()
                .filter(e -> e.prefix().toString().equals(prefix)).findFirst().orElseThrow().authorization();
    }

    @Test
    @Order(3)
    void shouldRenewThroughAnotherSpaWhenTheSgsOwnSpaDies() throws Exception {
        mesh.killSpa("spa-4");
        Instant killed = Instant.now();
        try (Traffic traffic = new Traffic()) {
            // Past the lifetime of every grant spa-4 issued: only renewals by another SPA keep /B/4.
            await().atMost(WAIT).untilAsserted(() -> assertThat(Instant.parse(status("sg-1", "/B/4").notAfter()))
                    .isAfter(killed.plusSeconds(5)));
            await().atMost(WAIT).untilAsserted(() -> assertThat(Instant.parse(status("sg-1", "/demo/sg-4").notAfter()))
                    .isAfter(killed.plusSeconds(5)));
            traffic.close();
            assertThat(traffic.failures.get()).as("first failure: %s", traffic.firstFailure.get()).isZero();
            assertThat(traffic.servedBy.keySet()).containsExactly("pod-4");
        } finally {
            mesh.startSpa("spa-4");
        }
    }

    /** An SPA's admin /status, or "" while it does not answer. */
    private static String spaStatus(String id) {
        try {
            return java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                    java.net.URI.create("http://" + mesh.spaAdminAddress(id) + "/status")).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString()).body();
        } catch (java.io.IOException e) {
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }

    private static void touch(Path file, String text) throws Exception {
        FileTime old = Files.getLastModifiedTime(file);
        Files.writeString(file, text);
        Files.setLastModifiedTime(file, FileTime.fromMillis(Math.max(old.toMillis() + 2000,
                System.currentTimeMillis())));
    }

    @Test
    @Order(4)
    void shouldRotateTheSigningKeyWithoutInterruptingCalls() throws Exception {
        try (Traffic traffic = new Traffic()) {
            await().atMost(WAIT).until(() -> traffic.total() >= 20);
            touch(dir.resolve("spa/example-signing.key"), SpaKeys.privatePem(next));
            // Every SPA signs with the new key once it noticed the change (reload interval 1 s).
            String nextId = "\"signingKeyId\" : \"" + SpaKeys.keyIdHex(next.getPublic()) + "\"";
            await().atMost(WAIT).until(() -> List.of("spa-1", "spa-2", "spa-3", "spa-4").stream()
                    .allMatch(id -> spaStatus(id).contains(nextId)));
            Instant rotated = Instant.now();
            // A grant valid beyond rotated + lifetime was issued after the rotation: signed by the new key.
            await().atMost(WAIT).untilAsserted(() -> {
                for (String p : List.of("/B/4", "/demo/sg-1", "/demo/sg-4")) {
                    NodeStatus.Prefix s = status("sr-3", p);
                    assertThat(s.state()).as(p).isEqualTo("installed");
                    assertThat(Instant.parse(s.notAfter())).as(p).isAfter(rotated.plusSeconds(4));
                }
            });
            byte[] b4 = currentAuthorization("sg-4", "/B/4");
            assertThat(PrefixAuthorization.decode(b4).keyIdHex()).isEqualTo(SpaKeys.keyIdHex(next.getPublic()));
            int seen = traffic.total();
            await().atMost(WAIT).until(() -> traffic.total() >= seen + 50);
            traffic.close();
            assertThat(traffic.failures.get()).as("first failure: %s", traffic.firstFailure.get()).isZero();
            assertThat(traffic.servedBy.keySet()).containsExactly("pod-4");
            assertThat(traffic.total()).isGreaterThan(10);
        }
    }

    @Test
    @Order(5)
    void shouldWithdrawAPrefixMeshWideWhenThePolicyRevokesIt() throws Exception {
        String before = Files.readString(policy);
        String revoked = before.replace("prefixes: [/A/4/**, /B/4/**, /B]", "prefixes: [/A/4/**, /B]");
        assertThat(revoked).isNotEqualTo(before);
        long start = System.nanoTime();
        touch(policy, revoked);
        try {
            awaitEverywhere("/B/4", false);
            long ms = (System.nanoTime() - start) / 1_000_000;
            // One renewal period (2 s) plus the SPAs' reload interval (1 s) plus flooding.
            assertThat(ms).isLessThan(8_000);
            await().atMost(WAIT).until(() -> pod4.received().stream().anyMatch(GatewayMessage::hasPrefixRevoked));
            GatewayMessage m = pod4.received().stream().filter(GatewayMessage::hasPrefixRevoked).findFirst()
                    .orElseThrow();
            assertThat(m.getPrefixRevoked().getPrefix()).isEqualTo("/B/4");
            assertThat(m.getPrefixRevoked().getReason().name()).isEqualTo("PREFIX_NOT_ALLOWED");
        } finally {
            touch(policy, before);
        }
    }

    @Test
    @Order(6)
    void shouldKeepRetryingWhileNoSpaAnswersAndAcceptOnceOneIsBack() throws Exception {
        List<String> spas = new ArrayList<>(List.of("spa-1", "spa-2", "spa-3", "spa-4"));
        spas.forEach(mesh::killSpa);
        try (TestPod pending = TestPod.attach(gateway("sg-3"), "pod-3", token("pod-3"),
                new EchoService("pod-3").definition())) {
            pending.announce("/C/3");
            GatewayMessage first = pending.nextAnnounceResult(10, TimeUnit.SECONDS);
            assertThat(first).as("an answer while no SPA is up").isNotNull();
            assertThat(first.getAnnounceResult().getRetrying()).isTrue();
            assertThat(first.getAnnounceResult().getReason().name()).isEqualTo("SPA_UNREACHABLE");
            assertThat(first.getAnnounceResult().getMessage()).contains("prefix authority unreachable");
            // Installed prefixes stay while their grants are valid.
            assertThat(status("sg-1", "/demo/sg-3").state()).isEqualTo("installed");
            mesh.startSpa("spa-1");
            GatewayMessage accepted = pending.nextAnnounceResult(15, TimeUnit.SECONDS);
            assertThat(accepted).as("a second answer once spa-1 is back").isNotNull();
            assertThat(accepted.getAnnounceResult().getAccepted()).isTrue();
            assertThat(accepted.getAnnounceResult().getRequestId()).isEqualTo(first.getAnnounceResult().getRequestId());
            awaitEverywhere("/C/3", true);
        } finally {
            spas.forEach(mesh::startSpa);
        }
    }
    /** The ephemeral CA's certificate and a pod certificate, as files a pod reads. */
    private static io.dmsc.sdk.GatewayTls podCertificate(String podId) throws Exception {
        io.dmsc.node.security.Credentials c = mesh.ca().issue(io.dmsc.node.security.MeshIdentity.pod("figure2", podId),
                Duration.ofHours(1));
        c.write(dir.resolve("pki"), podId);
        Path ca = dir.resolve("pki/ca.crt");
        Files.writeString(ca, io.dmsc.wire.tls.Pem.certificate(mesh.ca().certificate()));
        return io.dmsc.sdk.GatewayTls.mutual(ca, dir.resolve("pki/" + podId + ".crt"),
                dir.resolve("pki/" + podId + ".key"));
    }

    @Test
    @Order(7)
    void shouldGrantAPodItsPrefixesByItsCertificateOverTls() throws Exception {
        io.dmsc.sdk.GatewayTls tls = podCertificate("pod-cert");
        try (io.dmsc.sdk.DmscMesh pod = io.dmsc.sdk.DmscMesh.builder().gateway(gateway("sg-2")).podId("pod-cert")
                .tls(tls).registerDefaultGateway(false).build().connect()) {
            // No token: the certificate is the credential, checked by the SPA against the policy.
            pod.serve("/C/cert/echo", new EchoService("pod-cert").definition()).get(10, TimeUnit.SECONDS);
            awaitEverywhere("/C/cert/echo", true);
            assertThat(mesh.node("sg-2").extension(Gateway.class).registry().pods())
                    .anySatisfy(p -> assertThat(p.provenBy()).isEqualTo("spiffe://figure2/pod/pod-cert"));
            Metadata md = new Metadata();
            md.put(TARGET, "/C/cert/echo");
            EchoReply r = EchoGrpc.newBlockingStub(sg1).withInterceptors(MetadataUtils.newAttachHeadersInterceptor(md))
                    .withDeadlineAfter(5, TimeUnit.SECONDS)
                    .unary(EchoRequest.newBuilder().setPayload(ByteString.copyFromUtf8("x")).build());
            assertThat(r.getServedBy()).isEqualTo("pod-cert");
            // A prefix outside the identity's patterns is denied, naming them.
            assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> pod.serve("/B/taken",
                    new EchoService("pod-cert").definition()).get(10, TimeUnit.SECONDS)))
                    .hasRootCauseInstanceOf(io.dmsc.sdk.AnnounceRejectedException.class)
                    .rootCause().hasMessageContaining("PREFIX_NOT_ALLOWED").hasMessageContaining("/C/cert/**");
        }
        awaitEverywhere("/C/cert/echo", false);
    }

    @Test
    @Order(8)
    void shouldRefuseAPodWhoseHelloIsNotItsCertificateOrThatOnlyClaimsIt() throws Exception {
        io.dmsc.sdk.GatewayTls tls = podCertificate("pod-cert");
        // pod-cert's certificate, saying hello as pod-4: refused before any announcement.
        try (io.dmsc.sdk.DmscMesh squatter = io.dmsc.sdk.DmscMesh.builder().gateway(gateway("sg-2")).podId("pod-4")
                .tls(tls).registerDefaultGateway(false).connectTimeoutMs(5000).build()) {
            assertThat(org.assertj.core.api.Assertions.catchThrowable(squatter::connect))
                    .isInstanceOf(io.dmsc.sdk.AttachException.class)
                    .hasMessageContaining("the client certificate is for pod 'pod-cert', the Hello says 'pod-4'");
        }
        // TLS without a certificate, claiming pod-cert: the policy wants the certificate.
        try (io.dmsc.sdk.DmscMesh claimer = io.dmsc.sdk.DmscMesh.builder().gateway(gateway("sg-2")).podId("pod-cert")
                .tls(io.dmsc.sdk.GatewayTls.trusting(dir.resolve("pki/ca.crt"))).registerDefaultGateway(false)
                .build().connect()) {
            assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> claimer.serve("/C/cert/echo",
                    new EchoService("claimer").definition()).get(10, TimeUnit.SECONDS)))
                    .rootCause().hasMessageContaining("BAD_CREDENTIAL").hasMessageContaining("presented no token");
        }
        // Plaintext to the TLS port: no attach at all.
        try (io.dmsc.sdk.DmscMesh plain = io.dmsc.sdk.DmscMesh.builder().gateway(gateway("sg-2")).podId("pod-cert")
                .registerDefaultGateway(false).connectTimeoutMs(3000).build()) {
            assertThat(org.assertj.core.api.Assertions.catchThrowable(plain::connect))
                    .isInstanceOf(io.dmsc.sdk.AttachException.class);
        }
        assertThat(status("sg-1", "/C/cert/echo")).as("nothing of pod-cert's was installed").isNull();
    }
}
