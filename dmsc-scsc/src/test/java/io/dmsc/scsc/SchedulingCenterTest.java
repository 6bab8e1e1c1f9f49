package io.dmsc.scsc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dmsc.node.Mesh;
import io.dmsc.node.config.ConfigLoader;
import io.dmsc.node.config.TopologyConfig;
import io.dmsc.wire.proto.scsc.v1.LinkQos;
import io.dmsc.wire.proto.scsc.v1.NodeMessage;
import io.dmsc.wire.proto.scsc.v1.PolicyAck;
import io.dmsc.wire.proto.scsc.v1.Report;
import io.dmsc.wire.proto.scsc.v1.SchedulerGrpc;
import io.dmsc.wire.proto.scsc.v1.ScscMessage;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** A hostile reporter: refused sessions, impossible values and floods are counted and never used. */
class SchedulingCenterTest {
    static final String TOPOLOGY = """
            name: t
            nodes:
              - {id: sr-1, role: sr, listen: 127.0.0.1:0}
              - {id: sr-2, role: sr, listen: 127.0.0.1:0}
              - {id: scsc, role: scsc, listen: 127.0.0.1:0, scheduler: {listen: 127.0.0.1:0, reportIntervalMs: 200,
                 maxReportsPerSecond: 5}}
            links:
              - {a: sr-1, b: sr-2, metric: 10, capacityMbps: 100}
              - {a: scsc, b: sr-1, metric: 10}
            """;

    static double counter(Mesh mesh, String name, String reason) {
        var c = mesh.node("scsc").metrics().registry().find(name).tag("reason", reason).counter();
        return c == null ? 0 : c.count();
    }

    static Status open(ManagedChannel ch, NodeMessage first) throws Exception {
        CompletableFuture<Status> ended = new CompletableFuture<>();
        StreamObserver<NodeMessage> out = SchedulerGrpc.newStub(ch).connect(new StreamObserver<ScscMessage>() {
            @Override
            public void onNext(ScscMessage value) {
            }

            @Override
            public void onError(Throwable t) {
                ended.complete(Status.fromThrowable(t));
            }

            @Override
            public void onCompleted() {
                ended.complete(Status.OK);
            }
        });
        out.onNext(first);
        return ended.get(10, TimeUnit.SECONDS);
    }

    @Test
    void shouldRefuseUnknownNodesAndImpossibleValuesAndRateLimitFloods() throws Exception {
        // sr-2 reports only through this test's session.
        TopologyConfig t = ConfigLoader.parseTopology("t.yaml", TOPOLOGY);
        t = new TopologyConfig(t.file(), t.name(), t.nodes().stream()
                .map(n -> n.id().equals("sr-2") ? n.withTelemetry(null) : n).toList(), t.links(), t.spas());
        try (Mesh mesh = Mesh.start(t, Mesh.Links.TCP)) {
            String address = mesh.node("scsc").schedulerAddress();
            assertThat(address).isNotNull();
            await().atMost(Duration.ofSeconds(30)).until(() -> mesh.node("scsc").conductor().meshView()
                    .get().nodes().size() == 3);
            ManagedChannel ch = NettyChannelBuilder.forTarget(address).usePlaintext().build();
            try {
                Status notReport = open(ch, NodeMessage.newBuilder().setAck(PolicyAck.newBuilder().setPolicyId(1))
                        .build());
                assertThat(notReport.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                assertThat(notReport.getDescription()).contains("first message is not a report");
                Status unknown = open(ch, NodeMessage.newBuilder().setReport(Report.newBuilder().setNodeId("intruder"))
                        .build());
                assertThat(unknown.getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
                assertThat(unknown.getDescription()).contains("'intruder' is not an SG or SR");
                Status scsc = open(ch, NodeMessage.newBuilder().setReport(Report.newBuilder().setNodeId("scsc"))
                        .build());
                assertThat(scsc.getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);

                // A session for sr-2 with impossible values, then a flood.
                StreamObserver<NodeMessage> s = SchedulerGrpc.newStub(ch).connect(new StreamObserver<>() {
                    @Override
                    public void onNext(ScscMessage value) {
                    }

                    @Override
                    public void onError(Throwable e) {
                    }

                    @Override
                    public void onCompleted() {
                    }
                });
                s.onNext(report(Double.NaN, 0));
                s.onNext(report(1, 1e15));
                s.onNext(NodeMessage.newBuilder().setReport(Report.newBuilder().setNodeId("sr-2")
                        .addLinks(LinkQos.newBuilder().setNeighbor("ghost").setRttMs(1))).build());
                s.onNext(NodeMessage.newBuilder().setReport(Report.newBuilder().setNodeId("sr-1")).build());
                for (int i = 0; i < 200; i++) {
                    s.onNext(report(0.5, 1000));
                }
                await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                    assertThat(counter(mesh, "dmsc_scsc_reports_rejected_total", "impossible_value")).isEqualTo(2);
                    assertThat(counter(mesh, "dmsc_scsc_reports_rejected_total", "unknown_node")).isGreaterThan(1);
                    assertThat(counter(mesh, "dmsc_scsc_reports_rejected_total", "wrong_identity")).isEqualTo(1);
                    assertThat(counter(mesh, "dmsc_scsc_reports_rejected_total", "rate_limited")).isGreaterThan(150);
                });
                // The center still answers and holds the good reports (sr-1's own and the admitted ones).
                var status = mesh.node("scsc").status().get(5, TimeUnit.SECONDS);
                assertThat(status).isNotNull();
                var view = mesh.node("scsc").extension(SchedulingCenter.class);
                assertThat(view == null || view.address() != null).isTrue();
                s.onCompleted();
            } finally {
                ch.shutdownNow();
            }
        }
    }

    static NodeMessage report(double rttMs, double txBytesPerS) {
        return NodeMessage.newBuilder().setReport(Report.newBuilder().setNodeId("sr-2").addLinks(LinkQos.newBuilder()
                .setNeighbor("sr-1").setUp(true).setRttMs(rttMs).setCapacityBytesPerS(12.5e6)
                .setTxBytesPerS(txBytesPerS))).build();
    }

    @Test
    void shouldCloseConnectionsBeyondItsLimitAndThoseThatNeverSendAPreface() throws Exception {
        TopologyConfig t = ConfigLoader.parseTopology("t.yaml", TOPOLOGY.replace("maxReportsPerSecond: 5}}",
                "maxReportsPerSecond: 5}, limits: {maxGrpcConnections: 1, grpcHandshakeTimeoutMs: 1500}}"));
        t = new TopologyConfig(t.file(), t.name(), t.nodes().stream().map(n -> n.withTelemetry(null)).toList(),
                t.links(), t.spas());
        try (Mesh mesh = Mesh.start(t, Mesh.Links.TCP)) {
            String[] hp = mesh.node("scsc").schedulerAddress().split(":");
            int port = Integer.parseInt(hp[hp.length - 1]);
            var registry = mesh.node("scsc").metrics().registry();
            try (java.net.Socket a = new java.net.Socket("127.0.0.1", port)) {
                await().atMost(Duration.ofSeconds(5)).until(() -> registry.find("dmsc_scsc_connections").gauge()
                        .value() == 1);
                try (java.net.Socket c = new java.net.Socket("127.0.0.1", port)) {
                    c.setSoTimeout(2000);
                    int first;
                    try {
                        first = c.getInputStream().read();
                    } catch (java.net.SocketException reset) {
                        first = -1;
                    }
                    assertThat(first).as("second connection closed at once").isEqualTo(-1);
                }
                a.setSoTimeout(5000);
                byte[] buf = new byte[256];
                int n = 0;
                while (n >= 0) { // the server's HTTP/2 settings may come before the close
                    n = a.getInputStream().read(buf);
                }
            }
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
                assertThat(registry.find("dmsc_scsc_connections_closed").tag("reason", "limit").counter().count())
                        .isEqualTo(1);
                assertThat(registry.find("dmsc_scsc_connections_closed").tag("reason", "handshake_timeout").counter()
                        .count()).isEqualTo(1);
            });
        }
    }
}
