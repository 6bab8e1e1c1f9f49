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
    /** Messages from the gateway not yet taken by {@link #nextAnnounceResult}. */
    private final BlockingQueue<GatewayMessage> inbox;
    /** Every message from the gateway, in order. */
    private final List<GatewayMessage> received;
    private long nextRequestId = 1;

    private TestPod(Server server, ManagedChannel gateway, StreamObserver<PodMessage> attach,
                    BlockingQueue<GatewayMessage> inbox, List<GatewayMessage> received) {
        this.server = server;
        this.gateway = gateway;
        this.attach = attach;
        this.inbox = inbox;
        this.received = received;
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
        return start(gatewayAddress, podId, "", prefixes, services);
    }

    /**
     * Starts the pod's server, attaches with a credential (checked by the mesh's SPA) and
     * announces every prefix.
     *
     * @param gatewayAddress the SG's pod-facing {@code host:port}
     * @param podId          the pod id
     * @param token          the pod's token
     * @param prefixes       prefixes to announce at the pod's endpoint
     * @param services       what the pod serves
     * @return the attached pod; every announcement was accepted
     */
    public static TestPod start(String gatewayAddress, String podId, String token, List<String> prefixes,
                                ServerServiceDefinition... services) {
        TestPod pod = attach(gatewayAddress, podId, token, services);
        for (String p : prefixes) {
            pod.announce(p);
        }
        int accepted = 0;
        while (accepted < prefixes.size()) {
            GatewayMessage m = pod.nextAnnounceResult(10, TimeUnit.SECONDS);
            if (m == null) {
                pod.close();
                throw new IllegalStateException("gateway " + gatewayAddress + " did not answer the announcements");
            }
            if (!m.getAnnounceResult().getRetrying()) {
                if (!m.getAnnounceResult().getAccepted()) {
                    pod.close();
                    throw new IllegalStateException("announcement rejected: " + m.getAnnounceResult());
                }
                accepted++;
            }
        }
        return pod;
    }

    /**
     * Starts the pod's server and attaches to the gateway with a credential; announces nothing.
     *
     * @param gatewayAddress the SG's pod-facing {@code host:port}
     * @param podId          the pod id
     * @param token          the pod's token, or empty
     * @param services       what the pod serves
     * @return the attached pod
     */
    public static TestPod attach(String gatewayAddress, String podId, String token,
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
        BlockingQueue<GatewayMessage> q = new LinkedBlockingQueue<>();
        List<GatewayMessage> all = new java.util.concurrent.CopyOnWriteArrayList<>();
        StreamObserver<PodMessage> out = PodGatewayGrpc.newStub(ch).attach(new StreamObserver<>() {
            @Override
            public void onNext(GatewayMessage m) {
                all.add(m);
                q.add(m);
            }

            @Override
            public void onError(Throwable t) {
            }

            @Override
            public void onCompleted() {
            }
        });
        out.onNext(PodMessage.newBuilder().setHello(Hello.newBuilder().setPodId(podId).setCredential(token)).build());
        return new TestPod(server, ch, out, q, all);
    }

    /**
     * Announces a prefix at the pod's endpoint; the answer comes from {@link #nextAnnounceResult}.
     *
     * @param prefix the prefix
     * @return the request id
     */
    public synchronized long announce(String prefix) {
        return announce(prefix, 0);
    }

    /**
     * Announces a prefix at the pod's endpoint with a weight (the answer is not waited for);
     * announcing it again changes the weight.
     *
     * @param prefix the prefix
     * @param weight the endpoint's weight, 0 for the default
     * @return the request id
     */
    public synchronized long announce(String prefix, int weight) {
        long id = nextRequestId++;
        attach.onNext(PodMessage.newBuilder().setAnnounce(Announce.newBuilder().setRequestId(id).setPrefix(prefix)
                .setEndpoint(endpoint()).setWeight(weight)).build());
        return id;
    }

    /**
     * Withdraws a prefix at every endpoint of the pod (the answer is not waited for).
     *
     * @param prefix the prefix
     */
    public synchronized void withdraw(String prefix) {
        attach.onNext(PodMessage.newBuilder().setWithdraw(io.dmsc.wire.proto.attach.v1.Withdraw.newBuilder()
                .setRequestId(nextRequestId++).setPrefix(prefix)).build());
    }

    /**
     * @param timeout how long to wait
     * @param unit    its unit
     * @return the next AnnounceResult from the gateway (other messages are skipped), or null
     */
    public GatewayMessage nextAnnounceResult(long timeout, TimeUnit unit) {
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        try {
            while (true) {
                GatewayMessage m = inbox.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                if (m == null || m.hasAnnounceResult()) {
                    return m;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    /** @return every message the gateway sent so far, in order */
    public List<GatewayMessage> received() {
        return List.copyOf(received);
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
