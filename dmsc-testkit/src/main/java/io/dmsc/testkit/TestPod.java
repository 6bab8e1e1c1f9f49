package io.dmsc.testkit;

import io.dmsc.wire.proto.attach.v1.Announce;
import io.dmsc.wire.proto.attach.v1.GatewayMessage;
import io.dmsc.wire.proto.attach.v1.Hello;
import io.dmsc.wire.proto.attach.v1.PodGatewayGrpc;
import io.dmsc.wire.proto.attach.v1.PodMessage;
import io.grpc.BindableService;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A pod for tests: a real gRPC server on loopback serving the given services (plus health),
 * attached to an SG through the public attach API. Closing it ends the attach stream, which
 * withdraws its prefixes, and stops the server.
 */
public final class TestPod implements AutoCloseable {
    /** Largest request message the pod's server accepts. */
    public static final int MAX_MESSAGE_BYTES = 32 << 20;

    private final Server server;
    private final ManagedChannel gateway;
    private final StreamObserver<PodMessage> attach;
    private final BlockingQueue<GatewayMessage> received = new LinkedBlockingQueue<>();

    private TestPod(Server server, ManagedChannel gateway, StreamObserver<PodMessage> attach) {
        this.server = server;
        this.gateway = gateway;
        this.attach = attach;
    }

    /**
     * Starts the pod's server, attaches to the gateway and announces every prefix.
     *
     * @param gatewayAddress the SG's pod-facing {@code host:port}
     * @param podId          the pod id
     * @param prefixes       prefixes to announce at the pod's endpoint
     * @param services       what the pod serves
     * @return the attached pod; every announcement was accepted
     */
    public static TestPod start(String gatewayAddress, String podId, List<String> prefixes,
                                ServerServiceDefinition... services) {
        HealthStatusManager health = new HealthStatusManager();
        // Accepts what the mesh carries (16 MiB messages by default), not grpc-java's 4 MiB.
        NettyServerBuilder b = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                .maxInboundMessageSize(MAX_MESSAGE_BYTES)
                .addService(health.getHealthService());
        for (ServerServiceDefinition s : services) {
            b.addService(s);
        }
        Server server;
        try {
            server = b.build().start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        health.setStatus("", io.grpc.health.v1.HealthCheckResponse.ServingStatus.SERVING);
        ManagedChannel ch = NettyChannelBuilder.forTarget(gatewayAddress).usePlaintext().build();
        TestPod[] self = new TestPod[1];
        BlockingQueue<GatewayMessage> q = new LinkedBlockingQueue<>();
        StreamObserver<PodMessage> out = PodGatewayGrpc.newStub(ch).attach(new StreamObserver<>() {
            @Override
            public void onNext(GatewayMessage m) {
                q.add(m);
            }

            @Override
            public void onError(Throwable t) {
            }

            @Override
            public void onCompleted() {
            }
        });
        TestPod pod = new TestPod(server, ch, out);
        self[0] = pod;
        out.onNext(PodMessage.newBuilder().setHello(Hello.newBuilder().setPodId(podId)).build());
        String endpoint = "127.0.0.1:" + server.getPort();
        long id = 1;
        for (String p : prefixes) {
            out.onNext(PodMessage.newBuilder().setAnnounce(Announce.newBuilder().setRequestId(id++).setPrefix(p)
                    .setEndpoint(endpoint)).build());
        }
        int accepted = 0;
        try {
            while (accepted < prefixes.size()) {
                GatewayMessage m = q.poll(10, TimeUnit.SECONDS);
                if (m == null) {
                    throw new IllegalStateException("gateway " + gatewayAddress + " did not answer the announcements");
                }
                if (m.hasAnnounceResult()) {
                    if (!m.getAnnounceResult().getAccepted()) {
                        throw new IllegalStateException("announcement rejected: " + m.getAnnounceResult());
                    }
                    accepted++;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        pod.received.addAll(q);
        return pod;
    }

    /**
     * @param gatewayAddress the SG's pod-facing address
     * @param podId          pod id
     * @param prefix         one prefix
     * @param service        what the pod serves
     * @return the attached pod
     */
    public static TestPod start(String gatewayAddress, String podId, String prefix, BindableService service) {
        ServerServiceDefinition d = service instanceof EchoService e ? e.definition() : service.bindService();
        return start(gatewayAddress, podId, List.of(prefix), d);
    }

    /** @return the pod's server endpoint */
    public String endpoint() {
        return "127.0.0.1:" + server.getPort();
    }

    /** Stops the server at once (the attach stream stays: health checks notice). */
    public void stopServer() {
        server.shutdownNow();
    }

    @Override
    public void close() {
        attach.onCompleted();
        gateway.shutdownNow();
        server.shutdownNow();
        try {
            server.awaitTermination(5, TimeUnit.SECONDS);
            gateway.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
