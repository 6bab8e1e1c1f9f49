package io.dmsc.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dmsc.node.Mesh;
import io.dmsc.node.config.ConfigLoader;
import io.dmsc.node.link.HostPort;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.netty.NettyChannelBuilder;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The edges of an SG's pod-facing and upstream ports, against a real gateway on loopback: the
 * dmsc-target header rules, the handshake timeout and the connection cap.
 */
@Timeout(60)
class PodPortEdgesTest {
    private static final int MAX_CONNECTIONS = 20;
    private static final long HANDSHAKE_TIMEOUT_MS = 300;

    @TempDir
    static Path dir;
    private static Mesh mesh;
    private static Gateway gateway;
    private static Gateway limited;
    private static ManagedChannel pod;
    private static ManagedChannel upstream;

    @BeforeAll
    static void start() {
        String topology = """
                name: edges
                nodes:
                  - id: sg-1
                    role: sg
                    listen: 127.0.0.1:0
                    pod: 127.0.0.1:0
                    upstreams: [{listen: 127.0.0.1:0, target: /B}]
                    gateway: {podPort: {handshakeTimeoutMs: %d}}
                  - id: sg-2
                    role: sg
                    listen: 127.0.0.1:0
                    pod: 127.0.0.1:0
                    gateway: {podPort: {handshakeTimeoutMs: 60000, maxConnections: %d}}
                """.formatted(HANDSHAKE_TIMEOUT_MS, MAX_CONNECTIONS);
        mesh = Mesh.start(ConfigLoader.parseTopology(dir.resolve("edges.yaml").toString(), topology), Mesh.Links.TCP,
                Gateway.factory());
        gateway = mesh.node("sg-1").extension(Gateway.class);
        limited = mesh.node("sg-2").extension(Gateway.class);
        pod = channel(gateway.podAddress());
        upstream = channel(gateway.upstreamAddresses().get("/B"));
    }

    @AfterAll
    static void stop() {
        pod.shutdownNow();
        upstream.shutdownNow();
        mesh.close();
    }

    private static ManagedChannel channel(String address) {
        HostPort hp = HostPort.parse(address);
        return NettyChannelBuilder.forAddress(hp.host(), hp.port()).usePlaintext().build();
    }

    /** Calls {@code test.Echo/Say} with the given dmsc-target headers; the status it ended with. */
    private static Status call(ManagedChannel channel, String... targets) throws Exception {
        MethodDescriptor<byte[], byte[]> method = Calls.method("test.Echo/Say");
        ClientCall<byte[], byte[]> c = channel.newCall(method, CallOptions.DEFAULT.withDeadlineAfter(5,
                TimeUnit.SECONDS));
        Metadata headers = new Metadata();
        for (String t : targets) {
            headers.put(Calls.TARGET_KEY, t);
        }
        CompletableFuture<Status> done = new CompletableFuture<>();
        c.start(new ClientCall.Listener<>() {
            @Override
            public void onClose(Status status, Metadata trailers) {
                done.complete(status);
            }
        }, headers);
        c.sendMessage(new byte[] {1});
        c.halfClose();
        c.request(1);
        return done.get(10, TimeUnit.SECONDS);
    }

    @Test
    void shouldRefuseTwoTargetHeaders() throws Exception {
        Status s = call(pod, "/B", "/C");
        assertThat(s.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(s.getDescription()).isEqualTo("2 dmsc-target headers (expected: exactly one)");
        Status same = call(pod, "/B", "/B");
        assertThat(same.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        // One header is fine: the call goes on and fails only because no one serves /B.
        assertThat(call(pod, "/B").getCode()).isNotEqualTo(Status.Code.INVALID_ARGUMENT);
    }

    @Test
    void shouldRefuseATargetHeaderThatContradictsTheUpstreamBinding() throws Exception {
        Status s = call(upstream, "/C");
        assertThat(s.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(s.getDescription()).isEqualTo("dmsc-target '/C' on the upstream port bound to /B (expected: no "
                + "dmsc-target header, or /B)");
        assertThat(call(upstream, "/B").getCode()).isNotEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(call(upstream).getCode()).isNotEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(call(upstream, "/B", "/B").getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    }

    private static List<Socket> silentSockets(String address, int n) throws IOException {
        HostPort hp = HostPort.parse(address);
        List<Socket> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Socket s = new Socket(hp.host(), hp.port());
            s.setSoTimeout(50);
            out.add(s);
        }
        return out;
    }

    /** Whether the server closed the socket: a read returns -1 (or the connection was reset). */
    private static boolean closedByServer(Socket s) {
        try {
            InputStream in = s.getInputStream();
            while (true) {
                int b = in.read();
                if (b < 0) {
                    return true;
                }
            }
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true;
        }
    }

    private static double counter(String node, String reason) {
        MeterRegistry r = mesh.node(node).metrics().registry();
        var c = r.find("dmsc_pod_connections_closed").tag("port", "pod-facing").tag("reason", reason).counter();
        return c == null ? 0 : c.count();
    }

    @Test
    void shouldCloseConnectionsThatNeverSendThePrefaceAfterTheHandshakeTimeout() throws Exception {
        double before = counter("sg-1", "handshake_timeout");
        List<Socket> sockets = silentSockets(gateway.podAddress(), 10);
        try {
            long start = System.nanoTime();
            await().atMost(Duration.ofSeconds(5)).until(() -> sockets.stream().allMatch(PodPortEdgesTest::closedByServer));
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
            await().atMost(Duration.ofSeconds(5)).until(() -> counter("sg-1", "handshake_timeout") >= before + 10);
            // A real client still gets in.
            assertThat(call(pod, "/B").getCode()).isNotEqualTo(Status.Code.INVALID_ARGUMENT);
        } finally {
            for (Socket s : sockets) {
                s.close();
            }
        }
    }

    @Test
    void shouldCloseConnectionsBeyondTheLimitAtOnce() throws Exception {
        double before = counter("sg-2", "limit");
        List<Socket> sockets = new ArrayList<>();
        try {
            sockets.addAll(silentSockets(limited.podAddress(), MAX_CONNECTIONS + 5));
            // sg-2's handshake timeout is a minute: a connection closed within seconds was refused for the limit.
            await().atMost(Duration.ofSeconds(5)).until(() ->
                    sockets.subList(MAX_CONNECTIONS, sockets.size()).stream().allMatch(PodPortEdgesTest::closedByServer));
            assertThat(sockets.subList(0, MAX_CONNECTIONS)).noneMatch(PodPortEdgesTest::closedByServer);
            assertThat(counter("sg-2", "limit")).isEqualTo(before + 5);
        } finally {
            for (Socket s : sockets) {
                s.close();
            }
        }
        // Once they are gone, the port takes connections again.
        await().atMost(Duration.ofSeconds(5)).until(() -> {
            try (Socket s = silentSockets(limited.podAddress(), 1).get(0)) {
                return !closedByServer(s);
            }
        });
    }
}
