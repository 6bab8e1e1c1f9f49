package io.dmsc.scsc;

import io.dmsc.node.DmscNode;
import io.dmsc.node.SchedulerLauncher;
import io.dmsc.node.config.SchedulerConfig;
import io.dmsc.node.link.HostPort;
import io.dmsc.node.security.Credentials;
import io.dmsc.node.security.GrpcTls;
import io.dmsc.node.security.MeshIdentity;
import io.dmsc.routing.MeshView;
import io.dmsc.wire.proto.scsc.v1.LinkQos;
import io.dmsc.wire.proto.scsc.v1.NodeMessage;
import io.dmsc.wire.proto.scsc.v1.PathQos;
import io.dmsc.wire.proto.scsc.v1.Policy;
import io.dmsc.wire.proto.scsc.v1.PolicyWithdraw;
import io.dmsc.wire.proto.scsc.v1.Report;
import io.dmsc.wire.proto.scsc.v1.SchedulerGrpc;
import io.dmsc.wire.proto.scsc.v1.ScscMessage;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Scheduling Center on its node (role SCSC, overload bit set, so it learns the LSDB by
 * flooding and never forwards). Serves {@code dmsc.scsc.v1.Scheduler}: one session per SG or SR,
 * whose reports are checked (impossible values, unknown nodes, a node id that is not the caller's
 * certificate) and rate-limited per session, then kept as the node's latest. Every half report
 * interval one {@link PolicyEngine} round runs on the center's own thread over the LSDB view and
 * the latest reports, and its installs, refreshes and withdrawals go to the sessions of the nodes
 * concerned. A restarted center starts from the LSDB and the next reports; the nodes' policies
 * run out by their TTL meanwhile.
 */
public final class SchedulingCenter implements SchedulerLauncher.Scheduler {
    private static final Logger LOG = LoggerFactory.getLogger(SchedulingCenter.class);
    /** Largest message taken from a node. */
    static final int MAX_MESSAGE_BYTES = 1024 * 1024;
    /** Most paths or links in one report. */
    static final int MAX_ENTRIES = 4096;
    /** Largest delay, jitter or RTT taken, ms (10 minutes). */
    static final double MAX_MS = 600_000;
    /** Largest rate or capacity taken, bytes/s (10 Tbit/s). */
    static final double MAX_RATE = 1.25e12;
    private static final Context.Key<MeshIdentity> CALLER = Context.key("dmsc-scsc-caller");

    private final io.dmsc.node.config.NodeConfig nodeConfig;
    private final SchedulerConfig config;
    private final PolicyEngine engine;
    private final Map<String, Session> sessions = new ConcurrentHashMap<>();
    private final Map<String, PolicyEngine.NodeReport> reports = new ConcurrentHashMap<>();
    private final Map<String, Counter> rejected = new ConcurrentHashMap<>();
    private volatile MeshView view = new MeshView(Map.of(), Map.of());
    private DmscNode node;
    private Server server;
    /** The reports port's accept and connection loop. */
    private io.netty.channel.EventLoopGroup loops;
    private String address;
    private ScheduledExecutorService thread;
    private MeterRegistry registry;
    private Counter received;
    private Counter pushed;
    private Counter computedPolicies;
    private Counter withdrawals;
    private Timer roundTimer;

    SchedulingCenter(io.dmsc.node.config.NodeConfig nodeConfig) {
        this.nodeConfig = nodeConfig;
        this.config = nodeConfig.scheduler();
        this.engine = new PolicyEngine(config);
    }

    /** One node's session. */
    private final class Session {
        final String nodeId;
        final ServerCallStreamObserver<ScscMessage> out;
        /** Token bucket of reports: tokens and when last filled. */
        double tokens;
        long filledNs;
        long reportsTaken;

        Session(String nodeId, ServerCallStreamObserver<ScscMessage> out) {
            this.nodeId = nodeId;
            this.out = out;
            this.tokens = config.maxReportsPerSecond();
            this.filledNs = System.nanoTime();
        }

        synchronized boolean admit(long nowNs) {
            tokens = Math.min(config.maxReportsPerSecond(), tokens + (nowNs - filledNs) / 1e9
                    * config.maxReportsPerSecond());
            filledNs = nowNs;
            if (tokens < 1) {
                return false;
            }
            tokens -= 1;
            return true;
        }

        synchronized void send(ScscMessage m) {
            if (!out.isCancelled()) {
                try {
                    out.onNext(m);
                } catch (RuntimeException e) {
                    LOG.debug("send to {} failed", nodeId, e);
                }
            }
        }
    }

    @Override
    public void start(DmscNode owner) {
        this.node = owner;
        this.registry = owner.metrics().registry();
        received = Counter.builder("dmsc_scsc_reports_received_total").description("Reports taken from nodes")
                .register(registry);
        pushed = Counter.builder("dmsc_scsc_policies_pushed_total")
                .description("Policy installs and refreshes sent to nodes").register(registry);
        computedPolicies = Counter.builder("dmsc_scsc_policies_computed_total")
                .description("Policies computed (new or replaced)").register(registry);
        withdrawals = Counter.builder("dmsc_scsc_policies_withdrawn_total").description("Policies withdrawn")
                .register(registry);
        roundTimer = Timer.builder("dmsc_scsc_round_seconds").description("Duration of one scheduling round")
                .register(registry);
        Gauge.builder("dmsc_scsc_sessions", sessions, Map::size).description("Node sessions held").register(registry);
        Gauge.builder("dmsc_scsc_policies", engine, e -> e.active().size()).description("Policies in force")
                .register(registry);
        HostPort hp = HostPort.parse(config.listen());
        io.dmsc.node.config.LimitsConfig limits = owner.config().limits();
        loops = io.dmsc.node.link.EventLoops.newGroup(1, "dmsc-scsc-" + owner.id() + "-io");
        NettyServerBuilder b = new io.dmsc.node.grpc.ConnectionLimitHandler(owner.id(), "scheduler", "limits",
                "dmsc_scsc_connections", limits.maxGrpcConnections(), limits.grpcHandshakeTimeoutMs(), registry)
                .applyTo(NettyServerBuilder.forAddress(new InetSocketAddress(hp.host(), hp.port())))
                .bossEventLoopGroup(loops).workerEventLoopGroup(loops);
        io.grpc.ServerServiceDefinition definition = new Service().bindService();
        Credentials creds = owner.credentials();
        if (creds != null) {
            b.sslContext(GrpcTls.server(owner::credentials, io.netty.handler.ssl.ClientAuth.REQUIRE));
            definition = ServerInterceptors.intercept(definition, new ServerInterceptor() {
                @Override
                public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                                  ServerCallHandler<Q, R> next) {
                    MeshIdentity id;
                    try {
                        id = GrpcTls.peer(call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION));
                    } catch (IllegalArgumentException e) {
                        id = null;
                    }
                    return Contexts.interceptCall(Context.current().withValue(CALLER, id), call, headers, next);
                }
            });
        }
        thread = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "dmsc-scsc-" + owner.id());
            t.setDaemon(true);
            return t;
        });
        try {
            server = b.addService(definition).maxInboundMessageSize(MAX_MESSAGE_BYTES)
                    .maxInboundMetadataSize(8 * 1024).maxConcurrentCallsPerConnection(4)
                    .permitKeepAliveTime(10, TimeUnit.SECONDS).build().start();
        } catch (IOException e) {
            loops.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            throw new IllegalStateException(owner.id() + ": cannot listen on " + config.listen() + " for reports: "
                    + e.getMessage() + " (expected: a free host:port)", e);
        }
        address = hp.host() + ":" + server.getPort();
        long period = Math.max(50, config.reportIntervalMs() / 2);
        thread.scheduleWithFixedDelay(this::round, period, period, TimeUnit.MILLISECONDS);
        LOG.info("{}: Scheduling Center on {} ({}), thresholds {}, TTL {} ms, hysteresis {} ms", owner.id(), address,
                creds == null ? "plaintext" : "mutual TLS", config.thresholds(), config.policyTtlMs(),
                config.hysteresisMs());
    }

    @Override
    public String address() {
        return address;
    }

    private void round() {
        try {
            MeshView v = node.conductor().meshView().get(5, TimeUnit.SECONDS);
            view = v;
            long now = System.nanoTime();
            List<PolicyEngine.Action> actions = roundTimer.recordCallable(() -> engine.round(v, reports, now));
            for (PolicyEngine.Action a : actions) {
                send(a);
            }
        } catch (Exception e) {
            LOG.warn("{}: scheduling round failed", node.id(), e);
        }
    }

    private void send(PolicyEngine.Action a) {
        PolicyEngine.Active p = a.policy();
        ScscMessage m;
        if (a.install()) {
            if (!"refresh".equals(a.reason())) {
                computedPolicies.increment();
                LOG.info("{}: policy {} for {} at {}: {} over {} ({})", node.id(), p.id, p.prefix, p.ingress,
                        p.egress, p.path, p.reason);
            }
            m = ScscMessage.newBuilder().setInstall(Policy.newBuilder().setId(p.id).setPrefix(p.prefix.toString())
                    .setIngress(p.ingress).setEgress(p.egress).addAllPath(p.path).setTtlMs((int) config.policyTtlMs())
                    .setReason(p.reason)).build();
        } else {
            withdrawals.increment();
            LOG.info("{}: policy {} for {} at {} withdrawn: {}", node.id(), p.id, p.prefix, p.ingress, a.reason());
            m = ScscMessage.newBuilder().setWithdraw(PolicyWithdraw.newBuilder().setId(p.id).setReason(a.reason()))
                    .build();
        }
        for (String n : a.nodes()) {
            Session s = sessions.get(n);
            if (s != null) {
                s.send(m);
                if (a.install()) {
                    pushed.increment();
                }
            }
        }
    }

    private void reject(String reason) {
        rejected.computeIfAbsent(reason, r -> Counter.builder("dmsc_scsc_reports_rejected_total").tag("reason", r)
                .description("Reports refused, by reason").register(registry)).increment();
    }

    /**
     * @return why the report cannot be used (metric reason, then a sentence), or null
     */
    String[] check(Report r, String sessionNode) {
        return check(r, sessionNode, view);
    }

    /**
     * @param v the mesh the report is checked against
     * @return why the report cannot be used (metric reason, then a sentence), or null
     */
    static String[] check(Report r, String sessionNode, MeshView v) {
        if (sessionNode != null && !r.getNodeId().equals(sessionNode)) {
            return new String[] {"wrong_identity", "report for " + r.getNodeId() + " in the session of " + sessionNode};
        }
        if (!v.nodes().containsKey(r.getNodeId())) {
            return new String[] {"unknown_node", "node '" + printable(r.getNodeId()) + "' is not in the link-state "
                    + "database (expected: an SG or SR of this mesh)"};
        }
        if (r.getPathsCount() > MAX_ENTRIES || r.getLinksCount() > MAX_ENTRIES) {
            return new String[] {"too_large", r.getPathsCount() + " paths and " + r.getLinksCount() + " links "
                    + "(expected: at most " + MAX_ENTRIES + " each)"};
        }
        for (PathQos q : r.getPathsList()) {
            if (!v.nodes().containsKey(q.getEgress())) {
                return new String[] {"unknown_node", "path to unknown node '" + printable(q.getEgress()) + "'"};
            }
            if (!range(q.getDelayMs(), MAX_MS) || !range(q.getJitterMs(), MAX_MS) || !range(q.getLossRatio(), 1)
                    || !range(q.getThroughputBytesPerS(), MAX_RATE)) {
                return new String[] {"impossible_value", "path to " + q.getEgress() + ": delay " + q.getDelayMs()
                        + " ms, jitter " + q.getJitterMs() + " ms, loss " + q.getLossRatio() + ", throughput "
                        + q.getThroughputBytesPerS() + " B/s (expected: delay and jitter 0.." + (long) MAX_MS
                        + " ms, loss 0..1, throughput 0.." + (long) MAX_RATE + " B/s)"};
            }
        }
        for (LinkQos l : r.getLinksList()) {
            if (!v.nodes().containsKey(l.getNeighbor())) {
                return new String[] {"unknown_node", "link to unknown node '" + printable(l.getNeighbor()) + "'"};
            }
            double cap = l.getCapacityBytesPerS();
            double limit = cap > 0 ? Math.min(MAX_RATE, cap * 100) : MAX_RATE;
            if (!range(l.getRttMs(), MAX_MS) || !range(cap, MAX_RATE) || !range(l.getTxBytesPerS(), limit)
                    || !range(l.getRxBytesPerS(), limit)) {
                return new String[] {"impossible_value", "link to " + l.getNeighbor() + ": rtt " + l.getRttMs()
                        + " ms, tx " + l.getTxBytesPerS() + " B/s, rx " + l.getRxBytesPerS() + " B/s, capacity " + cap
                        + " B/s (expected: rtt 0.." + (long) MAX_MS + " ms, rates 0..100 x capacity)"};
            }
        }
        return null;
    }

    private static boolean range(double v, double max) {
        return v >= 0 && v <= max; // false for NaN
    }

    private static String printable(String s) {
        String t = s.length() > 64 ? s.substring(0, 64) + "..." : s;
        return t.replaceAll("[^\\x20-\\x7e]", "?");
    }

    private final class Service extends SchedulerGrpc.SchedulerImplBase {
        @Override
        public StreamObserver<NodeMessage> connect(StreamObserver<ScscMessage> responses) {
            ServerCallStreamObserver<ScscMessage> out = (ServerCallStreamObserver<ScscMessage>) responses;
            MeshIdentity caller = CALLER.get();
            return new StreamObserver<>() {
                Session session;
                boolean ended;

                @Override
                public void onNext(NodeMessage m) {
                    if (ended) {
                        return;
                    }
                    long now = System.nanoTime();
                    if (session == null) {
                        if (!m.hasReport()) {
                            end(Status.INVALID_ARGUMENT, "the first message is not a report (expected: a Report "
                                    + "naming the node)");
                            return;
                        }
                        String id = m.getReport().getNodeId();
                        if (node.credentials() != null && (caller == null
                                || caller.kind() != MeshIdentity.Kind.NODE || !caller.id().equals(id)
                                || !caller.mesh().equals(node.credentials().identity().mesh()))) {
                            reject("wrong_identity");
                            end(Status.PERMISSION_DENIED, "report for '" + printable(id) + "' from "
                                    + (caller == null ? "a caller without a mesh certificate" : caller.toString())
                                    + " (expected: the node's own certificate)");
                            return;
                        }
                        if (!view.nodes().containsKey(id) || view.nodes().get(id).role()
                                == io.dmsc.wire.link.NodeRole.SCSC) {
                            reject("unknown_node");
                            end(Status.PERMISSION_DENIED, "node '" + printable(id) + "' is not an SG or SR in the "
                                    + "link-state database of " + node.id() + " (expected: a node of this mesh)");
                            return;
                        }
                        if (sessions.size() >= config.maxSessions() && !sessions.containsKey(id)) {
                            reject("too_many_sessions");
                            end(Status.RESOURCE_EXHAUSTED, "the SCSC holds " + config.maxSessions() + " sessions "
                                    + "(expected: fewer nodes, or a larger maxSessions)");
                            return;
                        }
                        session = new Session(id, out);
                        Session old = sessions.put(id, session);
                        if (old != null) {
                            old.out.onError(Status.ALREADY_EXISTS.withDescription("a newer session of " + id
                                    + " replaced this one").asRuntimeException());
                        }
                        LOG.info("{}: {} reports now", node.id(), id);
                    }
                    if (m.hasAck()) {
                        if (!m.getAck().getInstalled()) {
                            long id = m.getAck().getPolicyId();
                            String reason = printable(m.getAck().getReason());
                            LOG.warn("{}: {} refused policy {}: {}", node.id(), session.nodeId, id, reason);
                            thread.execute(() -> {
                                PolicyEngine.Action a = engine.refused(id, session.nodeId, reason, System.nanoTime());
                                if (a != null) {
                                    send(a);
                                }
                            });
                        }
                        return;
                    }
                    if (!m.hasReport()) {
                        reject("empty");
                        return;
                    }
                    if (!session.admit(now)) {
                        reject("rate_limited");
                        return;
                    }
                    String[] problem = check(m.getReport(), session.nodeId);
                    if (problem != null) {
                        reject(problem[0]);
                        LOG.debug("{}: report of {} refused: {}", node.id(), session.nodeId, problem[1]);
                        return;
                    }
                    received.increment();
                    session.reportsTaken++;
                    reports.put(session.nodeId, new PolicyEngine.NodeReport(m.getReport(), now));
                }

                private void end(Status status, String why) {
                    ended = true;
                    LOG.info("{}: session refused: {}", node.id(), why);
                    out.onError(status.withDescription(why).asRuntimeException());
                }

                @Override
                public void onError(Throwable t) {
                    gone();
                }

                @Override
                public void onCompleted() {
                    gone();
                    if (!ended) {
                        out.onCompleted();
                    }
                }

                private void gone() {
                    if (session != null && sessions.remove(session.nodeId, session)) {
                        LOG.info("{}: session of {} ended", node.id(), session.nodeId);
                    }
                }
            };
        }
    }

    @Override
    public CompletableFuture<Map<String, Object>> status() {
        CompletableFuture<Map<String, Object>> f = new CompletableFuture<>();
        thread.execute(() -> {
            long now = System.nanoTime();
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("listen", address);
            m.put("reportIntervalMs", config.reportIntervalMs());
            m.put("thresholds", config.thresholds());
            m.put("policyTtlMs", config.policyTtlMs());
            m.put("hysteresisMs", config.hysteresisMs());
            m.put("lastRoundMs", engine.lastRoundNs / 1e6);
            List<Map<String, Object>> nodes = new ArrayList<>();
            for (Map.Entry<String, PolicyEngine.NodeReport> e : new java.util.TreeMap<>(reports).entrySet()) {
                Map<String, Object> r = new LinkedHashMap<>();
                Report rep = e.getValue().report();
                r.put("node", e.getKey());
                r.put("connected", sessions.containsKey(e.getKey()));
                r.put("lastReportMsAgo", TimeUnit.NANOSECONDS.toMillis(now - e.getValue().receivedNs()));
                r.put("sequence", rep.getSequence());
                List<Map<String, Object>> paths = new ArrayList<>();
                for (PathQos q : rep.getPathsList()) {
                    paths.add(Map.of("egress", q.getEgress(), "delayMs", round(q.getDelayMs()), "jitterMs",
                            round(q.getJitterMs()), "lossPercent", round(q.getLossRatio() * 100)));
                }
                r.put("paths", paths);
                List<Map<String, Object>> links = new ArrayList<>();
                for (LinkQos l : rep.getLinksList()) {
                    links.add(Map.of("neighbor", l.getNeighbor(), "up", l.getUp(), "rttMs", round(l.getRttMs()),
                            "txBytesPerS", l.getTxBytesPerS(), "rxBytesPerS", l.getRxBytesPerS(), "capacityBytesPerS",
                            l.getCapacityBytesPerS()));
                }
                r.put("links", links);
                nodes.add(r);
            }
            m.put("nodes", nodes);
            m.put("nodesInLsdb", view.nodes().size());
            m.put("prefixes", view.prefixes().size());
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("scsc", m);
            List<Map<String, Object>> policies = new ArrayList<>();
            for (PolicyEngine.Active a : engine.active()) {
                Map<String, Object> r = new LinkedHashMap<>();
                r.put("id", a.id);
                r.put("prefix", a.prefix.toString());
                r.put("ingress", a.ingress);
                r.put("egress", a.egress);
                r.put("path", a.path);
                r.put("role", "scsc");
                r.put("ttlLeftMs", Math.max(0, config.policyTtlMs() - TimeUnit.NANOSECONDS.toMillis(now - a.lastPushNs)));
                r.put("ageMs", TimeUnit.NANOSECONDS.toMillis(now - a.createdNs));
                r.put("reason", a.reason);
                policies.add(r);
            }
            out.put("policies", policies);
            f.complete(out);
        });
        return f;
    }

    private static double round(double v) {
        return Math.round(v * 1000) / 1000.0;
    }

    @Override
    public void close() {
        if (server != null) {
            server.shutdownNow();
        }
        if (thread != null) {
            thread.shutdownNow();
        }
        if (loops != null) {
            if (server != null) {
                try {
                    server.awaitTermination(2, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            loops.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
    }
}
