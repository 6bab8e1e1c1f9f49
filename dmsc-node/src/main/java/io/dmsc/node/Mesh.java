package io.dmsc.node;

import io.dmsc.node.config.NeighborConfig;
import io.dmsc.node.config.NodeConfig;
import io.dmsc.node.config.SecurityConfig;
import io.dmsc.node.config.TopologyConfig;
import io.dmsc.node.link.EventLoops;
import io.dmsc.node.link.InMemoryLinkNetwork;
import io.dmsc.node.link.InMemoryLinkTransport;
import io.dmsc.node.link.LinkTransport;
import io.dmsc.node.link.TcpLinkTransport;
import io.netty.channel.EventLoopGroup;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A whole topology run in one JVM: every node is a real {@link DmscNode} with its own conductor,
 * connected over loopback TCP (what {@code dmsc up} runs) or over in-memory links (large meshes
 * in tests). Nodes bind first and learn each other's bound addresses afterwards, so port 0
 * works. Thread-safe for the calls tests make (start, kill, restart, close).
 */
public final class Mesh implements AutoCloseable {
    /** How the nodes are linked. */
    public enum Links {
        /** Real sockets on the addresses of the topology file. */
        TCP,
        /** In-memory links through the same frame codec. */
        IN_MEMORY
    }

    private final TopologyConfig topology;
    private final Links links;
    private final EventLoopGroup group;
    private final InMemoryLinkNetwork memory;
    private final Map<String, NodeConfig> configs = new LinkedHashMap<>();
    private final Map<String, DmscNode> nodes = new LinkedHashMap<>();
    private final Map<String, String> bound = new HashMap<>();
    private final java.util.Set<String> disconnected = new java.util.HashSet<>();
    private final NodeExtension.Factory extensions;
    private final Map<String, SpaLauncher.Running> spas = new LinkedHashMap<>();
    /** Bound gRPC addresses of the Scheduling Centers, by configured address (kept over restarts). */
    private final Map<String, String> schedulerBound = new java.util.HashMap<>();
    private final Map<String, String> spaAddresses = new HashMap<>();
    /** The ephemeral CA of security: auto, or null. */
    private final io.dmsc.node.security.MeshCa ca;

    private Mesh(TopologyConfig topology, Links links, NodeExtension.Factory extensions) {
        this.topology = topology;
        this.links = links;
        this.extensions = extensions;
        // One node's links, data plane and gateway share one event loop; nodes share the group.
        this.group = EventLoops.newGroup(links == Links.TCP ? Math.min(2, Runtime.getRuntime().availableProcessors())
                : 1, "dmsc-data");
        this.memory = links == Links.IN_MEMORY ? new InMemoryLinkNetwork() : null;
        boolean auto = topology.nodes().stream().anyMatch(n -> n.security().mode() == SecurityConfig.Mode.AUTO);
        if (auto) {
            String mesh = topology.name() == null || !io.dmsc.wire.NodeIds.isValid(topology.name()) ? "mesh"
                    : topology.name();
            ca = io.dmsc.node.security.MeshCa.create(mesh, java.time.Duration.ofDays(1));
            LOG.info("security: auto: an ephemeral mesh CA for this run only (spiffe://{}), node certificates "
                    + "in memory, signed LSPs{}; for production make files with 'dmsc ca'", mesh,
                    links == Links.TCP ? ", mutual TLS on every link and TLS to the SPAs" : "");
        } else {
            ca = null;
        }
        for (NodeConfig n : topology.nodes()) {
            if (n.security().mode() == SecurityConfig.Mode.AUTO) {
                n = n.withSecurity(n.security().withCredentials(issue(n.id())));
            }
            configs.put(n.id(), n);
        }
    }

    private io.dmsc.node.security.Credentials issue(String id) {
        return ca.issue(io.dmsc.node.security.MeshIdentity.node(ca.mesh(), id), java.time.Duration.ofDays(1));
    }

    /**
     * The ephemeral mesh CA of {@code security: auto}: tests and the demo issue pod certificates
     * with it.
     *
     * @return the CA, or null when the topology's security is not auto
     */
    public io.dmsc.node.security.MeshCa ca() {
        return ca;
    }

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Mesh.class);

    /**
     * Starts every node of a topology.
     *
     * @param topology the topology
     * @param links    TCP or in-memory
     * @return the running mesh
     */
    public static Mesh start(TopologyConfig topology, Links links) {
        return start(topology, links, NodeExtension.Factory.NONE);
    }

    /**
     * Starts every node of a topology with extensions (the gateway's pod-facing side).
     *
     * @param topology   the topology
     * @param links      TCP or in-memory
     * @param extensions creates each node's extensions
     * @return the running mesh
     */
    public static Mesh start(TopologyConfig topology, Links links, NodeExtension.Factory extensions) {
        Mesh mesh = new Mesh(topology, links, extensions);
        try {
            for (io.dmsc.node.config.SpaConfig s : topology.spas()) {
                mesh.startSpa(s.id());
            }
            // Scheduling Centers first: the others report to their bound addresses.
            for (NodeConfig n : topology.nodes()) {
                if (n.scheduler() != null) {
                    mesh.startNode(n.id(), false);
                }
            }
            for (NodeConfig n : topology.nodes()) {
                if (n.scheduler() == null) {
                    mesh.startNode(n.id(), false);
                }
            }
            for (String id : mesh.configs.keySet()) {
                mesh.nodes.get(id).setNeighbors(mesh.resolvedNeighbors(id));
            }
        } catch (RuntimeException e) {
            mesh.close();
            throw e;
        }
        return mesh;
    }

    /**
     * Starts an SPA of the topology (through the {@link SpaLauncher} on the class path) on its
     * configured address, or on the address it had before if it was killed.
     *
     * @param id the SPA's id
     */
    public synchronized void startSpa(String id) {
        io.dmsc.node.config.SpaConfig c = topology.spa(id);
        if (c == null) {
            throw new IllegalArgumentException("no SPA '" + id + "' in " + topology.file());
        }
        if (spas.containsKey(id)) {
            return;
        }
        SpaLauncher launcher = java.util.ServiceLoader.load(SpaLauncher.class).findFirst().orElseThrow(() ->
                new IllegalStateException(topology.file() + " has SPA " + id + " but no SPA implementation is on the "
                        + "class path (expected: the dmsc-spa module)"));
        if (c.security().mode() == SecurityConfig.Mode.AUTO) {
            c = c.withSecurity(c.security().withCredentials(issue(id)));
        }
        SpaLauncher.Running r = launcher.start(c.withListen(spaAddresses.getOrDefault(id, c.listen())));
        spas.put(id, r);
        spaAddresses.put(id, r.address());
    }

    /**
     * @param id an SPA id
     * @return whether it runs now (started and not killed)
     */
    public synchronized boolean spaRunning(String id) {
        return spas.containsKey(id);
    }

    /**
     * Stops an SPA abruptly (its address is kept for {@link #startSpa}).
     *
     * @param id the SPA's id
     */
    public synchronized void killSpa(String id) {
        SpaLauncher.Running r = spas.remove(id);
        if (r != null) {
            r.close();
        }
    }

    /**
     * @param id an SPA id
     * @return its bound gRPC address, or null if it never ran
     */
    public synchronized String spaAddress(String id) {
        return spaAddresses.get(id);
    }

    /**
     * @param id an SPA id
     * @return its bound admin address, or null
     */
    public synchronized String spaAdminAddress(String id) {
        SpaLauncher.Running r = spas.get(id);
        return r == null ? null : r.adminAddress();
    }

    /** Rewrites SPA ids in a gateway's settings to the SPAs' bound addresses. */
    private NodeConfig withSpaAddresses(NodeConfig c) {
        if (c.gateway() == null || c.gateway().spa() == null) {
            return c;
        }
        List<io.dmsc.node.config.SpaClientConfig.Server> servers = new ArrayList<>();
        for (io.dmsc.node.config.SpaClientConfig.Server s : c.gateway().spa().servers()) {
            String bound = s.id() == null ? null : spaAddresses.get(s.id());
            servers.add(bound == null ? s : new io.dmsc.node.config.SpaClientConfig.Server(s.id(), bound));
        }
        return c.withGateway(c.gateway().withSpa(c.gateway().spa().withServers(servers)));
    }

    private synchronized void startNode(String id, boolean withNeighbors) {
        NodeConfig c = withSpaAddresses(configs.get(id));
        if (c.scheduler() != null && schedulerBound.containsKey(c.scheduler().listen())) {
            c = c.withScheduler(c.scheduler().withListen(schedulerBound.get(c.scheduler().listen())));
        }
        if (c.telemetry() != null) {
            List<String> servers = new ArrayList<>();
            for (String s : c.telemetry().servers()) {
                servers.add(schedulerBound.getOrDefault(s, s));
            }
            c = c.withTelemetry(new io.dmsc.node.config.TelemetryConfig(servers, c.telemetry().reportIntervalMs()));
        }
        String listen = bound.getOrDefault(id, links == Links.TCP ? c.listen() : "mem:" + id);
        NodeConfig effective = c.withListen(listen).withNeighbors(withNeighbors ? resolvedNeighbors(id) : List.of());
        io.netty.channel.EventLoop loop = group.next();
        // In memory there is no TLS, but nodes with certificates still sign and verify their LSPs.
        LinkTransport transport = links == Links.TCP ? new TcpLinkTransport(loop, c.maxFrameLength(),
                c.security().linkTls(id))
                : new InMemoryLinkTransport(memory, c.maxFrameLength(), loop);
        DmscNode node = new DmscNode(effective, transport, loop, extensions).start();
        bound.put(id, node.listenAddress());
        if (configs.get(id).scheduler() != null) {
            schedulerBound.put(configs.get(id).scheduler().listen(), node.schedulerAddress());
        }
        nodes.put(id, node);
    }

    private List<NeighborConfig> resolvedNeighbors(String id) {
        List<NeighborConfig> out = new ArrayList<>();
        for (NeighborConfig n : configs.get(id).neighbors()) {
            if (disconnected.contains(id + ">" + n.id())) {
                continue;
            }
            out.add(new NeighborConfig(n.id(), bound.getOrDefault(n.id(), n.address()), n.metric(), n.capacityMbps()));
        }
        return out;
    }

    /**
     * @param id a node id
     * @return the running node, or null if it was killed
     */
    public synchronized DmscNode node(String id) {
        return nodes.get(id);
    }

    /** @return running nodes in file order */
    public synchronized List<DmscNode> nodes() {
        return new ArrayList<>(nodes.values());
    }

    /**
     * Stops a node abruptly: its links close, its state is lost.
     *
     * @param id the node
     */
    public synchronized void kill(String id) {
        DmscNode n = nodes.remove(id);
        if (n != null) {
            n.close();
        }
    }

    /**
     * Starts a killed node again on the same address, with empty state.
     *
     * @param id the node
     * @return the new node
     */
    public synchronized DmscNode restart(String id) {
        kill(id);
        startNode(id, true);
        return nodes.get(id);
    }

    /**
     * Closes the connection between two nodes abruptly; both ends redial at once.
     *
     * @param a one end
     * @param b other end
     */
    public synchronized void closeConnection(String a, String b) {
        DmscNode n = nodes.get(a);
        if (n != null) {
            n.conductor().dropLink(b);
        }
    }

    /**
     * Takes a link out of service at both ends (the connection closes and is not redialed).
     *
     * @param a one end
     * @param b other end
     */
    public synchronized void disconnect(String a, String b) {
        setLinkConfigured(a, b, false);
        setLinkConfigured(b, a, false);
    }

    /**
     * Puts a link taken out by {@link #disconnect} back into service.
     *
     * @param a one end
     * @param b other end
     */
    public synchronized void reconnect(String a, String b) {
        setLinkConfigured(a, b, true);
        setLinkConfigured(b, a, true);
    }

    private void setLinkConfigured(String at, String peer, boolean present) {
        DmscNode n = nodes.get(at);
        if (n == null) {
            return;
        }
        if (present) {
            disconnected.remove(at + ">" + peer);
        } else {
            disconnected.add(at + ">" + peer);
        }
        n.setNeighbors(resolvedNeighbors(at));
    }

    /**
     * Impairs the frames one node sends to a neighbour (delay, jitter, loss, rate limit), as
     * {@code POST /link/impair} does; lasts until {@link #clearImpairment} or the node restarts.
     * For the other direction, impair the other end too.
     *
     * @param node       the sending node
     * @param peer       its neighbour
     * @param impairment what to apply
     * @throws IllegalArgumentException if {@code node} is not running or {@code peer} is not its neighbour
     */
    public void impair(String node, String peer, io.dmsc.node.link.LinkImpairment impairment) {
        await(running(node).conductor().impair(peer, impairment));
    }

    /**
     * Clears what {@link #impair} set; frames still held leave at once.
     *
     * @param node the sending node
     * @param peer its neighbour
     * @throws IllegalArgumentException if {@code node} is not running or {@code peer} is not its neighbour
     */
    public void clearImpairment(String node, String peer) {
        await(running(node).conductor().clearImpairment(peer));
    }

    private synchronized DmscNode running(String id) {
        DmscNode n = nodes.get(id);
        if (n == null) {
            throw new IllegalArgumentException("node '" + id + "' is not running (expected: one of "
                    + String.join(", ", nodes.keySet()) + ")");
        }
        return n;
    }

    private static <T> T await(java.util.concurrent.CompletableFuture<T> f) {
        try {
            return f.get(5, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException(e.getCause());
        } catch (java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("the node did not answer within 5 s", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** @return the topology */
    public TopologyConfig topology() {
        return topology;
    }

    @Override
    public synchronized void close() {
        for (DmscNode n : nodes.values()) {
            n.close();
        }
        nodes.clear();
        for (SpaLauncher.Running r : spas.values()) {
            r.close();
        }
        spas.clear();
        if (group != null) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
        if (memory != null) {
            memory.close();
        }
    }
}
