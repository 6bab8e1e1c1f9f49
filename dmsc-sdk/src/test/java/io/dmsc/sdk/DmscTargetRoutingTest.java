package io.dmsc.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ClientCalls;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Calls by prefix, through {@link DmscMesh#channel} and through {@code dmsc:} targets, reach a
 * plain gRPC server standing in for the gateway's catch-all ingress, with {@code dmsc-target} set.
 */
class DmscTargetRoutingTest {
    private final List<String> targets = new CopyOnWriteArrayList<>();
    private Server ingress;
    private String ingressAddress;
    private ManagedChannel channel;

    @BeforeEach
    void startIngress() throws Exception {
        ServerInterceptor recorder = new ServerInterceptor() {
            @Override
            public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                    ServerCallHandler<Q, R> next) {
                Iterable<String> all = headers.getAll(DmscTarget.METADATA_KEY);
                targets.add(all == null ? "<none>" : String.join(",", all));
                return next.startCall(call, headers);
            }
        };
        ingress = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                .addService(ServerInterceptors.intercept(EchoService.definition("gw"), recorder))
                .build().start();
        ingressAddress = "127.0.0.1:" + ((InetSocketAddress) ingress.getListenSockets().get(0)).getPort();
        DmscNameResolverProvider.setDefaultGateway(null);
    }

    @AfterEach
    void stop() throws Exception {
        DmscNameResolverProvider.setDefaultGateway(null);
        System.clearProperty(DmscNameResolverProvider.GATEWAY_PROPERTY);
        if (channel != null) {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        ingress.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    private static String echo(Channel ch, String request) {
        return ClientCalls.blockingUnaryCall(ch, EchoService.ECHO, CallOptions.DEFAULT.withDeadlineAfter(5,
                TimeUnit.SECONDS), request);
    }

    @Test
    void shouldStampTargetOnCallsOfMeshChannel() {
        try (DmscMesh mesh = DmscMesh.builder().gateway(ingressAddress).podId("client").build()) {
            assertThat(echo(mesh.channel("/B"), "hello")).isEqualTo("gw:hello");
            assertThat(echo(mesh.channel("/B/4"), "again")).isEqualTo("gw:again");
        }
        assertThat(targets).containsExactly("/B", "/B/4");
    }

    @Test
    void shouldStampTargetOnCallsOfDmscTargetWithDefaultGateway() {
        DmscNameResolverProvider.setDefaultGateway(ingressAddress);
        channel = ManagedChannelBuilder.forTarget("dmsc:///B").usePlaintext().build();

        assertThat(echo(channel, "one")).isEqualTo("gw:one");
        assertThat(echo(channel, "two")).isEqualTo("gw:two");
        assertThat(targets).containsExactly("/B", "/B");
    }

    @Test
    void shouldTakeGatewayFromAuthorityOfDmscTarget() {
        channel = ManagedChannelBuilder.forTarget("dmsc://" + ingressAddress + "/B/4").usePlaintext().build();

        assertThat(echo(channel, "x")).isEqualTo("gw:x");
        assertThat(targets).containsExactly("/B/4");
    }

    @Test
    void shouldTakeGatewayFromSystemPropertyWhenNoDefaultIsSet() {
        System.setProperty(DmscNameResolverProvider.GATEWAY_PROPERTY, ingressAddress);
        channel = ManagedChannelBuilder.forTarget("dmsc:///shop/payment").usePlaintext().build();

        assertThat(echo(channel, "x")).isEqualTo("gw:x");
        assertThat(targets).containsExactly("/shop/payment");
    }

    @Test
    void shouldUseMeshGatewayAsDefaultWhileMeshIsOpen() {
        try (DmscMesh mesh = DmscMesh.builder().gateway(ingressAddress).podId("client").build()) {
            assertThat(DmscNameResolverProvider.defaultGateway()).isEqualTo(mesh.gateway());
            channel = ManagedChannelBuilder.forTarget("dmsc:///B").usePlaintext().build();
            assertThat(echo(channel, "x")).isEqualTo("gw:x");
        }
        assertThat(DmscNameResolverProvider.defaultGateway()).isNull();
        assertThat(targets).containsExactly("/B");
    }

    @Test
    void shouldReplaceTargetSetByApplication() {
        DmscNameResolverProvider.setDefaultGateway(ingressAddress);
        channel = ManagedChannelBuilder.forTarget("dmsc:///B").usePlaintext().build();
        Metadata extra = new Metadata();
        extra.put(DmscTarget.METADATA_KEY, "/evil");

        assertThat(echo(io.grpc.ClientInterceptors.intercept(channel,
                io.grpc.stub.MetadataUtils.newAttachHeadersInterceptor(extra)), "x")).isEqualTo("gw:x");
        assertThat(targets).containsExactly("/B");
    }

    @Test
    void shouldFailCallsWithRuleWhenDmscTargetIsInvalid() {
        DmscNameResolverProvider.setDefaultGateway(ingressAddress);
        channel = ManagedChannelBuilder.forTarget("dmsc:///B//4").usePlaintext().build();

        assertThatThrownBy(() -> echo(channel, "x"))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> assertThat(e.getStatus().getDescription())
                        .contains("dmsc:///B//4", "component 2 is empty"));
        assertThat(targets).isEmpty();
    }

    @Test
    // A provider with a fake environment can only be given to one channel through this deprecated hook.
    @SuppressWarnings("deprecation")
    void shouldFailCallsWithHintWhenNoGatewayIsKnown() {
        DmscNameResolverProvider provider = new DmscNameResolverProvider(name -> null);
        channel = ManagedChannelBuilder.forTarget("dmsc:///B").nameResolverFactory(provider).usePlaintext().build();

        assertThatThrownBy(() -> echo(channel, "x"))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
                    assertThat(e.getStatus().getDescription()).contains("no Service Gateway known", "DMSC_GATEWAY");
                });
    }

    @Test
    // A provider with a fake environment can only be given to one channel through this deprecated hook.
    @SuppressWarnings("deprecation")
    void shouldTakeGatewayFromEnvironmentLast() {
        DmscNameResolverProvider provider = new DmscNameResolverProvider(
                Map.of(DmscNameResolverProvider.GATEWAY_ENV, ingressAddress)::get);
        channel = ManagedChannelBuilder.forTarget("dmsc:///env").nameResolverFactory(provider).usePlaintext().build();

        assertThat(echo(channel, "x")).isEqualTo("gw:x");
        assertThat(targets).containsExactly("/env");
    }

    @Test
    void shouldRejectInvalidPrefixOfMeshChannel() {
        try (DmscMesh mesh = DmscMesh.builder().gateway(ingressAddress).podId("client").build()) {
            assertThatThrownBy(() -> mesh.channel("B"))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("must start with '/'");
        }
    }
}
