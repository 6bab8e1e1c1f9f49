package io.dmsc.gateway;

import io.dmsc.gateway.pod.AttachService;
import io.dmsc.gateway.pod.PodEndpoint;
import io.dmsc.gateway.pod.PodRegistry;
import io.dmsc.gateway.pod.PrefixAdmission;
import io.dmsc.node.DmscNode;
import io.dmsc.node.NodeExtension;
import io.dmsc.node.config.GatewayConfig;
import io.dmsc.node.config.NodeConfig;
import io.dmsc.node.config.UpstreamConfig;
import io.dmsc.node.data.DataPlaneMetrics;
import io.dmsc.node.data.Forwarder;
import io.dmsc.node.link.EventLoops;
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
    private final PrefixAdmission admission;
    private final List<Server> upstreamServers = new ArrayList<>();
    private final Map<String, String> upstreamAddresses = new LinkedHashMap<>();
    private final Map<String, MethodDescriptor<byte[], byte[]>> methods = new HashMap<>();
    private DmscNode node;
    private Forwarder forwarder;
    private PodRegistry registry;
    private Server podServer;
    private GatewayMetrics metrics;
    private RetryPolicies retryPolicies;
    private Set<ServicePrefix> staticPrefixes;
    /** Ingress calls in flight. Data-plane loop only. */
    private int callsInFlight;

    /**
     * @param config    the gateway settings
     * @param admission decides who may own which prefix (the SPA client plugs in here)
     */
    public Gateway(GatewayConfig config, PrefixAdmission admission) {
        this.config = config;
        this.admission = admission;
    }

    /**
     * The extensions of a node: a gateway for every SG that has a pod-facing side.
     *
     * @return the factory
     */
    public static NodeExtension.Factory factory() {
        return factory(PrefixAdmission.allowAll());
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
        this.retryPolicies = new RetryPolicies(config.retryPolicies(), config.retryBudget());
        this.staticPrefixes = new LinkedHashSet<>(owner.config().prefixes());
        EventLoop loop = owner.dataLoop();
        registry = new PodRegistry(loop, this::podPrefixesChanged, config.healthCheckIntervalMs(), 2);
        DiagnosticsService diagnostics = new DiagnosticsService(forwarder);
        forwarder.setProbeListener(diagnostics);
        forwarder.setLocalDelivery((open, upstream) -> EgressCall.accept(this, open, upstream));
        podServer = serve(config.pod(), "pod-facing", builder -> builder
                .addService(new AttachService(owner.id(), registry, admission).serviceDefinition())
                .addService(diagnostics)
                .fallbackHandlerRegistry(new IngressHandler(this, null)));
        for (UpstreamConfig u : config.upstreams()) {
            Server s = serve(u.listen(), "upstream " + u.target(),
                    builder -> builder.fallbackHandlerRegistry(new IngressHandler(this, u.target())));
            upstreamServers.add(s);
            upstreamAddresses.put(u.target().toString(), address(u.listen(), s));
        }
        LOG.info("{}: gateway pod-facing port {}{}", owner.id(), podAddress(),
                upstreamAddresses.isEmpty() ? "" : ", upstream ports " + upstreamAddresses);
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

    private Server serve(String address, String what, Customizer customizer) {
        HostPort hp = HostPort.parse(address);
        EventLoop loop = node.dataLoop();
        NettyServerBuilder b = NettyServerBuilder.forAddress(new InetSocketAddress(hp.host(), hp.port()))
                .channelType(EventLoops.serverChannel())
                .bossEventLoopGroup(loop)
                .workerEventLoopGroup(loop)
                .directExecutor()
                .maxInboundMessageSize(config.maxMessageBytes())
                // One read per loop turn from any one pod connection: a burst of new calls waits in
                // TCP (the pods' own back-pressure) instead of keeping the loop from the node's links,
                // whose hellos and replies share the same thread.
                .withChildOption(MAX_MESSAGES_PER_READ, 1)
                .permitKeepAliveTime(10, TimeUnit.SECONDS);
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

    private void podPrefixesChanged(List<ServicePrefix> podPrefixes) {
        Set<ServicePrefix> all = new LinkedHashSet<>(staticPrefixes);
        all.addAll(podPrefixes);
        List<PrefixEntry> entries = new ArrayList<>();
        for (ServicePrefix p : all) {
            entries.add(PrefixEntry.of(p, 0));
        }
        node.conductor().setLocalPrefixes(entries);
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
            for (io.dmsc.gateway.pod.PodInfo p : registry.pods()) {
                Map<String, Object> pod = new LinkedHashMap<>();
                pod.put("podId", p.podId());
                pod.put("remoteAddress", p.remoteAddress());
                pod.put("attachedSince", p.attachedSince().toString());
                List<Map<String, Object>> anns = new ArrayList<>();
                for (io.dmsc.gateway.pod.PodInfo.Announcement a : p.announcements()) {
                    Map<String, Object> ann = new LinkedHashMap<>();
                    ann.put("endpoint", endpointMap(a.endpoint()));
                    ann.put("healthy", a.healthy());
                    ann.put("healthDetail", a.healthDetail());
                    anns.add(ann);
                }
                pod.put("announcements", anns);
                pods.add(pod);
            }
            m.put("pods", pods);
            Map<String, Object> ports = new LinkedHashMap<>();
            ports.put("pod", podAddress());
            ports.put("upstreams", upstreamAddresses);
            ports.put("callsInFlight", callsInFlight);
            m.put("gateway", ports);
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
        return m;
    }

    @Override
    public void close() {
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
    public String selectEndpoint(String routedName) {
        PodEndpoint e = registry.endpoints().select(routedName);
        return e == null ? null : e.endpoint();
    }

    @Override
    public void endpointAnswered(String endpoint) {
        registry.answered(endpoint);
    }

    @Override
    public Channel endpointChannel(String endpoint) {
        return registry.channels().channel(endpoint);
    }
}
