package io.dmsc.testkit.forwarding;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.dmsc.gateway.pod.PodInfo;
import io.dmsc.node.Mesh;
import io.dmsc.sdk.DmscMesh;
import io.dmsc.testkit.EchoService;
import io.dmsc.testkit.TestPod;
import io.dmsc.testkit.proto.v1.EchoGrpc;
import io.dmsc.testkit.proto.v1.EchoReply;
import io.dmsc.testkit.proto.v1.EchoRequest;
import io.dmsc.wire.proto.attach.v1.Announce;
import io.dmsc.wire.proto.attach.v1.GatewayMessage;
import io.dmsc.wire.proto.attach.v1.Hello;
import io.dmsc.wire.proto.attach.v1.PodGatewayGrpc;
import io.dmsc.wire.proto.attach.v1.PodMessage;
import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.stub.StreamObserver;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The ways a call names its target (metadata, upstream port, SDK channel, {@code dmsc://} target),
 * the errors of a bad or unroutable target, a pod calling a pod of its own SG, and a plain gRPC
 * server attached through the attach API and health checked. Figure 2, pod /B/4 at sg-4; sg-1
 * has an upstream port bound to /B/4.
 */
class CallTargetsTest {
    private static Mesh mesh;
    private static TestPod pod;
    private static ManagedChannel sg1;

    @BeforeAll
    static void start() throws Exception {
        mesh = Fabric.start(Fabric.figure2());
        pod = TestPod.start(Fabric.gateway(mesh, "sg-4").podAddress(), "pod-4", "/B/4", new EchoService("pod-4"));
        Fabric.awaitRoute(mesh, "sg-1", "/B/4/x");
        sg1 = Fabric.channelTo(mesh, "sg-1");
    }

    @AfterAll
    static void stop() throws Exception {
        Fabric.shutdown(sg1);
        if (pod != null) {
            pod.close();
        }
        if (mesh != null) {
            mesh.close();
        }
    }

    @AfterEach
    void everyFlowIsGone() {
        Fabric.awaitNoFlows(mesh);
    }

    private static EchoReply call(Channel channel, String text) {
        return EchoGrpc.newBlockingStub(channel).withDeadlineAfter(20, TimeUnit.SECONDS)
                .unary(EchoRequest.newBuilder().setPayload(ByteString.copyFromUtf8(text)).build());
    }

    @Test
    void shouldRouteByTheTargetMetadata() {
        EchoReply r = call(ClientInterceptors.intercept(sg1, Fabric.target("/B/4")), "by metadata");
        assertThat(r.getServedBy()).isEqualTo("pod-4");
        assertThat(r.getPayload().toStringUtf8()).isEqualTo("by metadata");
    }

    @Test
    void shouldRouteCallsOnAnUpstreamPortToItsPrefix() throws Exception {
        String address = Fabric.gateway(mesh, "sg-1").upstreamAddresses().get("/B/4");
        assertThat(address).isNotNull();
        ManagedChannel upstream = Fabric.channel(address);
        try {
            EchoReply r = call(upstream, "by upstream port");
            assertThat(r.getServedBy()).isEqualTo("pod-4");
            assertThat(r.getPayload().toStringUtf8()).isEqualTo("by upstream port");
        } finally {
            Fabric.shutdown(upstream);
        }
    }

    @Test
    void shouldRouteCallsOfAnSdkChannel() {
        try (DmscMesh sdk = DmscMesh.builder().gateway(Fabric.gateway(mesh, "sg-1").podAddress()).podId("caller-1")
                .registerDefaultGateway(false).build()) {
            EchoReply r = call(sdk.channel("/B/4"), "by sdk");
            assertThat(r.getServedBy()).isEqualTo("pod-4");
            assertThat(r.getPayload().toStringUtf8()).isEqualTo("by sdk");
        }
    }

    @Test
    void shouldRouteCallsOfADmscUriTarget() throws Exception {
        ManagedChannel ch = ManagedChannelBuilder.forTarget("dmsc://" + Fabric.gateway(mesh, "sg-1").podAddress()
                + "/B/4").usePlaintext().build();
        try {
            EchoReply r = call(ch, "by dmsc uri");
            assertThat(r.getServedBy()).isEqualTo("pod-4");
            assertThat(r.getPayload().toStringUtf8()).isEqualTo("by dmsc uri");
        } finally {
            Fabric.shutdown(ch);
        }
    }

    private static void assertStatus(ThrowingCallable call, Status.Code code, String... fragments) {
        assertThatThrownBy(call).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).as(e.getStatus().toString()).isEqualTo(code);
            assertThat(e.getStatus().getDescription()).contains(fragments);
        });
    }

    @Test
    void shouldRejectACallWithoutTargetNamingTheMetadata() {
        assertStatus(() -> call(sg1, "no target"), Status.Code.INVALID_ARGUMENT, "dmsc-target");
    }

    @Test
    void shouldRejectAnInvalidTarget() {
        assertStatus(() -> call(ClientInterceptors.intercept(sg1, Fabric.target("/B//4")), "bad"),
                Status.Code.INVALID_ARGUMENT, "dmsc-target", "/B//4");
        assertStatus(() -> call(ClientInterceptors.intercept(sg1, Fabric.target("B/4")), "bad"),
                Status.Code.INVALID_ARGUMENT, "dmsc-target");
        assertStatus(() -> call(ClientInterceptors.intercept(sg1, Fabric.target("/B/4 5")), "bad"),
                Status.Code.INVALID_ARGUMENT, "dmsc-target");
    }

    @Test
    void shouldFailACallWithNoRouteAsUnavailable() {
        assertStatus(() -> call(ClientInterceptors.intercept(sg1, Fabric.target("/nowhere/9")), "lost"),
                Status.Code.UNAVAILABLE, "no route to", "/nowhere/9");
    }

    @Test
    void shouldCallAPodOfTheSameGateway() throws Exception {
        ManagedChannel sg4 = Fabric.channelTo(mesh, "sg-4");
        try {
            Channel ch = ClientInterceptors.intercept(sg4, Fabric.target("/B/4"));
            EchoReply r = call(ch, "neighbour");
            assertThat(r.getServedBy()).isEqualTo("pod-4");
            Recorder<EchoReply> rec = new Recorder<>();
            StreamObserver<EchoRequest> out = EchoGrpc.newStub(ch).withDeadlineAfter(20, TimeUnit.SECONDS).bidi(rec);
            out.onNext(EchoRequest.newBuilder().setPayload(ByteString.copyFromUtf8("1")).build());
            out.onNext(EchoRequest.newBuilder().setPayload(ByteString.copyFromUtf8("2")).build());
            out.onCompleted();
            assertThat(rec.await()).isEqualTo(Status.OK);
            assertThat(rec.messages).extracting(m -> m.getPayload().toStringUtf8()).containsExactly("1", "2");
            // Nothing left the gateway: no other node saw the calls.
            assertThat(mesh.node("sr-2").forwarder().metrics().framesForwarded(io.dmsc.wire.data.DataFrames.OPEN)
                    + mesh.node("sr-3").forwarder().metrics().framesForwarded(io.dmsc.wire.data.DataFrames.OPEN))
                    .isZero();
        } finally {
            Fabric.shutdown(sg4);
        }
    }

    @Test
    void shouldServeAPlainGrpcServerAttachedThroughTheAttachApiWhileItsHealthSaysServing() throws Exception {
        // A server that knows nothing of DMSC: the Echo service and grpc.health.v1, nothing else.
        HealthStatusManager health = new HealthStatusManager();
        Server plain = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                .addService(new EchoService("plain-7").definition()).addService(health.getHealthService()).build()
                .start();
        health.setStatus("", ServingStatus.SERVING);
        String sg2 = Fabric.gateway(mesh, "sg-2").podAddress();
        ManagedChannel attachChannel = Fabric.channel(sg2);
        BlockingQueue<GatewayMessage> answers = new LinkedBlockingQueue<>();
        StreamObserver<PodMessage> attach = PodGatewayGrpc.newStub(attachChannel).attach(new StreamObserver<>() {
            @Override
            public void onNext(GatewayMessage m) {
                answers.add(m);
            }

            @Override
            public void onError(Throwable t) {
            }

            @Override
            public void onCompleted() {
            }
        });
        Channel toPlain = ClientInterceptors.intercept(sg1, Fabric.target("/B/7"));
        try {
            attach.onNext(PodMessage.newBuilder().setHello(Hello.newBuilder().setPodId("plain-7")).build());
            attach.onNext(PodMessage.newBuilder().setAnnounce(Announce.newBuilder().setRequestId(1).setPrefix("/B/7")
                    .setEndpoint("127.0.0.1:" + plain.getPort())).build());
            await().atMost(Duration.ofSeconds(10)).until(() -> answers.stream()
                    .anyMatch(m -> m.hasAnnounceResult() && m.getAnnounceResult().getAccepted()));
            Fabric.awaitRoute(mesh, "sg-1", "/B/7/x");
            assertThat(call(toPlain, "plain").getServedBy()).isEqualTo("plain-7");
            await().atMost(Duration.ofSeconds(10)).until(() -> Fabric.gateway(mesh, "sg-2").registry().pods().stream()
                    .filter(p -> p.podId().equals("plain-7")).flatMap(p -> p.announcements().stream())
                    .anyMatch(PodInfo.Announcement::healthy));

            // The gateway's health checks see NOT_SERVING: the prefix is withdrawn from the mesh.
            health.setStatus("", ServingStatus.NOT_SERVING);
            await().atMost(Fabric.CONVERGENCE).until(() -> mesh.node("sg-1").fib().lookup("/B/7/x") == null);
            assertStatus(() -> call(toPlain, "down"), Status.Code.UNAVAILABLE, "no route to", "/B/7");

            health.setStatus("", ServingStatus.SERVING);
            Fabric.awaitRoute(mesh, "sg-1", "/B/7/x");
            assertThat(call(toPlain, "back").getServedBy()).isEqualTo("plain-7");
        } finally {
            attach.onCompleted();
            Fabric.shutdown(attachChannel);
            plain.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }
}
