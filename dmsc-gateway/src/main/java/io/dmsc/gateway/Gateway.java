package io.dmsc.gateway;

import io.dmsc.gateway.pod.AttachService;
import io.dmsc.gateway.pod.PodEndpoint;
import io.dmsc.gateway.pod.PodRegistry;
import io.dmsc.gateway.pod.PrefixAdmission;
import io.dmsc.gateway.pod.Renewals;
import io.dmsc.gateway.spa.SpaAdmission;
import io.dmsc.gateway.spa.SpaClient;
import io.dmsc.node.DmscNode;
import io.dmsc.node.NodeExtension;
import io.dmsc.node.config.GatewayConfig;
import io.dmsc.node.config.NodeConfig;
import io.dmsc.node.config.UpstreamConfig;
import io.dmsc.node.data.DataPlaneMetrics;
import io.dmsc.node.data.Forwarder;
import io.dmsc.node.grpc.ConnectionLimitHandler;
import io.dmsc.node.link.HostPort;
import io.dmsc.node.link.LinkException;
import io.dmsc.wire.ServicePrefix;
import io.dmsc.wire.link.PrefixEntry;
import io.grpc.Channel;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.netty.NettyServerBuilder;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.EventLoop;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Service Gateway's pod-facing side, run as an extension of an SG node: the pod-facing gRPC
 * port (attach API of signal type 1, diagnostics, and the catch-all ingress of calls), the
 * upstream ports bound to prefixes, and the egress of calls to the local pods' endpoints. The
 * prefixes of attached, healthy pods are advertised with the node's static prefixes.
 *
 * <p>Thread: the gRPC servers and the channels to pods run with a direct executor on the node's
 * data-plane event loop, the loop of its links and forwarder, so a call is switched from pod to
 * link without a thread hop. Start and close are called from the node's owner.
 */
public final class Gateway implements NodeExtension, GatewayContext {
    private static final Logger LOG = LoggerFactory.getLogger(Gateway.class);

    private final GatewayConfig config;
    private PrefixAdmission admission;
    private SpaClient spaClient;
    private final List<Server> upstreamServers = new ArrayList<>();
    private final Map<String, String> upstreamAddresses = new LinkedHashMap<>();
    private final Map<String, MethodDescriptor<byte[], byte[]>> methods = new HashMap<>();
    private DmscNode node;
    private Forwarder forwarder;
    private PodRegistry registry;
    private Server podServer;
    private GatewayConfig.PodTls podTls;
    /** Path measurement to the egress SGs, or null when off. */
    private QosMonitor qos;
    private GatewayMetrics metrics;
    private RetryPolicies retryPolicies;
    private Set<ServicePrefix> staticPrefixes;
    /** Static prefixes with their authorization (granted, or unsigned without SPA). Data-plane loop only. */
    private final Map<ServicePrefix, StaticGrant> staticGrants = new LinkedHashMap<>();
    /** The pods' prefixes last published by the registry. Data-plane loop only. */
    private List<PrefixEntry> podEntries = List.of();
    /** The SG's own token for its static prefixes (a secret: never logged). */
    private String sgToken = "";
    private volatile boolean closed;

    /** A static prefix's current authorization. */
    private record StaticGrant(PrefixEntry entry, long untilMs) {
    }
    /** Ingress calls in flight. Data-plane loop only. */
    private int callsInFlight;
    /** Sheds new calls to a target whose answers slow down; on the data loop. */
    private AdmissionLimiter limiter;
    /** The replica choice without a policy. Data-plane loop only. */
    private final ReplicaSelector replicas = new ReplicaSelector();
    /** The node's forwarding policies from the SCSC (consulted before the replica selector). */
    private io.dmsc.node.policy.PolicyTable policies;

    /**
     * @param config    the gateway settings
     * @param admission decides who may own which prefix; null: the SPAs of {@code config.spa()},
     *                  or every prefix granted without authorization when it has none
     */
    public Gateway(GatewayConfig config, PrefixAdmission admission) {
        this.config = config;
        this.admission = admission;
    }

    /**
     * The extensions of a node: a gateway for every SG that has a pod-facing side, asking the
     * SPAs of its settings (or granting everything unsigned when it has none).
     *
     * @return the factory
     */
    public static NodeExtension.Factory factory() {
        return (NodeConfig c) -> c.gateway() == null ? List.of() : List.of(new Gateway(c.gateway(), null));
    }

    /**
     * @param admission decides who may own which prefix
     * @return the factory
     */
    public static NodeExtension.Factory factory(PrefixAdmission admission) {
        return (NodeConfig c) -> c.gateway() == null ? List.of() : List.of(new Gateway(c.gateway(), admission));
    }

    @Override
    public void start(DmscNode owner) {
        this.node = owner;
        this.forwarder = owner.forwarder();
        this.metrics = new GatewayMetrics(owner.metrics().registry());
        this.limiter = new AdmissionLimiter(config.maxCallsInFlight(), config.adaptiveAdmission());
        io.micrometer.core.instrument.FunctionCounter.builder("dmsc_calls_shed", limiter, AdmissionLimiter::shed)
                .description("Ingress calls refused RESOURCE_EXHAUSTED at once because the answers of their target "
                        + "slowed down (gateway.adaptiveAdmission)").register(owner.metrics().registry());
        this.retryPolicies = new RetryPolicies(config.retryPolicies(), config.retryBudget());
        this.staticPrefixes = new LinkedHashSet<>(owner.config().prefixes());
        if (admission == null) {
            if (config.spa() == null) {
                admission = PrefixAdmission.allowAll();
            } else {
                spaClient = new SpaClient(owner.id(), config.spa(),
                        owner.credentials() == null ? null : owner::credentials);
                admission = new SpaAdmission(owner.id(), spaClient);
                sgToken = readToken(config.spa().tokenFile());
                LOG.info("{}: prefixes authorized by SPA {}", owner.id(), config.spa().servers());
            }
        }
        EventLoop loop = owner.dataLoop();
        registry = new PodRegistry(loop, this::podPrefixesChanged, config.healthCheckIntervalMs(), 2);
        io.dmsc.node.config.LimitsConfig limits = owner.config().limits();
        registry.limitPods(limits.maxPods(), limits.maxPendingAdmissions());
        registry.limitAdvertisements(owner.id(), owner.conductor().advertisementBudget(),
                limits.podPrefixSharePercent());
        registerLimitMetrics(owner.metrics().registry());
        DiagnosticsService diagnostics = new DiagnosticsService(forwarder);
        forwarder.setProbeListener(diagnostics);
        if (config.qosProbeIntervalMs() > 0) {
            qos = new QosMonitor(owner.id(), forwarder, diagnostics, loop, config.qosProbeIntervalMs(),
                    owner.metrics().registry());
            qos.start();
        }
        policies = owner.policies();
        if (qos != null && owner.telemetry() != null) {
            owner.telemetry().setPathSource(qos::reports);
        }
        forwarder.setLocalDelivery((open, upstream) -> EgressCall.accept(this, open, upstream));
        String mesh = owner.credentials() == null ? null : owner.credentials().identity().mesh();
        podTls = portTls(config.pod(), "pod-facing", true);
        podServer = serve(config.pod(), "pod-facing", podTls, builder -> builder
                .addService(new AttachService(owner.id(), registry, admission, limits.maxAnnouncementsPerPod(),
                        mesh).serviceDefinition())
                .addService(diagnostics)
                .fallbackHandlerRegistry(new IngressHandler(this, null)));
        for (UpstreamConfig u : config.upstreams()) {
            Server s = serve(u.listen(), "upstream " + u.target(), portTls(u.listen(), "upstream " + u.target(), false),
                    builder -> builder.fallbackHandlerRegistry(new IngressHandler(this, u.target())));
            upstreamServers.add(s);
            upstreamAddresses.put(u.target().toString(), address(u.listen(), s));
        }
        LOG.info("{}: gateway pod-facing port {} ({}){}", owner.id(), podAddress(), describe(podTls),
                upstreamAddresses.isEmpty() ? "" : ", upstream ports " + upstreamAddresses);
        loop.execute(() -> {
            for (ServicePrefix p : staticPrefixes) {
                authorizeStatic(p, 0);
            }
        });
    }

    /**
     * The transport security of one pod-facing port: the configured one, or by default TLS when
     * the node has certificate files (for upstream ports: unless they are on loopback, where
     * plain local clients use them). Plaintext on an address other than loopback is refused in a
     * secured mesh: a pod's token would cross the network in the clear.
     */
    private GatewayConfig.PodTls portTls(String address, String what, boolean podPort) {
        io.dmsc.node.config.SecurityConfig sec = node.config().security();
        boolean loopback = isLoopback(HostPort.parse(address).host());
        GatewayConfig.PodTls mode = config.podTls();
        if (mode == GatewayConfig.PodTls.DEFAULT) {
            mode = sec.mode() == io.dmsc.node.config.SecurityConfig.Mode.FILES && (podPort || !loopback)
                    ? GatewayConfig.PodTls.TLS : GatewayConfig.PodTls.PLAINTEXT;
        }
        if (mode != GatewayConfig.PodTls.PLAINTEXT && node.credentials() == null) {
            throw new LinkException(node.id() + ": gateway.podTls: " + mode.name().toLowerCase(java.util.Locale.ROOT)
                    + " needs the node's certificate (expected: security: {ca, cert, key} in the node file, or "
                    + "security in the topology)", null);
        }
        if (mode == GatewayConfig.PodTls.PLAINTEXT && sec.mode() != io.dmsc.node.config.SecurityConfig.Mode.OFF
                && !loopback) {
            throw new LinkException(node.id() + ": the " + what + " port " + address + " would be plaintext on an "
                    + "address other than loopback in a secured mesh (expected: gateway.podTls: tls or mutual, or a "
                    + "loopback address such as 127.0.0.1 for development)", null);
        }
        return mode;
    }

    private static boolean isLoopback(String host) {
        try {
            return java.net.InetAddress.getByName(host).isLoopbackAddress();
        } catch (java.net.UnknownHostException e) {
            return false;
        }
    }

    private static String describe(GatewayConfig.PodTls mode) {
        return switch (mode) {
            case TLS -> "TLS; pods prove themselves with a pod certificate or a token";
            case MUTUAL -> "TLS; every pod presents a pod certificate";
            default -> "plaintext";
        };
    }

    private String readToken(java.nio.file.Path file) {
        if (file == null) {
            if (!staticPrefixes.isEmpty() && node.credentials() == null) {
                LOG.warn("{}: gateway.spa has no tokenFile: static prefixes {} cannot be authorized", node.id(),
                        staticPrefixes);
            }
            return "";
        }
        try {
            return io.dmsc.wire.TextFiles.read(file, java.nio.charset.StandardCharsets.UTF_8,
                    "a readable file with the token on one line").trim();
        } catch (IllegalArgumentException e) {
            throw new LinkException(node.id() + ": the SG token file " + e.getMessage(), e);
        }
    }

    /** Asks for (or renews) the authorization of a static prefix, with the SG's own identity. On the loop. */
    private void authorizeStatic(ServicePrefix prefix, int failures) {
        if (closed) {
            return;
        }
        // Without a token, and with a certificate the SPA sees on the TLS channel, the SG's identity is its certificate.
        String certificate = sgToken.isEmpty() && node.credentials() != null ? node.credentials().identity().uri() : "";
        admission.admit(new PrefixAdmission.Request("", sgToken, prefix, "", true, certificate)).whenComplete((d, t) ->
                node.dataLoop().execute(() -> onStaticDecision(prefix, failures, d, t)));
    }

    private void onStaticDecision(ServicePrefix prefix, int failures, PrefixAdmission.Decision d, Throwable t) {
        if (closed) {
            return;
        }
        EventLoop loop = node.dataLoop();
        if (t != null || d == null) {
            StaticGrant held = staticGrants.get(prefix);
            if (failures == 0 || held == null) {
                LOG.warn("{}: static prefix {}: no prefix authority answered ({}); retrying", node.id(), prefix,
                        t == null ? "no decision" : t.getMessage());
            }
            loop.schedule(() -> authorizeStatic(prefix, failures + 1), Renewals.retryDelayMs(failures + 1),
                    TimeUnit.MILLISECONDS);
            return;
        }
        if (!d.granted()) {
            LOG.error("{}: static prefix {} denied by the prefix authority: {}: {}; not advertised, asking again "
                    + "in 30 s", node.id(), prefix, d.reason(), d.message());
            if (staticGrants.remove(prefix) != null) {
                publishPrefixes();
            }
            loop.schedule(() -> authorizeStatic(prefix, 0), 30, TimeUnit.SECONDS);
            return;
        }
        StaticGrant grant = new StaticGrant(new PrefixEntry(prefix, 0, d.authorization()), d.authorizedUntilMs());
        boolean first = !staticGrants.containsKey(prefix);
        staticGrants.put(prefix, grant);
        publishPrefixes();
        if (d.authorizedUntilMs() == 0) {
            return;
        }
        if (first) {
            LOG.info("{}: static prefix {} authorized until {}", node.id(), prefix,
                    java.time.Instant.ofEpochMilli(d.authorizedUntilMs()));
        }
        long now = System.currentTimeMillis();
        loop.schedule(() -> authorizeStatic(prefix, 0), Renewals.renewDelayMs(now, d.authorizedUntilMs()),
                TimeUnit.MILLISECONDS);
        loop.schedule(() -> {
            if (!closed && staticGrants.get(prefix) == grant) {
                LOG.warn("{}: static prefix {}: authorization expired unrenewed; withdrawn", node.id(), prefix);
                staticGrants.remove(prefix);
                publishPrefixes();
            }
        }, Math.max(0, d.authorizedUntilMs() - now), TimeUnit.MILLISECONDS);
    }

    /**
     * Deprecated in Netty 4.2 in favour of a whole receive allocator; replacing the allocator that
     * way made the 10,000-stream test stall once, setting the count on the channel's own one did not.
     */
    @SuppressWarnings("deprecation")
    private static final io.netty.channel.ChannelOption<Integer> MAX_MESSAGES_PER_READ =
            io.netty.channel.ChannelOption.MAX_MESSAGES_PER_READ;

    private interface Customizer {
        NettyServerBuilder apply(NettyServerBuilder b);
    }

    private Server serve(String address, String what, GatewayConfig.PodTls tls, Customizer customizer) {
        HostPort hp = HostPort.parse(address);
        EventLoop loop = node.dataLoop();
        GatewayConfig.PodPort limits = config.podPort();
        ConnectionLimitHandler limiter = new ConnectionLimitHandler(node.id(), what, "gateway.podPort",
                "dmsc_pod_connections", limits.maxConnections(), limits.handshakeTimeoutMs(), node.metrics().registry());
        NettyServerBuilder b = limiter.applyTo(
                        NettyServerBuilder.forAddress(new InetSocketAddress(hp.host(), hp.port())))
                .maxInboundMetadataSize(limits.maxMetadataBytes())
                .bossEventLoopGroup(loop)
                .workerEventLoopGroup(loop)
                .directExecutor()
                .maxInboundMessageSize(config.maxMessageBytes())
                // One read per loop turn from any one pod connection: a burst of new calls waits in
                // TCP (the pods' own back-pressure) instead of keeping the loop from the node's links,
                // whose hellos and replies share the same thread.
                .withChildOption(MAX_MESSAGES_PER_READ, 1)
                .permitKeepAliveTime(10, TimeUnit.SECONDS);
        if (limits.maxConnectionIdleMs() > 0) {
            b.maxConnectionIdle(limits.maxConnectionIdleMs(), TimeUnit.MILLISECONDS);
        }
        if (tls != GatewayConfig.PodTls.PLAINTEXT) {
            b.sslContext(io.dmsc.node.security.GrpcTls.server(node::credentials,
                    tls == GatewayConfig.PodTls.MUTUAL ? io.netty.handler.ssl.ClientAuth.REQUIRE
                            : io.netty.handler.ssl.ClientAuth.OPTIONAL));
        }
        try {
            return customizer.apply(b).build().start();
        } catch (IOException e) {
            throw new LinkException("cannot serve the " + what + " port on " + address + ": " + e.getMessage()
                    + " (expected: a free local address)", e);
        }
    }

    private static String address(String configured, Server s) {
        HostPort hp = HostPort.parse(configured);
        return new HostPort(hp.host(), s.getPort()).toString();
    }

    private void podPrefixesChanged(List<PrefixEntry> entries) {
        podEntries = entries;
        publishPrefixes();
    }

    private void registerLimitMetrics(io.micrometer.core.instrument.MeterRegistry meters) {
        io.micrometer.core.instrument.FunctionCounter.builder("dmsc_announcements_refused", registry,
                PodRegistry::refusedForRoom).tag("reason", "lsp_full")
                .description("Announcements refused by a limit of the SG (limits.*), by reason").register(meters);
        io.micrometer.core.instrument.FunctionCounter.builder("dmsc_announcements_refused", registry,
                PodRegistry::refusedForShare).tag("reason", "pod_share")
                .description("Announcements refused by a limit of the SG (limits.*), by reason").register(meters);
        io.micrometer.core.instrument.FunctionCounter.builder("dmsc_announcements_refused", registry,
                PodRegistry::refusedPending).tag("reason", "pending")
                .description("Announcements refused by a limit of the SG (limits.*), by reason").register(meters);
        io.micrometer.core.instrument.FunctionCounter.builder("dmsc_pods_refused", registry, PodRegistry::refusedPods)
                .description("Pods refused at Hello: limits.maxPods were attached").register(meters);
    }

    /**
     * Advertises the node prefix, then the authorized static prefixes, then the pods'
     * prefixes: the routing protocol packs them in this order, and the pods' share of the LSP
     * is what the first two leave. On the loop.
     */
    private void publishPrefixes() {
        Map<ServicePrefix, PrefixEntry> all = new LinkedHashMap<>();
        ServicePrefix own = ServicePrefix.nodePrefix(node.id());
        long reserved = io.dmsc.routing.AdvertisementBudget.entryBytes(own, 0);
        int largest = (int) reserved;
        for (StaticGrant g : staticGrants.values()) {
            all.put(g.entry().prefix(), g.entry());
            int bytes = io.dmsc.routing.AdvertisementBudget.entryBytes(g.entry());
            reserved += bytes;
            largest = Math.max(largest, bytes);
        }
        registry.reserveAdvertisements(reserved, largest);
        for (PrefixEntry e : podEntries) {
            all.putIfAbsent(e.prefix(), e);
        }
        node.conductor().setLocalPrefixes(List.copyOf(all.values()));
    }

    /** @return the bound pod-facing address ({@code host:port}) */
    public String podAddress() {
        return address(config.pod(), podServer);
    }

    /** @return bound upstream addresses by target prefix */
    public Map<String, String> upstreamAddresses() {
        return Map.copyOf(upstreamAddresses);
    }

    /** @return the pods registry */
    public PodRegistry registry() {
        return registry;
    }

    /** @return call metrics */
    @Override
    public GatewayMetrics metrics() {
        return metrics;
    }

    @Override
    public CompletableFuture<Map<String, Object>> status() {
        return CompletableFuture.supplyAsync(() -> {
            Map<String, Object> m = new LinkedHashMap<>();
            List<Map<String, Object>> pods = new ArrayList<>();
            java.util.Set<ServicePrefix> left = node.conductor().notAdvertised();
            for (io.dmsc.gateway.pod.PodInfo p : registry.pods()) {
                Map<String, Object> pod = new LinkedHashMap<>();
                pod.put("podId", p.podId());
                pod.put("remoteAddress", p.remoteAddress());
                pod.put("attachedSince", p.attachedSince().toString());
                pod.put("provenBy", p.provenBy());
                List<Map<String, Object>> anns = new ArrayList<>();
                for (io.dmsc.gateway.pod.PodInfo.Announcement a : p.announcements()) {
                    Map<String, Object> ann = new LinkedHashMap<>();
                    ann.put("endpoint", endpointMap(a.endpoint()));
                    ann.put("healthy", a.healthy());
                    ann.put("healthDetail", a.healthDetail());
                    // Whether the mesh can reach it: healthy, and in this SG's LSP.
                    ann.put("advertised", !a.healthy() ? "no: unhealthy"
                            : left.contains(a.endpoint().prefix()) ? "NO: no room in the LSP" : "yes");
                    ann.put("calls", a.calls());
                    ann.put("errors", a.errors());
                    ann.put("latencyMs", Double.isNaN(a.latencyMs()) ? null : Math.round(a.latencyMs() * 1000) / 1000.0);
                    anns.add(ann);
                }
                pod.put("announcements", anns);
                pods.add(pod);
            }
            m.put("pods", pods);
            Map<String, Object> ports = new LinkedHashMap<>();
            ports.put("pod", podAddress());
            ports.put("podTls", podTls.name().toLowerCase(java.util.Locale.ROOT));
            ports.put("upstreams", upstreamAddresses);
            ports.put("callsInFlight", callsInFlight);
            long[] use = registry.advertisementUse();
            ports.put("lspPrefixBytes", Map.of("used", use[0], "room", use[1]));
            m.put("gateway", ports);
            if (qos != null) {
                m.put("qos", qos.snapshot());
            }
            if (config.spa() != null) {
                Map<String, Object> spa = new LinkedHashMap<>();
                spa.put("servers", config.spa().servers().stream().map(Object::toString).toList());
                List<Map<String, Object>> grants = new ArrayList<>();
                for (ServicePrefix p : staticPrefixes) {
                    StaticGrant g = staticGrants.get(p);
                    Map<String, Object> one = new LinkedHashMap<>();
                    one.put("prefix", p.toString());
                    one.put("authorizedUntil", g == null ? null : g.untilMs() == 0 ? "no expiry"
                            : java.time.Instant.ofEpochMilli(g.untilMs()).toString());
                    grants.add(one);
                }
                spa.put("staticPrefixes", grants);
                m.put("spa", spa);
            }
            return m;
        }, node.dataLoop());
    }

    private static Map<String, Object> endpointMap(PodEndpoint e) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("prefix", e.prefix().toString());
        m.put("endpoint", e.endpoint());
        m.put("podId", e.podId());
        m.put("weight", e.weight());
        m.put("zone", e.zone());
        m.put("version", e.version());
        m.put("authorizedUntil", e.authorizedUntilMs() == 0 ? null
                : java.time.Instant.ofEpochMilli(e.authorizedUntilMs()).toString());
        return m;
    }

    @Override
    public void close() {
        closed = true;
        if (qos != null) {
            qos.stop();
        }
        if (spaClient != null) {
            spaClient.close();
        }
        if (podServer != null) {
            podServer.shutdownNow();
        }
        for (Server s : upstreamServers) {
            s.shutdownNow();
        }
        if (registry != null) {
            registry.close();
        }
        try {
            if (podServer != null) {
                podServer.awaitTermination(2, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // ----------------------------------------------------------------------------------------
    // GatewayContext (data-plane loop)

    @Override
    public String nodeId() {
        return node.id();
    }

    @Override
    public GatewayConfig config() {
        return config;
    }

    @Override
    public EventLoop loop() {
        return node.dataLoop();
    }

    @Override
    public io.dmsc.routing.Fib fib() {
        return node.fib();
    }

    @Override
    public Forwarder forwarder() {
        return forwarder;
    }

    @Override
    public DataPlaneMetrics forwarderMetrics() {
        return forwarder.metrics();
    }

    @Override
    public RetryPolicies retryPolicies() {
        return retryPolicies;
    }

    @Override
    public boolean callStarted() {
        if (callsInFlight >= config.maxCallsInFlight()) {
            return false;
        }
        callsInFlight++;
        return true;
    }

    @Override
    public AdmissionLimiter limiter() {
        return limiter;
    }

    @Override
    public void callEnded() {
        callsInFlight--;
    }

    @Override
    public ByteBufAllocator alloc() {
        return ByteBufAllocator.DEFAULT;
    }

    @Override
    public MethodDescriptor<byte[], byte[]> method(String fullName) {
        MethodDescriptor<byte[], byte[]> d = methods.get(fullName);
        if (d == null) {
            d = Calls.method(fullName);
            if (methods.size() < 10_000) {
                methods.put(fullName, d);
            }
        }
        return d;
    }

    @Override
    public EgressChoice chooseEgress(String name) {
        io.dmsc.routing.Fib fib = forwarder.fib();
        io.dmsc.routing.FibEntry e = fib.lookup(name);
        if (e == null || e.local()) {
            return EgressChoice.NONE;
        }
        io.dmsc.node.policy.PolicyTable table = policies;
        if (table != null) {
            io.dmsc.node.policy.ForwardingPolicy p = table.forCall(e.prefix(), System.nanoTime());
            if (p != null) {
                return new EgressChoice(p.egress(), true, qos == null ? null : qos.traffic(p.egress()), p);
            }
        }
        List<String> egress = fib.egress(e.prefix());
        String chosen = replicas.select(fib, e.prefix(), egress);
        if (chosen == null) {
            return EgressChoice.NONE;
        }
        return new EgressChoice(chosen, egress.size() > 1, qos == null ? null : qos.traffic(chosen), null);
    }

    @Override
    public String selectEndpoint(String routedName) {
        PodEndpoint e = registry.endpoints().select(routedName);
        return e == null ? null : e.endpoint();
    }

    @Override
    public void endpointAnswered(String endpoint) {
        registry.answered(endpoint);
    }

    @Override
    public void endpointCallEnded(String endpoint, boolean ok, long durationNs) {
        registry.callEnded(endpoint, ok, durationNs);
    }

    @Override
    public Channel endpointChannel(String endpoint) {
        return registry.channels().channel(endpoint);
    }
}
