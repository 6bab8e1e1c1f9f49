package io.dmsc.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.dmsc.wire.proto.attach.v1.AnnounceResult;
import io.dmsc.wire.proto.attach.v1.EndpointHealth;
import io.dmsc.wire.proto.attach.v1.PodMessage;
import io.dmsc.wire.proto.attach.v1.RejectReason;
import io.dmsc.wire.proto.attach.v1.WithdrawResult;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class DmscMeshTest {
    private ScriptedGateway gateway;
    private DmscMesh mesh;
    private final List<String> events = new CopyOnWriteArrayList<>();

    @BeforeEach
    void startGateway() throws Exception {
        gateway = ScriptedGateway.start("sg-test", 0);
    }

    @AfterEach
    void stop() throws Exception {
        if (mesh != null) {
            mesh.close();
        }
        gateway.close();
    }

    private DmscMesh.Builder mesh(String address) {
        return DmscMesh.builder().gateway(address).podId("pod-1").credential("secret-token")
                .connectTimeoutMs(5_000).reconnectBackoffMs(20, 200).registerDefaultGateway(false)
                .listener(new AttachListener() {
                    @Override
                    public void onStateChanged(AttachState state, Status cause) {
                        events.add("state " + state);
                    }

                    @Override
                    public void onAnnounceResult(AnnounceResult result) {
                        events.add("announce " + result.getPrefix() + " " + result.getAccepted());
                    }

                    @Override
                    public void onEndpointHealth(EndpointHealth health) {
                        events.add("health " + health.getEndpoint() + " " + health.getHealthy());
                    }
                });
    }

    @Test
    void shouldSendHelloWithPodIdAndCredentialAndReturnAfterWelcome() {
        mesh = mesh(gateway.address()).build().connect();

        assertThat(mesh.state()).isEqualTo(AttachState.ATTACHED);
        assertThat(mesh.gatewayId()).isEqualTo("sg-test");
        assertThat(gateway.received).first().satisfies(m -> {
            assertThat(m.getKindCase()).isEqualTo(PodMessage.KindCase.HELLO);
            assertThat(m.getHello().getPodId()).isEqualTo("pod-1");
            assertThat(m.getHello().getCredential()).isEqualTo("secret-token");
        });
        await().atMost(Duration.ofSeconds(5)).until(() -> events.contains("state ATTACHED"));
    }

    @Test
    void shouldAnnounceServedPrefixWithLocalEndpointAndCompleteWhenAccepted() throws Exception {
        mesh = mesh(gateway.address()).build().connect();

        AnnounceResult result = mesh.serve("/B/4", EchoService.definition("b4")).get(5, TimeUnit.SECONDS);

        assertThat(result.getAccepted()).isTrue();
        assertThat(result.getPrefix()).isEqualTo("/B/4");
        assertThat(mesh.localEndpoint()).startsWith("127.0.0.1:");
        assertThat(gateway.received(PodMessage.KindCase.ANNOUNCE)).singleElement().satisfies(m -> {
            assertThat(m.getAnnounce().getPrefix()).isEqualTo("/B/4");
            assertThat(m.getAnnounce().getEndpoint()).isEqualTo(mesh.localEndpoint());
        });
        // The gateway calls the announced endpoint directly, as its egress does.
        ManagedChannel direct = NettyChannelBuilder.forTarget(mesh.localEndpoint()).usePlaintext().build();
        try {
            assertThat(ClientCalls.blockingUnaryCall(direct, EchoService.ECHO, io.grpc.CallOptions.DEFAULT, "hi"))
                    .isEqualTo("b4:hi");
        } finally {
            direct.shutdownNow();
        }
    }

    @Test
    void shouldAnswerHealthServingOnServedEndpoint() throws Exception {
        mesh = mesh(gateway.address()).build().connect();
        mesh.serve("/B/4", EchoService.definition("b4")).get(5, TimeUnit.SECONDS);

        ManagedChannel direct = NettyChannelBuilder.forTarget(mesh.localEndpoint()).usePlaintext().build();
        try {
            HealthGrpc.HealthBlockingStub health = HealthGrpc.newBlockingStub(direct);
            assertThat(health.check(HealthCheckRequest.getDefaultInstance()).getStatus())
                    .isEqualTo(ServingStatus.SERVING);
            assertThat(health.check(HealthCheckRequest.newBuilder().setService("test.Echo").build()).getStatus())
                    .isEqualTo(ServingStatus.SERVING);
        } finally {
            direct.shutdownNow();
        }
    }

    @Test
    void shouldFailFutureWithReasonAndMessageWhenGatewayRejects() {
        gateway.reject("/shop/payment", RejectReason.SPA_DENIED, "pod pod-1 may not own /shop/payment");
        mesh = mesh(gateway.address()).build().connect();

        CompletableFuture<AnnounceResult> f = mesh.announce("/shop/payment", "127.0.0.1:50051");

        assertThatThrownBy(() -> f.get(5, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .cause()
                .isInstanceOfSatisfying(AnnounceRejectedException.class, e -> {
                    assertThat(e.reason()).isEqualTo(RejectReason.SPA_DENIED);
                    assertThat(e.gatewayMessage()).isEqualTo("pod pod-1 may not own /shop/payment");
                    assertThat(e.getMessage()).contains("/shop/payment", "SPA_DENIED", "may not own");
                });
    }

    @Test
    void shouldSendWeightZoneAndVersionOfExternalEndpoint() throws Exception {
        mesh = mesh(gateway.address()).build().connect();

        mesh.announce("/shop/cart", "10.0.0.7:9000",
                AnnounceOptions.defaults().withWeight(3).withZone("z1").withVersion("v2")).get(5, TimeUnit.SECONDS);

        assertThat(gateway.received(PodMessage.KindCase.ANNOUNCE)).singleElement().satisfies(m -> {
            assertThat(m.getAnnounce().getEndpoint()).isEqualTo("10.0.0.7:9000");
            assertThat(m.getAnnounce().getWeight()).isEqualTo(3);
            assertThat(m.getAnnounce().getZone()).isEqualTo("z1");
            assertThat(m.getAnnounce().getVersion()).isEqualTo("v2");
        });
    }

    @Test
    void shouldSendAnnouncementsMadeBeforeConnectAfterWelcome() throws Exception {
        mesh = mesh(gateway.address()).build();
        CompletableFuture<AnnounceResult> f = mesh.announce("/early", "127.0.0.1:1234");
        assertThat(f).isNotDone();

        mesh.connect();

        assertThat(f.get(5, TimeUnit.SECONDS).getAccepted()).isTrue();
    }

    @Test
    void shouldWithdrawPrefixAndNotReannounceIt() throws Exception {
        mesh = mesh(gateway.address()).build().connect();
        mesh.announce("/B/4", "127.0.0.1:1234").get(5, TimeUnit.SECONDS);

        WithdrawResult w = mesh.withdraw("/B/4").get(5, TimeUnit.SECONDS);

        assertThat(w.getWithdrawn()).isTrue();
        assertThat(gateway.received(PodMessage.KindCase.WITHDRAW)).singleElement()
                .satisfies(m -> assertThat(m.getWithdraw().getPrefix()).isEqualTo("/B/4"));
        gateway.breakStreams();
        await().atMost(Duration.ofSeconds(5)).until(() -> gateway.received(PodMessage.KindCase.HELLO).size() == 2
                && mesh.state() == AttachState.ATTACHED);
        assertThat(gateway.received(PodMessage.KindCase.ANNOUNCE)).hasSize(1);
    }

    @Test
    void shouldReattachAndReannounceEverythingWhenGatewayEndsStream() throws Exception {
        mesh = mesh(gateway.address()).build().connect();
        mesh.serve("/B/4", EchoService.definition("b4")).get(5, TimeUnit.SECONDS);
        mesh.announce("/B", "127.0.0.1:1234").get(5, TimeUnit.SECONDS);

        gateway.breakStreams();

        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            assertThat(gateway.received(PodMessage.KindCase.HELLO)).hasSize(2);
            assertThat(gateway.received(PodMessage.KindCase.ANNOUNCE))
                    .extracting(m -> m.getAnnounce().getPrefix())
                    .containsExactly("/B/4", "/B", "/B/4", "/B");
        });
        await().atMost(Duration.ofSeconds(5)).until(() -> mesh.state() == AttachState.ATTACHED);
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(events)
                .containsSubsequence("state ATTACHED", "state DETACHED", "state CONNECTING", "state ATTACHED",
                        "announce /B/4 true", "announce /B true"));
    }

    @Test
    void shouldReattachWhenGatewayProcessRestartsOnSamePort() throws Exception {
        mesh = mesh(gateway.address()).build().connect();
        mesh.announce("/B/4", "127.0.0.1:1234").get(5, TimeUnit.SECONDS);
        int port = gateway.port();

        gateway.stop();
        await().atMost(Duration.ofSeconds(5)).until(() -> mesh.state() != AttachState.ATTACHED);
        ScriptedGateway restarted = ScriptedGateway.start("sg-test-2", port);
        try {
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                assertThat(mesh.state()).isEqualTo(AttachState.ATTACHED);
                assertThat(mesh.gatewayId()).isEqualTo("sg-test-2");
                assertThat(restarted.received(PodMessage.KindCase.ANNOUNCE)).singleElement()
                        .satisfies(m -> assertThat(m.getAnnounce().getPrefix()).isEqualTo("/B/4"));
            });
        } finally {
            restarted.close();
        }
    }

    @Test
    void shouldReportEndpointHealthToListeners() {
        mesh = mesh(gateway.address()).build().connect();

        gateway.sendToAll(ScriptedGateway.health("127.0.0.1:1234", false, "UNAVAILABLE: connection refused"));

        await().atMost(Duration.ofSeconds(5)).until(() -> events.contains("health 127.0.0.1:1234 false"));
    }

    @Test
    void shouldFailConnectWithGatewayAddressWhenUnreachable() throws Exception {
        int port = gateway.port();
        gateway.stop();
        mesh = mesh("127.0.0.1:" + port).build();

        assertThatThrownBy(mesh::connect)
                .isInstanceOf(AttachException.class)
                .hasMessageContaining("127.0.0.1:" + port)
                .hasMessageContaining("UNAVAILABLE");
        assertThat(mesh.state()).isEqualTo(AttachState.IDLE);
    }

    @Test
    void shouldFailConnectWithGatewaysStatusWhenHelloRefused() {
        gateway.refuseHello = Status.PERMISSION_DENIED.withDescription("unknown credential for pod pod-1");
        mesh = mesh(gateway.address()).build();

        assertThatThrownBy(mesh::connect)
                .isInstanceOf(AttachException.class)
                .hasMessageContaining("PERMISSION_DENIED: unknown credential for pod pod-1");
    }

    @Test
    void shouldEndStreamOnClose() throws Exception {
        mesh = mesh(gateway.address()).build().connect();
        mesh.announce("/B/4", "127.0.0.1:1234").get(5, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(5)).until(() -> gateway.openStreams() == 1);

        mesh.close();

        assertThat(mesh.state()).isEqualTo(AttachState.CLOSED);
        await().atMost(Duration.ofSeconds(5)).until(() -> gateway.openStreams() == 0);
        assertThatThrownBy(() -> mesh.announce("/B", "127.0.0.1:1").get(5, TimeUnit.SECONDS))
                .hasCauseInstanceOf(IllegalStateException.class);
    }

    @Test
    void shouldRejectInvalidArgumentsWithTheRule() {
        mesh = mesh(gateway.address()).build();

        assertThatThrownBy(() -> mesh.serve("shop", EchoService.definition("x")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("must start with '/'");
        assertThatThrownBy(() -> mesh.announce("/a//b", "127.0.0.1:1"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("component 2 is empty");
        assertThatThrownBy(() -> mesh.announce("/a", "nohost"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("endpoint: 'nohost'");
        assertThatThrownBy(() -> mesh.channel("/has space"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("has space");
        assertThatThrownBy(() -> mesh.withdraw("/"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no component");
        assertThatThrownBy(() -> DmscMesh.builder().gateway("127.0.0.1"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("host:port");
        assertThatThrownBy(() -> DmscMesh.builder().podId("bad pod"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("podId: 'bad pod'");
        assertThatThrownBy(() -> DmscMesh.builder().podId("p").build())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("gateway: not set");
    }
}
