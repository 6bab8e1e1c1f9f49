package io.dmsc.spa;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.dmsc.node.config.SpaConfig;
import io.dmsc.wire.ServicePrefix;
import io.dmsc.wire.auth.AuthorizationVerifier;
import io.dmsc.wire.auth.PrefixAuthorization;
import io.dmsc.wire.auth.SpaKeys;
import io.dmsc.wire.auth.TrustAnchors;
import io.dmsc.wire.proto.spa.v1.AuthorizeRequest;
import io.dmsc.wire.proto.spa.v1.AuthorizeResponse;
import io.dmsc.wire.proto.spa.v1.Credential;
import io.dmsc.wire.proto.spa.v1.DenyReason;
import io.dmsc.wire.proto.spa.v1.PrefixAuthorityGrpc;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.KeyPair;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A real SPA on a loopback port, asked over gRPC. */
class SpaServerTest {
    private static final String TOKEN = "token-of-pod-4";

    @TempDir
    Path dir;
    private Path policy;
    private Path key;
    private KeyPair pair;
    private SpaServer spa;
    private ManagedChannel channel;
    private PrefixAuthorityGrpc.PrefixAuthorityBlockingStub stub;

    private static String policyText(String prefixes) {
        return "identities:\n  - id: pod-4\n    tokenHash: \"" + TokenHash.hash(TOKEN) + "\"\n    prefixes: " + prefixes
                + "\n";
    }

    @BeforeEach
    void start() throws Exception {
        policy = dir.resolve("policy.yaml");
        key = dir.resolve("spa.key");
        Files.writeString(policy, policyText("[/B/4/**]"));
        pair = SpaKeys.generate();
        Files.writeString(key, SpaKeys.privatePem(pair));
        spa = SpaServer.start(new SpaConfig("spa-t", "127.0.0.1:0", "127.0.0.1:0", policy, key, 60, 20));
        channel = NettyChannelBuilder.forTarget(spa.address()).usePlaintext().build();
        stub = PrefixAuthorityGrpc.newBlockingStub(channel).withDeadlineAfter(5, TimeUnit.SECONDS);
    }

    @AfterEach
    void stop() {
        channel.shutdownNow();
        spa.close();
    }

    private static AuthorizeRequest request(String pod, String token, String prefix) {
        return AuthorizeRequest.newBuilder().setSgId("sg-4").setPodId(pod)
                .setCredential(Credential.newBuilder().setToken(token)).setPrefix(prefix)
                .setEndpoint("127.0.0.1:50051").setEndpointIsOwn(true).build();
    }

    private AuthorizeResponse ask(String prefix) {
        return PrefixAuthorityGrpc.newBlockingStub(channel).withDeadlineAfter(5, TimeUnit.SECONDS)
                .authorize(request("pod-4", TOKEN, prefix));
    }

    @Test
    void shouldGrantASignatureEveryNodeCanVerify() {
        long before = System.currentTimeMillis();
        AuthorizeResponse r = stub.authorize(request("pod-4", TOKEN, "/B/4"));
        assertThat(r.getGranted()).isTrue();
        assertThat(r.getKeyId()).isEqualTo(SpaKeys.keyIdHex(pair.getPublic()));
        assertThat(r.getNotAfterMs()).isBetween(before + 59_000, System.currentTimeMillis() + 60_000);
        AuthorizationVerifier.Result v = new AuthorizationVerifier(new TrustAnchors(List.of(pair.getPublic())))
                .verify(r.getAuthorization().toByteArray(), ServicePrefix.parse("/B/4"), "sg-4");
        assertThat(v.verified()).as(v.detail()).isTrue();
        assertThat(v.authorization().podId()).isEqualTo("pod-4");
        assertThat(v.authorization().notAfterMs()).isEqualTo(r.getNotAfterMs());
        // Bound to its SG: the same bytes replayed by another origin do not verify.
        assertThat(new AuthorizationVerifier(new TrustAnchors(List.of(pair.getPublic())))
                .verify(r.getAuthorization().toByteArray(), ServicePrefix.parse("/B/4"), "sg-1").failure())
                .isEqualTo(AuthorizationVerifier.Failure.ORIGIN_MISMATCH);
        assertThat(spa.metrics().grants()).isEqualTo(1);
    }

    @Test
    void shouldDenyWithAReasonAndCountIt() {
        AuthorizeResponse r = stub.authorize(request("pod-4", "wrong", "/B/4"));
        assertThat(r.getGranted()).isFalse();
        assertThat(r.getReason()).isEqualTo(DenyReason.BAD_CREDENTIAL);
        assertThat(r.getAuthorization().isEmpty()).isTrue();
        AuthorizeResponse cert = stub.authorize(request("pod-4", "", "/B/4").toBuilder()
                .setCredential(Credential.newBuilder().setCertificateIdentity("spiffe://m/pod/pod-4")).build());
        assertThat(cert.getReason()).isEqualTo(DenyReason.BAD_CREDENTIAL);
        // On plaintext nobody vouches for a certificate: the claim alone is refused.
        assertThat(cert.getMessage()).contains("a certificate identity is taken only from an SG that proves its own "
                + "node identity over TLS");
        assertThat(spa.metrics().denials(DenyReason.BAD_CREDENTIAL)).isEqualTo(2);
    }

    @Test
    void shouldAnswerMalformedAndOversizedRequestsWithInvalidArgument() {
        assertThatThrownBy(() -> stub.authorize(request("pod-4", TOKEN, "no-slash")))
                .isInstanceOf(StatusRuntimeException.class)
                .satisfies(e -> {
                    Status s = ((StatusRuntimeException) e).getStatus();
                    assertThat(s.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                    assertThat(s.getDescription()).startsWith("prefix: ");
                });
        assertThatThrownBy(() -> stub.authorize(request("pod 4", TOKEN, "/B/4")))
                .hasMessageContaining("INVALID_ARGUMENT").hasMessageContaining("pod_id");
        assertThatThrownBy(() -> stub.authorize(request("pod-4", TOKEN, "/B/4").toBuilder().setSgId("").build()))
                .hasMessageContaining("INVALID_ARGUMENT").hasMessageContaining("sg_id");
        assertThat(spa.metrics().invalidRequests()).isEqualTo(3);
        // Larger than an AuthorizeRequest can be: refused before it is parsed.
        AuthorizeRequest huge = request("pod-4", TOKEN, "/B/4").toBuilder()
                .setCredential(Credential.newBuilder().setToken("x".repeat(SpaServer.MAX_REQUEST_BYTES + 1))).build();
        assertThatThrownBy(() -> stub.authorize(huge)).isInstanceOf(StatusRuntimeException.class)
                .satisfies(e -> assertThat(((StatusRuntimeException) e).getStatus().getCode())
                        .isEqualTo(Status.Code.RESOURCE_EXHAUSTED));
        // Nothing broke: the next request is answered.
        assertThat(ask("/B/4").getGranted()).isTrue();
    }

    private void touch(Path file, String text) throws Exception {
        FileTime old = Files.getLastModifiedTime(file);
        Files.writeString(file, text);
        Files.setLastModifiedTime(file, FileTime.fromMillis(old.toMillis() + 2000));
    }

    @Test
    void shouldReloadAChangedPolicyAndKeepTheOldOneWhenTheNewOneIsInvalid() throws Exception {
        assertThat(ask("/C/4").getGranted()).isFalse();
        touch(policy, policyText("[/B/4/**, /C/4]"));
        await().atMost(Duration.ofSeconds(5)).until(() -> ask("/C/4").getGranted());

        touch(policy, policyText("[/B/4/**, /C/4, not-a-prefix]"));
        await().atMost(Duration.ofSeconds(5)).until(() -> spa.status().get("lastReloadError") != null);
        assertThat((String) spa.status().get("lastReloadError")).contains("policy.yaml").contains("line 4")
                .contains("not-a-prefix");
        assertThat(ask("/C/4").getGranted()).as("the previous policy stays in force").isTrue();
        assertThat(ask("/B/4").getGranted()).isTrue();

        // Revocation: /C/4 removed from the policy is denied from the next request on.
        touch(policy, policyText("[/B/4/**]"));
        await().atMost(Duration.ofSeconds(5)).until(() -> !ask("/C/4").getGranted());
        assertThat(ask("/C/4").getReason()).isEqualTo(DenyReason.PREFIX_NOT_ALLOWED);
    }

    @Test
    void shouldSignWithARotatedKeyOnceItsFileChanges() throws Exception {
        KeyPair next = SpaKeys.generate();
        touch(key, SpaKeys.privatePem(next));
        await().atMost(Duration.ofSeconds(5)).until(() -> ask("/B/4").getKeyId()
                .equals(SpaKeys.keyIdHex(next.getPublic())));
        PrefixAuthorization a = PrefixAuthorization.decode(ask("/B/4").getAuthorization().toByteArray());
        assertThat(a.keyIdHex()).isEqualTo(SpaKeys.keyIdHex(next.getPublic()));
        // A broken key file keeps the rotated key in force.
        touch(key, "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");
        await().atMost(Duration.ofSeconds(5)).until(() -> spa.status().get("lastReloadError") != null);
        assertThat(ask("/B/4").getKeyId()).isEqualTo(SpaKeys.keyIdHex(next.getPublic()));
    }

    @Test
    void shouldServeTheAdminPortWithItsLimits() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        String base = "http://" + spa.adminAddress();
        HttpResponse<String> post = http.send(HttpRequest.newBuilder(URI.create(base + "/status"))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(post.statusCode()).isEqualTo(405);
        assertThat(post.headers().firstValue("Allow")).hasValue("GET, HEAD");
        HttpResponse<String> missing = http.send(HttpRequest.newBuilder(URI.create(base + "/x" + "y".repeat(3000)))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(missing.statusCode()).isEqualTo(404);
        assertThat(missing.body()).contains("(expected: /status, /metrics or /healthz)")
                .doesNotContain("y".repeat(100));
        assertThat(http.send(HttpRequest.newBuilder(URI.create(base + "/healthz")).build(),
                HttpResponse.BodyHandlers.ofString()).body()).isEqualTo("ok\n");
        assertThat(http.send(HttpRequest.newBuilder(URI.create(base + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body())
                .contains("dmsc_admin_requests_total{code=\"405\",spa=\"spa-t\"} 1.0")
                .contains("dmsc_admin_connections_refused_total{spa=\"spa-t\"} 0.0");
    }

    @Test
    void shouldShowStatusAndMetricsWithoutSecrets() throws Exception {
        stub.authorize(request("pod-4", TOKEN, "/B/4"));
        stub.authorize(request("pod-4", "wrong-" + TOKEN, "/B/4"));
        HttpClient http = HttpClient.newHttpClient();
        String status = http.send(HttpRequest.newBuilder(URI.create("http://" + spa.adminAddress() + "/status")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        String metrics = http.send(HttpRequest.newBuilder(URI.create("http://" + spa.adminAddress() + "/metrics"))
                .build(), HttpResponse.BodyHandlers.ofString()).body();
        assertThat(status).contains("\"signingKeyId\" : \"" + SpaKeys.keyIdHex(pair.getPublic()) + "\"")
                .contains("\"identities\" : 1");
        assertThat(metrics).contains("dmsc_spa_grants_total{spa=\"spa-t\"} 1.0")
                .contains("dmsc_spa_denials_total{reason=\"bad_credential\",spa=\"spa-t\"} 1.0");
        for (String text : List.of(status, metrics)) {
            assertThat(text).doesNotContain(TOKEN).doesNotContain("sha256:").doesNotContain("PRIVATE");
        }
    }

    @Test
    void shouldLogOneLinePerDecisionAndNeverTheToken() {
        ch.qos.logback.classic.Logger logger = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory
                .getLogger(PrefixAuthorityService.class);
        ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> appender =
                new ch.qos.logback.core.read.ListAppender<>();
        ch.qos.logback.classic.Level before = logger.getLevel();
        appender.start();
        logger.addAppender(appender);
        logger.setLevel(ch.qos.logback.classic.Level.INFO);
        try {
            stub.authorize(request("pod-4", TOKEN, "/B/4"));
            stub.authorize(request("pod-4", "wrong-" + TOKEN, "/B/4"));
            stub.authorize(request("pod-4", TOKEN, "/Z"));
        } finally {
            logger.detachAppender(appender);
            logger.setLevel(before);
        }
        List<String> lines = appender.list.stream().map(ch.qos.logback.classic.spi.ILoggingEvent::getFormattedMessage)
                .toList();
        assertThat(lines).hasSize(3);
        assertThat(lines.get(0)).contains("granted /B/4 to pod pod-4 via sg-4");
        assertThat(lines.get(1)).contains("denied /B/4 of pod pod-4").contains("BAD_CREDENTIAL");
        assertThat(lines.get(2)).contains("denied /Z of pod pod-4").contains("PREFIX_NOT_ALLOWED");
        assertThat(lines).allSatisfy(l -> assertThat(l).doesNotContain(TOKEN).doesNotContain("sha256:"));
    }

    @Test
    void shouldRefuseToStartWithABadPolicyNamingFileAndLine() throws Exception {
        Path bad = dir.resolve("bad.yaml");
        Files.writeString(bad, "identities:\n  - id: a\n    tokenHash: nope\n    prefixes: [/a]\n");
        assertThatThrownBy(() -> SpaServer.start(new SpaConfig("spa-b", "127.0.0.1:0", null, bad, key, 60, 1000)))
                .isInstanceOf(PolicyException.class).hasMessageContaining("bad.yaml: line 3: identities[0].tokenHash");
    }

    @Test
    void shouldTakeACertificateIdentityOnlyFromTheSgItsTlsCallerProvesToBe() throws Exception {
        io.dmsc.node.security.MeshCa ca = io.dmsc.node.security.MeshCa.create("m", Duration.ofHours(1));
        Files.writeString(policy, policyText("[/B/4/**]")
                + "  - {id: pod-c, certificate: spiffe://m/pod/pod-c, prefixes: [/C/**]}\n");
        io.dmsc.node.security.Credentials spaCert = ca.issue(io.dmsc.node.security.MeshIdentity.node("m", "spa-s"),
                Duration.ofHours(1));
        io.dmsc.node.config.SecurityConfig sec = io.dmsc.node.config.SecurityConfig.AUTO.withCredentials(spaCert);
        try (SpaServer secured = SpaServer.start(new SpaConfig("spa-s", "127.0.0.1:0", null, policy, key, 60, 20)
                .withSecurity(sec))) {
            AuthorizeRequest asSg4 = AuthorizeRequest.newBuilder().setSgId("sg-4").setPodId("pod-c")
                    .setCredential(Credential.newBuilder().setCertificateIdentity("spiffe://m/pod/pod-c"))
                    .setPrefix("/C/x").setEndpoint("127.0.0.1:50051").setEndpointIsOwn(true).build();
            // The SG sg-4, proven by its node certificate: granted.
            assertThat(askOver(secured, ca, "sg-4", asSg4).getGranted()).isTrue();
            // Another SG's certificate asking as sg-4: denied, naming both.
            AuthorizeResponse other = askOver(secured, ca, "sg-3", asSg4);
            assertThat(other.getGranted()).isFalse();
            assertThat(other.getMessage()).contains("is for node sg-3, the request is for SG sg-4");
            // TLS without a client certificate: the claim is not taken.
            AuthorizeResponse anonymous = askOver(secured, ca, null, asSg4);
            assertThat(anonymous.getReason()).isEqualTo(DenyReason.BAD_CREDENTIAL);
            assertThat(anonymous.getMessage()).contains("taken only from an SG that proves its own node identity");
            // A pod certificate is no SG: refused as a caller.
            AuthorizeResponse pod = askOver(secured, ca, "pod:pod-c", asSg4);
            assertThat(pod.getMessage()).contains("expected: an SG's node certificate");
            // Tokens still work for an SG with a certificate.
            assertThat(askOver(secured, ca, "sg-4", request("pod-4", TOKEN, "/B/4")).getGranted()).isTrue();
            // Plaintext to a TLS SPA: no answer at all.
            ManagedChannel plain = NettyChannelBuilder.forTarget(secured.address()).usePlaintext().build();
            try {
                assertThatThrownBy(() -> PrefixAuthorityGrpc.newBlockingStub(plain).withDeadlineAfter(3, TimeUnit.SECONDS)
                        .authorize(asSg4)).isInstanceOf(StatusRuntimeException.class);
            } finally {
                plain.shutdownNow();
            }
        }
    }

    /** Asks over TLS as the node (or "pod:ID") of the CA, or with no client certificate (null). */
    private static AuthorizeResponse askOver(SpaServer spa, io.dmsc.node.security.MeshCa ca, String who,
                                             AuthorizeRequest request) throws Exception {
        io.netty.handler.ssl.SslContext tls;
        if (who == null) {
            tls = io.grpc.netty.GrpcSslContexts.configure(io.netty.handler.ssl.SslContextBuilder.forClient(),
                            io.netty.handler.ssl.SslProvider.JDK)
                    .trustManager(io.dmsc.wire.tls.MeshTrustManager.of(List.of(ca.certificate()))).build();
        } else {
            io.dmsc.node.security.MeshIdentity id = who.startsWith("pod:")
                    ? io.dmsc.node.security.MeshIdentity.pod("m", who.substring(4))
                    : io.dmsc.node.security.MeshIdentity.node("m", who);
            io.dmsc.node.security.Credentials c = ca.issue(id, Duration.ofHours(1));
            tls = io.dmsc.node.security.GrpcTls.client(() -> c);
        }
        ManagedChannel ch = NettyChannelBuilder.forTarget(spa.address()).sslContext(tls).build();
        try {
            return PrefixAuthorityGrpc.newBlockingStub(ch).withDeadlineAfter(5, TimeUnit.SECONDS).authorize(request);
        } finally {
            ch.shutdownNow();
        }
    }

    /** Reads until the server closes the socket; true if it did within the socket's read timeout. */
    private static boolean closedByServer(java.net.Socket s) throws java.io.IOException {
        try {
            byte[] buf = new byte[256];
            for (int i = 0; i < 16; i++) { // the server's HTTP/2 settings may come first
                if (s.getInputStream().read(buf) < 0) {
                    return true;
                }
            }
            return false;
        } catch (java.net.SocketTimeoutException e) {
            return false;
        } catch (java.net.SocketException e) {
            return true; // reset
        }
    }

    @Test
    void shouldCloseConnectionsBeyondItsLimitAndThoseThatNeverSendAPreface() throws Exception {
        io.dmsc.node.config.LimitsConfig limits = new io.dmsc.node.config.LimitsConfig(
                20_000, 4L << 20, 512L << 20, 100_000, 4096, 1024, 4096, 25, 10_000,
                io.dmsc.node.admin.AdminHttpSettings.DEFAULTS, 2, 1500);
        try (SpaServer small = SpaServer.start(new SpaConfig("spa-l", "127.0.0.1:0", "127.0.0.1:0", policy, key, 60,
                20).withLimits(limits))) {
            String[] hp = small.address().split(":");
            int port = Integer.parseInt(hp[hp.length - 1]);
            try (java.net.Socket a = new java.net.Socket("127.0.0.1", port);
                 java.net.Socket b = new java.net.Socket("127.0.0.1", port)) {
                await().atMost(Duration.ofSeconds(5)).until(() -> metric(small, "dmsc_spa_connections{") >= 2);
                try (java.net.Socket c = new java.net.Socket("127.0.0.1", port)) {
                    c.setSoTimeout(2000);
                    assertThat(closedByServer(c)).as("third connection closed at once").isTrue();
                }
                a.setSoTimeout(5000);
                b.setSoTimeout(5000);
                assertThat(closedByServer(a)).as("no preface: closed after the handshake timeout").isTrue();
                assertThat(closedByServer(b)).isTrue();
            }
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
                assertThat(metric(small, "dmsc_spa_connections_closed_total{port=\"spa\",reason=\"limit\"")).isEqualTo(1);
                assertThat(metric(small, "dmsc_spa_connections_closed_total{port=\"spa\",reason=\"handshake_timeout\""))
                        .isEqualTo(2);
            });
            // A real client is still served.
            ManagedChannel ok = NettyChannelBuilder.forTarget(small.address()).usePlaintext().build();
            try {
                AuthorizeResponse r = PrefixAuthorityGrpc.newBlockingStub(ok).withDeadlineAfter(5, TimeUnit.SECONDS)
                        .authorize(request("pod-4", TOKEN, "/B/4"));
                assertThat(r.getAuthorization().isEmpty()).isFalse();
            } finally {
                ok.shutdownNow();
            }
        }
    }

    private static double metric(SpaServer s, String prefix) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://" + s.adminAddress() + "/metrics")).build(), HttpResponse.BodyHandlers.ofString());
        for (String l : r.body().split("\n")) {
            if (l.startsWith(prefix)) {
                return Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1));
            }
        }
        return -1;
    }
}
