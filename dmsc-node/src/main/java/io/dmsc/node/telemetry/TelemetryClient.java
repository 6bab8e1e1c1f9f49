package io.dmsc.node.telemetry;

import io.dmsc.node.config.NeighborConfig;
import io.dmsc.node.config.TelemetryConfig;
import io.dmsc.node.data.Forwarder;
import io.dmsc.node.link.HostPort;
import io.dmsc.node.policy.PolicyTable;
import io.dmsc.node.security.Credentials;
import io.dmsc.node.security.GrpcTls;
import io.dmsc.wire.proto.scsc.v1.LinkQos;
import io.dmsc.wire.proto.scsc.v1.NodeMessage;
import io.dmsc.wire.proto.scsc.v1.PathQos;
import io.dmsc.wire.proto.scsc.v1.Policy;
import io.dmsc.wire.proto.scsc.v1.PolicyAck;
import io.dmsc.wire.proto.scsc.v1.Report;
import io.dmsc.wire.proto.scsc.v1.SchedulerGrpc;
import io.dmsc.wire.proto.scsc.v1.ScscMessage;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.channel.EventLoop;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node's session with the Scheduling Center (signal type 4): every report interval one
 * {@link Report} (the SG's path measurements from its {@link PathSource}, every node's links: up,
 * neighbour RTT, data rates and capacity), and the policies the SCSC sends back installed into
 * the node's {@link PolicyTable} and acknowledged with the reason of a refusal. The SCSCs are tried
 * in order; a broken session is retried with exponential back-off (0.5 s to 10 s, with jitter)
 * on the next one. Installed policies outlive a broken session until their TTL: an SCSC that is
 * down costs optimisation, never a call.
 *
 * <p>Thread: the node's data-plane loop runs the timer, builds reports, and handles the SCSC's
 * messages (they are handed to it), so the stream is only ever written from that thread.
 */
public final class TelemetryClient implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TelemetryClient.class);
    static final long MIN_BACKOFF_MS = 500;
    static final long MAX_BACKOFF_MS = 10_000;
    /** Largest SCSC message taken. */
    static final int MAX_MESSAGE_BYTES = 64 * 1024;

    /** What an SG adds to its reports: the measured paths to egress SGs. Called on the data-plane loop. */
    @FunctionalInterface
    public interface PathSource {
        /** @return one entry per egress SG measured */
        List<PathQos> paths();
    }

    private final String nodeId;
    private final TelemetryConfig config;
    private final EventLoop loop;
    private final Forwarder forwarder;
    private final Supplier<List<NeighborConfig>> neighbors;
    private final PolicyTable policies;
    private final List<ManagedChannel> channels = new ArrayList<>();
    private final Counter reportsSent;
    private final Counter reportBytes;
    private final Counter sessions;
    private final Counter sessionFailures;
    private volatile PathSource pathSource;
    private ScheduledFuture<?> timer;
    private ClientCallStreamObserver<NodeMessage> stream;
    private int server;
    private long sequence;
    private long backoffMs = MIN_BACKOFF_MS;
    private boolean closed;
    private String lastError = "";
    private long connectedSinceMs;

    /**
     * @param nodeId      this node
     * @param config      the SCSCs and the report interval
     * @param credentials the node's certificate, for mutual TLS to the SCSC; null for plaintext
     * @param loop        the node's data-plane loop
     * @param forwarder   the node's data plane (link loads, link state)
     * @param neighbors   the configured neighbours (for link capacities)
     * @param policies    where received policies go
     * @param registry    metrics
     */
    public TelemetryClient(String nodeId, TelemetryConfig config, Supplier<Credentials> credentials, EventLoop loop,
                           Forwarder forwarder, Supplier<List<NeighborConfig>> neighbors, PolicyTable policies,
                           MeterRegistry registry) {
        this.nodeId = nodeId;
        this.config = config;
        this.loop = loop;
        this.forwarder = forwarder;
        this.neighbors = neighbors;
        this.policies = policies;
        io.netty.handler.ssl.SslContext tls = credentials == null || credentials.get() == null ? null
                : GrpcTls.client(credentials);
        for (String s : config.servers()) {
            HostPort hp = HostPort.parse(s);
            NettyChannelBuilder b = NettyChannelBuilder.forAddress(hp.host(), hp.port());
            if (tls == null) {
                b.usePlaintext();
            } else {
                b.sslContext(tls);
            }
            channels.add(b.directExecutor().maxInboundMessageSize(MAX_MESSAGE_BYTES).build());
        }
        reportsSent = Counter.builder("dmsc_telemetry_reports_sent_total").description("Reports sent to the SCSC")
                .register(registry);
        reportBytes = Counter.builder("dmsc_telemetry_report_bytes_total")
                .description("Bytes of the reports sent to the SCSC (protobuf)").register(registry);
        sessions = Counter.builder("dmsc_telemetry_sessions_total").description("Sessions opened with an SCSC")
                .register(registry);
        sessionFailures = Counter.builder("dmsc_telemetry_session_failures_total")
                .description("Sessions with an SCSC that failed or ended").register(registry);
    }

    /** @param value the SG's path measurements, or null */
    public void setPathSource(PathSource value) {
        pathSource = value;
    }

    /** Opens the first session and starts the report timer. */
    public void start() {
        loop.execute(() -> {
            connect();
            timer = loop.scheduleAtFixedRate(this::tick, config.reportIntervalMs(), config.reportIntervalMs(),
                    TimeUnit.MILLISECONDS);
        });
    }

    private void connect() {
        if (closed) {
            return;
        }
        String address = config.servers().get(server);
        ClientResponseObserver<NodeMessage, ScscMessage> observer = new ClientResponseObserver<>() {
            private ClientCallStreamObserver<NodeMessage> mine;

            @Override
            public void beforeStart(ClientCallStreamObserver<NodeMessage> requestStream) {
                mine = requestStream;
            }

            @Override
            public void onNext(ScscMessage value) {
                loop.execute(() -> received(mine, value));
            }

            @Override
            public void onError(Throwable t) {
                loop.execute(() -> ended(mine, address, Status.fromThrowable(t).getCode() + ": "
                        + Status.fromThrowable(t).getDescription()));
            }

            @Override
            public void onCompleted() {
                loop.execute(() -> ended(mine, address, "ended by the SCSC"));
            }
        };
        stream = (ClientCallStreamObserver<NodeMessage>) SchedulerGrpc.newStub(channels.get(server)).connect(observer);
        sessions.increment();
        connectedSinceMs = System.currentTimeMillis();
        sequence = 0;
        send(report());
    }

    private void ended(ClientCallStreamObserver<NodeMessage> which, String address, String why) {
        if (which != stream) {
            return;
        }
        stream = null;
        sessionFailures.increment();
        if (closed) {
            return;
        }
        if (!why.equals(lastError)) {
            LOG.warn("{}: session with the SCSC at {} ended ({}); retrying in {} ms{}", nodeId, address, why,
                    backoffMs, config.servers().size() > 1 ? " with the next SCSC" : "");
        }
        lastError = why;
        server = (server + 1) % config.servers().size();
        long delay = (long) (backoffMs * (0.8 + 0.4 * ThreadLocalRandom.current().nextDouble()));
        backoffMs = Math.min(MAX_BACKOFF_MS, backoffMs * 2);
        loop.schedule(this::connect, delay, TimeUnit.MILLISECONDS);
    }

    private void received(ClientCallStreamObserver<NodeMessage> which, ScscMessage m) {
        if (which != stream) {
            return;
        }
        if (backoffMs != MIN_BACKOFF_MS || !lastError.isEmpty()) {
            LOG.info("{}: session with the SCSC at {} established", nodeId, config.servers().get(server));
        }
        backoffMs = MIN_BACKOFF_MS;
        lastError = "";
        long now = System.nanoTime();
        switch (m.getKindCase()) {
            case INSTALL -> {
                Policy p = m.getInstall();
                String refused = policies.install(p.getId(), p.getPrefix(), p.getIngress(), p.getEgress(),
                        p.getPathList(), p.getTtlMs(), p.getReason(), now);
                if (refused != null) {
                    LOG.warn("{}: policy {} from the SCSC refused: {}", nodeId, p.getId(), refused);
                }
                send(NodeMessage.newBuilder().setAck(PolicyAck.newBuilder().setPolicyId(p.getId())
                        .setInstalled(refused == null).setReason(refused == null ? "" : refused)).build());
            }
            case WITHDRAW -> policies.withdraw(m.getWithdraw().getId(), m.getWithdraw().getReason());
            default -> LOG.debug("{}: unknown message from the SCSC ignored", nodeId);
        }
    }

    private void tick() {
        policies.expire(System.nanoTime());
        if (stream != null) {
            send(report());
        }
    }

    private void send(NodeMessage m) {
        ClientCallStreamObserver<NodeMessage> s = stream;
        if (s == null) {
            return;
        }
        if (m.hasReport() && !s.isReady()) {
            // The SCSC is not reading: skip this report rather than queue it (the next one is newer).
            return;
        }
        s.onNext(m);
        if (m.hasReport()) {
            reportsSent.increment();
            reportBytes.increment(m.getSerializedSize());
        }
    }

    private NodeMessage report() {
        Report.Builder r = Report.newBuilder().setNodeId(nodeId).setSequence(++sequence)
                .setIntervalMs((int) config.reportIntervalMs());
        PathSource ps = pathSource;
        if (ps != null) {
            r.addAllPaths(ps.paths());
        }
        Map<String, Forwarder.LinkLoad> loads = new HashMap<>();
        forwarder.linkLoads().thenAccept(list -> list.forEach(l -> loads.put(l.neighbor(), l)));
        for (NeighborConfig n : neighbors.get()) {
            Forwarder.LinkLoad l = loads.get(n.id());
            LinkQos.Builder q = LinkQos.newBuilder().setNeighbor(n.id()).setUp(forwarder.isLinkUp(n.id()))
                    .setCapacityBytesPerS(n.capacityMbps() * 1e6 / 8);
            if (l != null) {
                q.setRttMs(Double.isNaN(l.rttMs()) ? 0 : l.rttMs()).setTxBytesPerS(l.outBytesPerS())
                        .setRxBytesPerS(l.inBytesPerS());
            }
            r.addLinks(q);
        }
        return NodeMessage.newBuilder().setReport(r).build();
    }

    /** @return what the admin API shows of the session */
    public java.util.concurrent.CompletableFuture<Map<String, Object>> status() {
        java.util.concurrent.CompletableFuture<Map<String, Object>> f = new java.util.concurrent.CompletableFuture<>();
        loop.execute(() -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("servers", config.servers());
            m.put("server", config.servers().get(server));
            m.put("connected", stream != null);
            m.put("since", stream == null ? null : java.time.Instant.ofEpochMilli(connectedSinceMs).toString());
            m.put("reportIntervalMs", config.reportIntervalMs());
            m.put("reportsSent", (long) reportsSent.count());
            m.put("reportBytesPerS", sequence == 0 ? 0 : Math.round(reportBytes.count() / Math.max(1,
                    reportsSent.count()) * 1000 / config.reportIntervalMs()));
            m.put("lastError", lastError.isEmpty() ? null : lastError);
            f.complete(m);
        });
        return f;
    }

    /** Ends the session and closes the channels. Installed policies run out by their TTL. */
    @Override
    public void close() {
        loop.execute(() -> {
            closed = true;
            if (timer != null) {
                timer.cancel(false);
            }
            if (stream != null) {
                stream.onCompleted();
                stream = null;
            }
        });
        for (ManagedChannel c : channels) {
            c.shutdownNow();
        }
    }
}
