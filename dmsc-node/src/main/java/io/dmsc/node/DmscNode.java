package io.dmsc.node;

import io.dmsc.node.admin.AdminServer;
import io.dmsc.node.config.NeighborConfig;
import io.dmsc.node.config.NodeConfig;
import io.dmsc.node.link.LinkTransport;
import io.dmsc.routing.Fib;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * One running SG or SR: its conductor, its link transport and its admin HTTP. Embeddable: the
 * CLI, the topology runner and tests all build nodes through this class.
 */
public final class DmscNode implements AutoCloseable {
    private final NodeConfig requested;
    private final LinkTransport transport;
    private final NodeMetrics metrics;
    private NodeConductor conductor;
    private AdminServer admin;
    private String listenAddress;

    /**
     * @param config    settings; listen and admin ports may be 0
     * @param transport the link transport (closed by {@link #close()})
     */
    public DmscNode(NodeConfig config, LinkTransport transport) {
        this.requested = config;
        this.transport = transport;
        this.metrics = new NodeMetrics(config.id());
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
        ForwardingHandler handler = new ForwardingHandler();
        listenAddress = transport.listen(config.listen(), handler);
        conductor = new NodeConductor(config.withListen(listenAddress), transport, metrics);
        handler.target = conductor;
        conductor.start();
        if (config.admin() != null) {
            try {
                admin = new AdminServer(config.admin(), conductor, metrics);
            } catch (RuntimeException e) {
                close();
                throw e;
            }
        }
        return this;
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
        conductor.setNeighbors(neighbors);
    }

    @Override
    public void close() {
        if (admin != null) {
            admin.close();
        }
        if (conductor != null) {
            conductor.stop();
        }
        transport.close();
    }

    /** Passes transport events to the conductor once it exists. */
    private static final class ForwardingHandler implements io.dmsc.node.link.LinkHandler {
        volatile NodeConductor target;

        private NodeConductor target(io.dmsc.node.link.LinkChannel channel) {
            NodeConductor t = target;
            if (t == null) {
                channel.close();
            }
            return t;
        }

        @Override
        public void onOpen(io.dmsc.node.link.LinkChannel channel) {
            NodeConductor t = target(channel);
            if (t != null) {
                t.onOpen(channel);
            }
        }

        @Override
        public void onMessage(io.dmsc.node.link.LinkChannel channel, io.dmsc.wire.link.LinkMessage message) {
            NodeConductor t = target;
            if (t != null) {
                t.onMessage(channel, message);
            }
        }

        @Override
        public void onMalformed(io.dmsc.node.link.LinkChannel channel,
                                io.dmsc.wire.link.MalformedFrameException error) {
            NodeConductor t = target;
            if (t != null) {
                t.onMalformed(channel, error);
            }
        }

        @Override
        public void onClosed(io.dmsc.node.link.LinkChannel channel) {
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
    }
}
