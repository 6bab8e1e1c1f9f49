package io.dmsc.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.dmsc.gateway.Gateway;
import io.dmsc.node.Mesh;
import io.dmsc.testkit.EchoService;
import io.dmsc.testkit.proto.v1.EchoGrpc;
import io.dmsc.testkit.proto.v1.EchoReply;
import io.dmsc.testkit.proto.v1.EchoRequest;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.MetadataUtils;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code dmsc attach} in front of a plain grpc-java server that knows nothing of DMSC, then
 * {@code dmsc ping}, {@code dmsc trace} and {@code dmsc show flows|pods} against Figure 2.
 */
class GatewayCommandsTest {
    private static Figure2 figure2;
    private static Mesh mesh;
    private static Server plain;
    private static String sg1;
    private static String sg4;
    private static CompletableFuture<Integer> attach;

    @BeforeAll
    static void start() throws Exception {
        figure2 = Figure2.start();
        mesh = figure2.mesh();
        sg1 = figure2.podAddress("sg-1");
        sg4 = figure2.podAddress("sg-4");
        plain = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                .addService(new EchoService("plain")).build().start();
        attach = CompletableFuture.supplyAsync(() -> Dmsc.execute("attach", "--gateway", sg4, "--pod", "pod-4",
                "--token", token("pod-4"), "--prefix", "/B/4", "--endpoint", "127.0.0.1:" + plain.getPort(),
                "--exit-after-ms", "120000"));
        // Every node on a path between sg-1 and sg-4 routes /B/4 and back to sg-1: a probe that
        // sr-1 sends through a router still converging is lost (seen with sr-3 once).
        figure2.awaitRoutes(List.of("/B/4/x"));
    }

    private static String token(String pod) {
        return Figure2.token(pod);
    }

    @AfterAll
    static void stop() {
        figure2.close();
        plain.shutdownNow();
    }

    private static String run(String... args) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream old = System.out;
        synchronized (GatewayCommandsTest.class) {
            System.setOut(new PrintStream(bytes, true, StandardCharsets.UTF_8));
            try {
                Dmsc.execute(args);
            } finally {
                System.setOut(old);
            }
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    void shouldRouteCallsToAPlainServerAttachedByTheCli() {
        ManagedChannel ch = NettyChannelBuilder.forTarget(sg1).usePlaintext().build();
        try {
            Metadata md = new Metadata();
            md.put(Metadata.Key.of("dmsc-target", Metadata.ASCII_STRING_MARSHALLER), "/B/4");
            EchoReply r = EchoGrpc.newBlockingStub(ch).withInterceptors(MetadataUtils.newAttachHeadersInterceptor(md))
                    .withDeadlineAfter(10, TimeUnit.SECONDS)
                    .unary(EchoRequest.newBuilder().setPayload(ByteString.copyFromUtf8("via cli")).build());
            assertThat(r.getServedBy()).isEqualTo("plain");
            assertThat(r.getPayload().toStringUtf8()).isEqualTo("via cli");
        } finally {
            ch.shutdownNow();
        }
        assertThat(attach).isNotDone();
    }

    @Test
    void shouldRouteCallsSentToSg1sUpstreamPortWithoutAnyMetadata() {
        String upstream = mesh.node("sg-1").extension(Gateway.class).upstreamAddresses().get("/B/4");
        ManagedChannel ch = NettyChannelBuilder.forTarget(upstream).usePlaintext().build();
        try {
            EchoReply r = EchoGrpc.newBlockingStub(ch).withDeadlineAfter(10, TimeUnit.SECONDS)
                    .unary(EchoRequest.newBuilder().setPayload(ByteString.copyFromUtf8("by port")).build());
            assertThat(r.getServedBy()).isEqualTo("plain");
            assertThat(r.getPayload().toStringUtf8()).isEqualTo("by port");
        } finally {
            ch.shutdownNow();
        }
    }

    @Test
    void shouldTraceEveryHopToTheOwner() {
        String out = run("trace", "/B/4", "--gateway", sg1);
        assertThat(out).contains("0  sg-1").containsPattern("1  sr-1 ").containsPattern("2  sr-[23] ")
                .containsPattern("3  sg-4 .*owner of /B/4");
    }

    @Test
    void shouldPingTheOwnerOfANameAndSayWhenThereIsNone() {
        assertThat(run("ping", "/B/4", "--gateway", sg1, "-c", "2", "-i", "10"))
                .contains("reply from sg-4: seq=1 hops=3").contains("2 sent, 2 received, 0% lost");
        assertThat(run("ping", "/no/such/name", "--gateway", sg1, "-c", "1"))
                .contains("unreachable from sg-1: no route to /no/such/name");
    }

    @Test
    void shouldShowPodsOfAGatewayAndFlowsOfARouter() throws Exception {
        String admin4 = mesh.node("sg-4").adminAddress();
        assertThat(run("show", "pods", "--admin", admin4)).contains("pod-4").contains("/B/4")
                .contains("127.0.0.1:" + plain.getPort());
        // A call through the mesh is counted at the endpoint that served it, with its latency.
        callB4ThroughSg1("counted");
        assertThat(run("show", "pods", "--admin", admin4)).containsPattern("/B/4 +127\\.0\\.0\\.1:" + plain.getPort()
                + " +1 +yes +yes +[1-9]\\d* +\\d+ +\\d+\\.\\d+ ");
        assertThat(run("show", "flows", "--admin", mesh.node("sr-1").adminAddress())).contains("sr-1 (sr) flows:");
    }

    /** One unary call to /B/4 through sg-1's pod-facing port. */
    private static void callB4ThroughSg1(String text) {
        Metadata md = new Metadata();
        md.put(Metadata.Key.of("dmsc-target", Metadata.ASCII_STRING_MARSHALLER), "/B/4");
        ManagedChannel ch = NettyChannelBuilder.forTarget(sg1).usePlaintext().build();
        try {
            EchoGrpc.newBlockingStub(ch).withInterceptors(MetadataUtils.newAttachHeadersInterceptor(md))
                    .withDeadlineAfter(10, TimeUnit.SECONDS)
                    .unary(EchoRequest.newBuilder().setPayload(ByteString.copyFromUtf8(text)).build());
        } finally {
            ch.shutdownNow();
        }
    }

    /** Runs a command and returns its exit code with what it printed to stdout and stderr. */
    private static String[] runWithCode(String... args) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        int code;
        synchronized (GatewayCommandsTest.class) {
            PrintStream both = new PrintStream(bytes, true, StandardCharsets.UTF_8);
            System.setOut(both);
            System.setErr(both);
            try {
                code = io.dmsc.cli.Dmsc.execute(args);
            } finally {
                System.setOut(oldOut);
                System.setErr(oldErr);
            }
        }
        return new String[] {Integer.toString(code), bytes.toString(StandardCharsets.UTF_8)};
    }

    @Test
    void shouldRefuseAnnouncementsTheSpaDoesNotGrantWithTheirReason() {
        String endpoint = "127.0.0.1:" + plain.getPort();
        String[][] cases = {
            {"--pod", "pod-3", "--prefix", "/C/3", "BAD_CREDENTIAL", "presented no token"},
            {"--pod", "pod-3", "--token", "not-the-token", "--prefix", "/C/3", "BAD_CREDENTIAL", "does not match"},
            {"--pod", "pod-3", "--token", token("pod-3"), "--prefix", "/B/4", "PREFIX_NOT_ALLOWED", "may not own /B/4"},
            {"--pod", "pod-3", "--token", token("pod-3"), "--prefix", "/_dmsc/node/sg-9", "RESERVED_NAMESPACE",
                "reserved"},
            {"--pod", "pod-7", "--token", token("pod-3"), "--prefix", "/C/3", "UNKNOWN_POD", "no pod pod-7"},
        };
        for (String[] c : cases) {
            List<String> args = new java.util.ArrayList<>(List.of("attach", "--gateway", sg4, "--endpoint", endpoint,
                    "--timeout-ms", "10000"));
            args.addAll(List.of(c).subList(0, c.length - 2));
            long start = System.nanoTime();
            String[] result = runWithCode(args.toArray(String[]::new));
            long ms = (System.nanoTime() - start) / 1_000_000;
            assertThat(result[0]).as("exit code of %s", List.of(c)).isNotEqualTo("0");
            assertThat(result[1]).as("output of %s", List.of(c)).contains(c[c.length - 2]).contains(c[c.length - 1]);
            assertThat(ms).as("refused at once, not after the timeout").isLessThan(9_000);
        }
        // None of them reached any FIB; the legitimate owner of /B/4 still serves it.
        assertThat(mesh.node("sg-1").fib().lookup("/C/3/x")).isNull();
        assertThat(mesh.node("sg-1").fib().lookup("/B/4/x").nextHops()).containsExactly("sr-1");
    }

    @Test
    void shouldShowTheAuthorizedOwnerAndExpiryOfB4AtSg1() {
        String out = run("show", "prefixes", "--admin", mesh.node("sg-1").adminAddress());
        assertThat(out).contains("authorization required");
        String line = out.lines().filter(l -> l.startsWith("/B/4 ")).findFirst().orElseThrow();
        assertThat(line).contains("sg-4").contains("pod-4").contains("installed").containsPattern("20\\d\\d-\\d\\d-");
    }

    @Test
    void shouldShowTheMeasuredDelayJitterAndLossToEveryEgressSgAndTheLoadOfEachLink() {
        String admin1 = mesh.node("sg-1").adminAddress();
        // sg-1 routes /B/4 to sg-4 and the static /demo/sg-N to sg-2, sg-3 and sg-4: it probes those three.
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(run("show", "qos", "--admin", admin1))
                .containsPattern("(?m)^sg-2 +\\d+\\.\\d+ ").containsPattern("(?m)^sg-3 +\\d+\\.\\d+ ")
                .containsPattern("(?m)^sg-4 +\\d+\\.\\d+ ").contains("a probe every 1000 ms"));
        assertThat(run("show", "qos", "--admin", mesh.node("sr-1").adminAddress())).contains("probes no paths (an SR)")
                .contains("sg-1");
        // A call to /B/4 from sg-1 counts as traffic towards sg-4.
        callB4ThroughSg1("towards sg-4");
        assertThat(run("show", "--json", "qos", "--admin", admin1)).containsPattern(
                "\"node\" : \"sg-4\",[^}]*\"calls\" : [1-9]");
        assertThat(mesh.node("sg-1").metrics().scrape())
                .containsPattern("dmsc_qos_delay_seconds\\{egress=\"sg-4\",[^}]*\\} 0\\.\\d+")
                .contains("dmsc_qos_loss_ratio{egress=\"sg-4\"");
        // The probes cross sr-1: its link to sg-1 carries data both ways, against the example's 1000 Mbit/s.
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(run("show", "links", "--admin",
                mesh.node("sr-1").adminAddress())).containsPattern("(?m)^sg-1 +\\d+\\.\\d+ +[1-9]\\d* +[1-9]\\d* +"
                + "1000 Mbit/s +\\d+\\.\\d+ %"));
        assertThat(mesh.node("sr-1").metrics().scrape()).containsPattern(
                "dmsc_link_data_bytes_total\\{direction=\"in\",neighbor=\"sg-1\",[^}]*\\} [1-9]");
    }
}
