package io.dmsc.gateway.pod;

import static org.assertj.core.api.Assertions.assertThat;

import io.dmsc.node.link.EventLoops;
import io.dmsc.wire.ServicePrefix;
import io.dmsc.wire.proto.attach.v1.Announce;
import io.dmsc.wire.proto.attach.v1.GatewayMessage;
import io.dmsc.wire.proto.attach.v1.Hello;
import io.dmsc.wire.proto.attach.v1.PodGatewayGrpc;
import io.dmsc.wire.proto.attach.v1.PodMessage;
import io.dmsc.wire.proto.attach.v1.Withdraw;
import io.grpc.BindableService;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A real SG attach port on loopback for tests: one event loop, a {@link PodRegistry} with a
 * 100 ms health-check interval, an {@link AttachService} on a gRPC server on port 0, and helpers
 * for pods (attach clients) and pod endpoints (gRPC servers on port 0). Closes all it started.
 */
final class AttachHarness implements AutoCloseable {
    static final long HEALTH_INTERVAL_MS = 100;
    static final String GATEWAY_ID = "sg-1";

    final EventLoopGroup group = EventLoops.newGroup(1, "test");
    final EventLoop loop = group.next();
    /** Every list the registry published, in order. */
    final List<List<io.dmsc.wire.link.PrefixEntry>> published = new CopyOnWriteArrayList<>();
    final PodRegistry registry;
    final Server server;
    final ManagedChannel channel;
    private final List<PodClient> pods = new ArrayList<>();
    private final List<Server> endpoints = new ArrayList<>();

    AttachHarness() throws IOException {
        this(PrefixAdmission.allowAll(), AttachService.DEFAULT_MAX_ANNOUNCEMENTS_PER_POD);
    }

    AttachHarness(PrefixAdmission admission, int maxAnnouncementsPerPod) throws IOException {
        registry = new PodRegistry(loop, published::add, HEALTH_INTERVAL_MS, 2);
        AttachService service = new AttachService(GATEWAY_ID, registry, admission, maxAnnouncementsPerPod);
        server = startServer(service.serviceDefinition());
        channel = NettyChannelBuilder.forAddress("127.0.0.1", server.getPort())
                .eventLoopGroup(group)
                .channelType(EventLoops.socketChannel())
                .usePlaintext()
                .build();
    }

    private Server startServer(ServerServiceDefinition... services) throws IOException {
        NettyServerBuilder b = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                .bossEventLoopGroup(loop)
                .workerEventLoopGroup(loop)
                .channelType(EventLoops.serverChannel())
                .directExecutor();
        for (ServerServiceDefinition s : services) {
            b.addService(s);
        }
        return b.build().start();
    }

    /** Starts a pod endpoint: a gRPC server on a loopback port 0 with the given services. */
    Server startEndpoint(BindableService... services) throws IOException {
        ServerServiceDefinition[] defs = new ServerServiceDefinition[services.length];
        for (int i = 0; i < services.length; i++) {
            defs[i] = services[i].bindService();
        }
        Server s = startServer(defs);
        endpoints.add(s);
        return s;
    }

    static String address(Server s) {
        return "127.0.0.1:" + s.getPort();
    }

    /** Opens an attach stream. */
    PodClient openPod() {
        PodClient pod = new PodClient();
        PodGatewayGrpc.newStub(channel).attach(pod);
        pods.add(pod);
        return pod;
    }

    /** Opens an attach stream, says Hello and checks the Welcome. */
    PodClient attach(String podId) throws InterruptedException {
        PodClient pod = openPod();
        pod.hello(podId, "token-of-" + podId);
        assertThat(pod.next().getWelcome().getGatewayId()).isEqualTo(GATEWAY_ID);
        return pod;
    }

    /** The last list of prefixes the registry published, as text. */
    List<String> lastPublished() {
        if (published.isEmpty()) {
            return List.of();
        }
        return published.get(published.size() - 1).stream().map(e -> e.prefix().toString()).toList();
    }

    /** {@link LocalEndpoints#select} run on the registry's loop, where the data plane runs it. */
    PodEndpoint select(String routedName) {
        return CompletableFuture.supplyAsync(() -> registry.endpoints().select(routedName), loop).join();
    }

    @Override
    public void close() {
        for (PodClient pod : pods) {
            pod.cancel();
        }
        registry.close();
        channel.shutdownNow();
        server.shutdownNow();
        for (Server s : endpoints) {
            s.shutdownNow();
        }
        try {
            channel.awaitTermination(10, TimeUnit.SECONDS);
            server.awaitTermination(10, TimeUnit.SECONDS);
            for (Server s : endpoints) {
                s.awaitTermination(10, TimeUnit.SECONDS);
            }
            group.shutdownGracefully(0, 5, TimeUnit.SECONDS).await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while stopping the test SG", e);
        }
    }

    /** The pod side of one attach stream. */
    static final class PodClient implements ClientResponseObserver<PodMessage, GatewayMessage> {
        final LinkedBlockingQueue<GatewayMessage> received = new LinkedBlockingQueue<>();
        final CompletableFuture<Status> closed = new CompletableFuture<>();
        private volatile ClientCallStreamObserver<PodMessage> requests;

        @Override
        public void beforeStart(ClientCallStreamObserver<PodMessage> requestStream) {
            this.requests = requestStream;
        }

        @Override
        public void onNext(GatewayMessage value) {
            received.add(value);
        }

        @Override
        public void onError(Throwable t) {
            closed.complete(Status.fromThrowable(t));
        }

        @Override
        public void onCompleted() {
            closed.complete(Status.OK);
        }

        void send(PodMessage message) {
            requests.onNext(message);
        }

        void hello(String podId, String credential) {
            send(PodMessage.newBuilder().setHello(Hello.newBuilder().setPodId(podId).setCredential(credential)).build());
        }

        void announce(long requestId, String prefix, String endpoint, int weight) {
            send(PodMessage.newBuilder().setAnnounce(Announce.newBuilder().setRequestId(requestId).setPrefix(prefix)
                    .setEndpoint(endpoint).setWeight(weight)).build());
        }

        void withdraw(long requestId, String prefix, String endpoint) {
            send(PodMessage.newBuilder().setWithdraw(Withdraw.newBuilder().setRequestId(requestId).setPrefix(prefix)
                    .setEndpoint(endpoint)).build());
        }

        /** @return the next message from the SG, waiting up to 10 s */
        GatewayMessage next() throws InterruptedException {
            GatewayMessage m = received.poll(10, TimeUnit.SECONDS);
            assertThat(m).as("a message from the SG within 10 s").isNotNull();
            return m;
        }

        /** @return how the SG ended the stream, waiting up to 10 s */
        Status awaitClose() throws Exception {
            return closed.get(10, TimeUnit.SECONDS);
        }

        void halfClose() {
            requests.onCompleted();
        }

        void cancel() {
            if (!closed.isDone()) {
                requests.cancel("test ends the pod", null);
            }
        }
    }
}
