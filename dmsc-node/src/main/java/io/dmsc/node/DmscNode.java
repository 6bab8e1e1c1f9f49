package io.dmsc.node;

import io.dmsc.node.admin.AdminServer;
import io.dmsc.node.config.NeighborConfig;
import io.dmsc.node.config.NodeConfig;
import io.dmsc.node.data.DataPlaneMetrics;
import io.dmsc.node.data.Forwarder;
import io.dmsc.node.link.EventLoops;
import io.dmsc.node.link.LinkChannel;
import io.dmsc.node.link.LinkTransport;
import io.dmsc.routing.Fib;
import io.dmsc.wire.link.LinkMessage;
import io.dmsc.wire.link.MalformedFrameException;
import io.netty.buffer.ByteBuf;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * One running SG or SR: its conductor (control plane), its forwarder (data plane, on one event
 * loop), its link transport, its admin HTTP and its extensions (the gateway's pod-facing side).
 * Embeddable: the CLI, the topology runner and tests all build nodes through this class.
 */
public final class DmscNode implements AutoCloseable {
    private final NodeConfig requested;
    private final LinkTransport transport;
    private final NodeMetrics metrics;
    private final EventLoop dataLoop;
    private final EventLoopGroup ownedGroup;
    private final NodeExtension.Factory extensionFactory;
    private final List<NodeExtension> extensions = new ArrayList<>();
    private NodeConductor conductor;
    private Forwarder forwarder;
    private AdminServer admin;
    private io.dmsc.node.policy.PolicyTable policies;
    private SchedulerLauncher.Scheduler scheduler;
    private io.dmsc.node.telemetry.TelemetryClient telemetry;
    private java.util.concurrent.ScheduledFuture<?> policySweep;
    private String listenAddress;
    private NodeConfig effective;

    /** How often certificate files are checked for changes. */
    static final long CREDENTIALS_CHECK_MS = 2000;
    private io.dmsc.node.security.CredentialsWatcher credentialsWatcher;
    /** The configured neighbours in force (set again by {@link #setNeighbors}), for their link capacities. */
    private volatile List<NeighborConfig> neighbors;
    /** The node's certificate, key and CAs in force (replaced when the files change), or null. */
    private volatile io.dmsc.node.security.Credentials credentials;

    /**
     * A node with its own single data-plane thread and no extensions.
     *
     * @param config    settings; listen and admin ports may be 0
     * @param transport the link transport (closed by {@link #close()})
     */
    public DmscNode(NodeConfig config, LinkTransport transport) {
        this(config, transport, null, NodeExtension.Factory.NONE);
    }

    /**
     * @param config     settings; listen and admin ports may be 0
     * @param transport  the link transport (closed by {@link #close()}); for TCP, built on
     *                   {@code dataLoop} so that links and the data plane share one thread
     * @param dataLoop   the data-plane event loop, or null for a private one
     * @param extensions creates the node's extensions
     */
    public DmscNode(NodeConfig config, LinkTransport transport, EventLoop dataLoop, NodeExtension.Factory extensions) {
        this.requested = config;
        this.transport = transport;
        this.metrics = new NodeMetrics(config.id());
        this.extensionFactory = extensions;
        this.credentials = config.security().credentials();
        this.neighbors = config.neighbors();
        if (dataLoop == null) {
            this.ownedGroup = EventLoops.newGroup(1, "dmsc-data-" + config.id());
            this.dataLoop = ownedGroup.next();
        } else {
            this.ownedGroup = null;
            this.dataLoop = dataLoop;
        }
    }

    /**
     * Binds the fabric and admin ports and starts the conductor.
     *
     * @return this
     */
    public DmscNode start() {
        // Bind first so the status reports the real port; the conductor accepts events as soon
        // as its queues exist, before its thread runs.
        NodeConfig config = requested;
        for (String warning : config.exposureWarnings()) {
            org.slf4j.LoggerFactory.getLogger(DmscNode.class).warn(warning);
        }
        ForwardingHandler handler = new ForwardingHandler();
        listenAddress = transport.listen(config.listen(), handler);
        effective = config.withListen(listenAddress);
        conductor = new NodeConductor(effective, transport, metrics);
        forwarder = new Forwarder(config.id(), dataLoop, conductor::fib, new DataPlaneMetrics(metrics.registry()),
                config.flowIdleTimeoutMs());
        forwarder.limitFlows(config.limits().maxFlows());
        conductor.setForwarder(forwarder);
        handler.target = conductor;
        forwarder.enableNeighborProbes();
        policies = new io.dmsc.node.policy.PolicyTable(config.id(), conductor::fib, forwarder::isLinkUp,
                metrics.registry(), config.limits().maxPolicies());
        forwarder.setPolicies(policies);
        forwarder.start();
        conductor.start();
        try {
            policySweep = dataLoop.scheduleAtFixedRate(() -> policies.expire(System.nanoTime()), 500, 500,
                    TimeUnit.MILLISECONDS);
            if (config.telemetry() != null) {
                telemetry = new io.dmsc.node.telemetry.TelemetryClient(config.id(), config.telemetry(),
                        credentials == null ? null
                                : this::credentials, dataLoop, forwarder, () -> neighbors, policies,
                        metrics.registry());
            }
            if (config.scheduler() != null) {
                SchedulerLauncher launcher = java.util.ServiceLoader.load(SchedulerLauncher.class).findFirst()
                        .orElseThrow(() -> new IllegalStateException(config.id() + " is an SCSC but the Scheduling "
                                + "Center (module dmsc-scsc) is not on the class path"));
                scheduler = launcher.create(effective);
                extensions.add(scheduler);
                scheduler.start(this);
            }
            for (NodeExtension e : extensionFactory.create(effective)) {
                extensions.add(e);
                e.start(this);
            }
            if (telemetry != null) {
                telemetry.start();
            }
            if (config.admin() != null) {
                admin = new AdminServer(config.admin(), conductor, metrics, this::extraStatus, config.adminTokenFile(),
                        config.limits().adminHttp());
            }
            io.dmsc.node.config.SecurityConfig sec = config.security();
            if (sec.mode() == io.dmsc.node.config.SecurityConfig.Mode.FILES) {
                credentialsWatcher = new io.dmsc.node.security.CredentialsWatcher(config.id(), sec.caFile(),
                        sec.certFile(), sec.keyFile(), CREDENTIALS_CHECK_MS, c -> {
                            credentials = c;
                            if (transport instanceof io.dmsc.node.link.TcpLinkTransport t && t.secured()) {
                                t.setTls(new io.dmsc.node.security.LinkTls(c));
                            }
                            conductor.credentialsRotated(c);
                        });
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
        return this;
    }

    private CompletableFuture<Map<String, Object>> extraStatus() {
        CompletableFuture<Map<String, Object>> all = forwarder.flows()
                .thenCombine(forwarder.linkLoads(), (f, loads) -> {
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("flows", f);
                    m.put("links", linkRows(loads));
                    m.put("policies", policies.rows(System.nanoTime()));
                    return m;
                });
        if (telemetry != null) {
            all = all.thenCombine(telemetry.status(), (a, t) -> {
                a.put("telemetry", t);
                return a;
            });
        }
        for (NodeExtension e : extensions) {
            all = all.thenCombine(e.status(), (a, b) -> {
                a.putAll(b);
                return a;
            });
        }
        return all;
    }

    /** Each link's data traffic with its configured capacity and utilisation (the busier direction). */
    private List<Map<String, Object>> linkRows(List<Forwarder.LinkLoad> loads) {
        Map<String, Long> capacity = new java.util.HashMap<>();
        for (NeighborConfig n : neighbors) {
            capacity.put(n.id(), n.capacityMbps());
        }
        List<Map<String, Object>> rows = new java.util.ArrayList<>();
        for (Forwarder.LinkLoad l : loads) {
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("neighbor", l.neighbor());
            r.put("inBytesPerS", l.inBytesPerS());
            r.put("outBytesPerS", l.outBytesPerS());
            r.put("rttMs", Double.isNaN(l.rttMs()) ? null : Math.round(l.rttMs() * 1000) / 1000.0);
            r.put("bytesIn", l.bytesIn());
            r.put("bytesOut", l.bytesOut());
            long mbps = capacity.getOrDefault(l.neighbor(), 0L);
            r.put("capacityMbps", mbps == 0 ? null : mbps);
            r.put("utilisationPercent", mbps == 0 ? null
                    : Math.round(Math.max(l.inBytesPerS(), l.outBytesPerS()) * 8 * 100.0 / (mbps * 1e6) * 1000) / 1000.0);
            rows.add(r);
        }
        return rows;
    }

    /**
     * @return the node's certificate, key and trusted CAs in force (the latest files once they
     *         changed), or null when the node has no security
     */
    public io.dmsc.node.security.Credentials credentials() {
        return credentials;
    }

    /** @return the Scheduling Center's forwarding policies this node holds */
    public io.dmsc.node.policy.PolicyTable policies() {
        return policies;
    }

    /** @return the gRPC address of the Scheduling Center this node runs, or null when it is not an SCSC */
    public String schedulerAddress() {
        return scheduler == null ? null : scheduler.address();
    }

    /** @return the session with the SCSC, or null when the node reports to none */
    public io.dmsc.node.telemetry.TelemetryClient telemetry() {
        return telemetry;
    }

    /** @return the data plane */
    public Forwarder forwarder() {
        return forwarder;
    }

    /** @return the data-plane event loop (links, forwarder, gateway gRPC) */
    public EventLoop dataLoop() {
        return dataLoop;
    }

    /** @return the settings in effect (bound listen address) */
    public NodeConfig config() {
        return effective == null ? requested : effective;
    }

    /**
     * @param type an extension class
     * @param <T>  its type
     * @return the extension of that class, or null
     */
    public <T extends NodeExtension> T extension(Class<T> type) {
        for (NodeExtension e : extensions) {
            if (type.isInstance(e)) {
                return type.cast(e);
            }
        }
        return null;
    }

    /** @return the bound fabric address */
    public String listenAddress() {
        return listenAddress;
    }

    /** @return the bound admin address, or null */
    public String adminAddress() {
        return admin == null ? null : admin.address();
    }

    /** @return the node id */
    public String id() {
        return requested.id();
    }

    /** @return the current FIB snapshot */
    public Fib fib() {
        return conductor.fib();
    }

    /** @return a status snapshot */
    public CompletableFuture<NodeStatus> status() {
        return conductor.status();
    }

    /** @return the conductor, for data-plane wiring */
    public NodeConductor conductor() {
        return conductor;
    }

    /** @return the metrics */
    public NodeMetrics metrics() {
        return metrics;
    }

    /**
     * Replaces the configured neighbours (used when addresses are known only after binding).
     *
     * @param neighbors the neighbours
     */
    public void setNeighbors(List<NeighborConfig> neighbors) {
        this.neighbors = List.copyOf(neighbors);
        conductor.setNeighbors(neighbors);
    }

    @Override
    public void close() {
        if (telemetry != null) {
            telemetry.close();
        }
        if (policySweep != null) {
            policySweep.cancel(false);
        }
        for (int i = extensions.size() - 1; i >= 0; i--) {
            try {
                extensions.get(i).close();
            } catch (RuntimeException e) {
                org.slf4j.LoggerFactory.getLogger(DmscNode.class).warn("{}: closing {} failed", requested.id(),
                        extensions.get(i).getClass().getSimpleName(), e);
            }
        }
        extensions.clear();
        if (credentialsWatcher != null) {
            credentialsWatcher.close();
        }
        if (admin != null) {
            admin.close();
        }
        if (forwarder != null) {
            forwarder.stop();
        }
        if (conductor != null) {
            conductor.stop();
        }
        transport.close();
        if (ownedGroup != null) {
            ownedGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
    }

    /** Passes transport events to the conductor once it exists. */
    private static final class ForwardingHandler implements io.dmsc.node.link.LinkHandler {
        volatile NodeConductor target;

        @Override
        public void onData(LinkChannel channel, ByteBuf frame) {
            NodeConductor t = target;
            if (t == null) {
                frame.release();
            } else {
                t.onData(channel, frame);
            }
        }

        @Override
        public void onWritabilityChanged(LinkChannel channel, boolean writable) {
            NodeConductor t = target;
            if (t != null) {
                t.onWritabilityChanged(channel, writable);
            }
        }

        private NodeConductor target(LinkChannel channel) {
            NodeConductor t = target;
            if (t == null) {
                channel.close();
            }
            return t;
        }

        @Override
        public void onOpen(LinkChannel channel) {
            NodeConductor t = target(channel);
            if (t != null) {
                t.onOpen(channel);
            }
        }

        @Override
        public void onMessage(LinkChannel channel, LinkMessage message) {
            NodeConductor t = target;
            if (t != null) {
                t.onMessage(channel, message);
            }
        }

        @Override
        public void onMalformed(LinkChannel channel,
                                MalformedFrameException error) {
            NodeConductor t = target;
            if (t != null) {
                t.onMalformed(channel, error);
            }
        }

        @Override
        public void onClosed(LinkChannel channel) {
            NodeConductor t = target;
            if (t != null) {
                t.onClosed(channel);
            }
        }

        @Override
        public void onDialFailed(String address, Object attachment, Throwable cause) {
            NodeConductor t = target;
            if (t != null) {
                t.onDialFailed(address, attachment, cause);
            }
        }

        @Override
        public void onTlsFailure(String remoteAddress, String reason, String detail) {
            NodeConductor t = target;
            if (t != null) {
                t.onTlsFailure(remoteAddress, reason, detail);
            }
        }
    }
}
