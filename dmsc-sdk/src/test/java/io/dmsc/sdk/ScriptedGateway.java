package io.dmsc.sdk;

import io.dmsc.wire.proto.attach.v1.AnnounceResult;
import io.dmsc.wire.proto.attach.v1.EndpointHealth;
import io.dmsc.wire.proto.attach.v1.GatewayMessage;
import io.dmsc.wire.proto.attach.v1.PodGatewayGrpc;
import io.dmsc.wire.proto.attach.v1.PodMessage;
import io.dmsc.wire.proto.attach.v1.RejectReason;
import io.dmsc.wire.proto.attach.v1.Welcome;
import io.dmsc.wire.proto.attach.v1.WithdrawResult;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * A test stand-in for the pod-facing attach API of a Service Gateway: it records every message a
 * pod sends and answers per the attach.proto contract (Welcome after Hello, one AnnounceResult
 * per Announce, one WithdrawResult per Withdraw). Scripted: a prefix can be set to be rejected,
 * the Hello can be refused, and the test can end the current streams as a restarting gateway would.
 */
final class ScriptedGateway implements AutoCloseable {
    final List<PodMessage> received = new CopyOnWriteArrayList<>();
    final Map<String, AnnounceResult> rejections = new ConcurrentHashMap<>();
    volatile Status refuseHello;
    private final List<StreamObserver<GatewayMessage>> streams = new CopyOnWriteArrayList<>();
    private final String gatewayId;
    private Server server;

    private ScriptedGateway(String gatewayId) {
        this.gatewayId = gatewayId;
    }

    static ScriptedGateway start(String gatewayId, int port) throws IOException {
        ScriptedGateway g = new ScriptedGateway(gatewayId);
        g.listen(port);
        return g;
    }

    void listen(int port) throws IOException {
        server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", port))
                .addService(new Service()).build().start();
    }

    int port() {
        return ((InetSocketAddress) server.getListenSockets().get(0)).getPort();
    }

    String address() {
        return "127.0.0.1:" + port();
    }

    /** Answers the next announcement of {@code prefix} with a rejection. */
    void reject(String prefix, RejectReason reason, String message) {
        rejections.put(prefix, AnnounceResult.newBuilder().setPrefix(prefix).setAccepted(false).setReason(reason)
                .setMessage(message).build());
    }

    List<PodMessage> received(PodMessage.KindCase kind) {
        return received.stream().filter(m -> m.getKindCase() == kind).toList();
    }

    /** Ends every open attach stream with UNAVAILABLE, as a gateway going away does. */
    void breakStreams() {
        for (StreamObserver<GatewayMessage> s : streams) {
            s.onError(Status.UNAVAILABLE.withDescription("gateway restarting").asRuntimeException());
        }
        streams.clear();
    }

    void sendToAll(GatewayMessage message) {
        for (StreamObserver<GatewayMessage> s : streams) {
            s.onNext(message);
        }
    }

    int openStreams() {
        return streams.size();
    }

    void stop() throws InterruptedException {
        streams.clear();
        server.shutdownNow();
        server.awaitTermination(5, TimeUnit.SECONDS);
    }

    @Override
    public void close() {
        try {
            stop();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static GatewayMessage health(String endpoint, boolean healthy, String detail) {
        return GatewayMessage.newBuilder().setEndpointHealth(EndpointHealth.newBuilder().setEndpoint(endpoint)
                .setHealthy(healthy).setDetail(detail)).build();
    }

    private final class Service extends PodGatewayGrpc.PodGatewayImplBase {
        @Override
        public StreamObserver<PodMessage> attach(StreamObserver<GatewayMessage> responses) {
            return new StreamObserver<>() {
                private boolean helloSeen;

                @Override
                public void onNext(PodMessage m) {
                    received.add(m);
                    switch (m.getKindCase()) {
                        case HELLO -> {
                            if (helloSeen) {
                                responses.onError(Status.FAILED_PRECONDITION.withDescription("second Hello")
                                        .asRuntimeException());
                                return;
                            }
                            helloSeen = true;
                            Status refuse = refuseHello;
                            if (refuse != null) {
                                responses.onError(refuse.asRuntimeException());
                                return;
                            }
                            streams.add(responses);
                            responses.onNext(GatewayMessage.newBuilder()
                                    .setWelcome(Welcome.newBuilder().setGatewayId(gatewayId)).build());
                        }
                        case ANNOUNCE -> {
                            AnnounceResult rejection = rejections.get(m.getAnnounce().getPrefix());
                            AnnounceResult.Builder r = rejection != null ? rejection.toBuilder()
                                    : AnnounceResult.newBuilder().setPrefix(m.getAnnounce().getPrefix()).setAccepted(true);
                            responses.onNext(GatewayMessage.newBuilder().setAnnounceResult(r
                                    .setRequestId(m.getAnnounce().getRequestId())
                                    .setEndpoint(m.getAnnounce().getEndpoint())).build());
                        }
                        case WITHDRAW -> responses.onNext(GatewayMessage.newBuilder().setWithdrawResult(
                                WithdrawResult.newBuilder().setRequestId(m.getWithdraw().getRequestId())
                                        .setPrefix(m.getWithdraw().getPrefix()).setWithdrawn(true)).build());
                        default -> responses.onError(Status.INVALID_ARGUMENT.withDescription("empty message")
                                .asRuntimeException());
                    }
                }

                @Override
                public void onError(Throwable t) {
                    streams.remove(responses);
                }

                @Override
                public void onCompleted() {
                    streams.remove(responses);
                    responses.onCompleted();
                }
            };
        }
    }
}
