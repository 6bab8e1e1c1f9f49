package io.dmsc.node;

import io.dmsc.node.config.NeighborConfig;
import io.dmsc.node.config.NodeConfig;
import io.dmsc.node.link.LinkChannel;
import io.dmsc.node.link.LinkException;
import io.dmsc.node.link.LinkHandler;
import io.dmsc.node.link.LinkTransport;
import io.dmsc.routing.Adjacency;
import io.dmsc.routing.Fib;
import io.dmsc.routing.FibEntry;
import io.dmsc.routing.LinkStateOutput;
import io.dmsc.routing.LinkStateProtocol;
import io.dmsc.routing.PrefixAuthorizer;
import io.dmsc.routing.PrefixStatus;
import io.dmsc.node.auth.SignedPrefixAuthorizer;
import io.dmsc.node.config.AuthorizationConfig;
import io.dmsc.wire.auth.TrustAnchors;
import io.dmsc.routing.LsdbEntry;
import io.dmsc.routing.ProtocolCounters;
import io.dmsc.routing.RibEntry;
import io.dmsc.wire.ServicePrefix;
import io.dmsc.wire.link.HelloMessage;
import io.dmsc.wire.link.LinkMessage;
import io.dmsc.wire.link.LinkStatePdu;
import io.dmsc.wire.link.MalformedFrameException;
import io.dmsc.wire.link.NeighborEntry;
import io.dmsc.wire.link.PrefixEntry;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.TreeMap;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The single-threaded owner of one node's control state: link sessions and their adjacency
 * state machines, dialing with back-off, and the {@link LinkStateProtocol}. Transport threads
 * and admin threads reach it only through its command queues; it publishes the FIB as an
 * immutable snapshot that data-plane threads read without locks ({@link #fib()}).
 *
 * <p>Link messages go through a bounded queue (a full queue drops the message and counts it:
 * flooding retransmits); lifecycle events (open, close, dial failure) go through a queue bounded
 * by the number of connections. Each duty cycle catches and counts any {@code Throwable} and
 * carries on, as Aeron's agent runner does.
 */
public final class NodeConductor implements LinkHandler, LinkStateOutput {
    private static final Logger LOG = LoggerFactory.getLogger(NodeConductor.class);
    private static final int MESSAGE_QUEUE_CAPACITY = 65_536;
    private static final long MAX_PARK_NS = TimeUnit.MILLISECONDS.toNanos(100);
    private static final long MIN_REDIAL_MS = 50;
    /** A duty cycle longer than this risks neighbours' hold timers: say so. */
    private static final long SLOW_CYCLE_NS = TimeUnit.MILLISECONDS.toNanos(500);
    private static final long MAX_REDIAL_MS = 5_000;

    private final NodeConfig config;
    private final LinkTransport transport;
    private final NodeMetrics metrics;
    private final long startNs = System.nanoTime();
    private final Queue<Runnable> messages = new ArrayBlockingQueue<>(MESSAGE_QUEUE_CAPACITY);
    private final Queue<Runnable> lifecycle = new ConcurrentLinkedQueue<>();
    private final Thread thread;
    private final PrefixAuthorizer authorizer;
    /** Signs own LSPs and verifies received ones when the node has a certificate. */
    private final io.dmsc.routing.LspAuthenticator lspAuthenticator;
    /** Written on the conductor thread; read from any. */
    private volatile java.util.Set<ServicePrefix> notAdvertised = java.util.Set.of();
    private volatile boolean running;
    private volatile Fib fib = Fib.EMPTY;
    private volatile long lastDutyCycleNs = System.nanoTime();
    private volatile long errors;
    private long lastSlowCycleLogNs = Long.MIN_VALUE / 2;
    /**
     * Lines about what outsiders do (refused TLS, hellos, malformed frames): one per peer host and
     * cause every 10 s, with a count of the rest. Any thread.
     */
    private final io.dmsc.node.logging.RateLimitedLog peerLog = new io.dmsc.node.logging.RateLimitedLog(LOG);
    /** Sequence-number wraps already logged. Conductor thread. */
    private long loggedSequenceWraps;
    /** Hellos on a TLS link claiming another id than the certificate's. Conductor thread. */
    private long identityMismatches;
    /** Connections refused because their hello claimed a neighbour that has a live adjacency. Conductor thread. */
    private long duplicateHellos;

    // Conductor thread only.
    private LinkStateProtocol protocol;
    private final Map<Long, LinkSession> sessions = new LinkedHashMap<>();
    private final Map<String, LinkSession> active = new TreeMap<>();
    private final Map<String, Dialer> dialers = new TreeMap<>();
    private final List<FibListener> fibListeners = new ArrayList<>();
    private List<PrefixEntry> localPrefixes;
    private volatile io.dmsc.node.data.Forwarder forwarder;
    private final LinkImpairments impairments;

    /** Receives every new FIB snapshot, on the conductor thread. */
    public interface FibListener {
        /** @param fib the new snapshot */
        void onFib(Fib fib);
    }

    /** One connection and its adjacency. Conductor thread only. */
    private static final class LinkSession {
        final LinkChannel channel;
        final Adjacency adjacency;
        final long openedNs;
        long upSinceNs;
        NeighborConfig neighbor;

        LinkSession(LinkChannel channel, Adjacency adjacency, long openedNs) {
            this.channel = channel;
            this.adjacency = adjacency;
            this.openedNs = openedNs;
        }

        String neighborId() {
            return adjacency.neighborId();
        }
    }

    /** Dialing state of one configured neighbour. Conductor thread only. */
    /**
     * How long a node first leaves the dialing of a neighbour with a lower id to that neighbour
     * (at start, and after their link closed). Both ends dial, and both keep the connection the
     * lower id dialed; when both connections complete (a TLS handshake takes a while), the one
     * that came up first is replaced, which takes the adjacency down and up again. Giving the
     * lower id a head start makes the second connection rare; the higher id still dials when no
     * connection arrived in time (the lower id is down, or has no address for it).
     */
    static final long YIELD_TO_LOWER_ID_NS = TimeUnit.MILLISECONDS.toNanos(500);

    private static final class Dialer {
        NeighborConfig neighbor;
        boolean dialing;
        long nextDialNs;
        long backoffMs = MIN_REDIAL_MS;
        /** Until then this node does not dial a neighbour with a lower id (see YIELD_TO_LOWER_ID_NS). */
        long yieldUntilNs;

        Dialer(NeighborConfig neighbor, String self) {
            this.neighbor = neighbor;
            yieldFrom(System.nanoTime(), self);
        }

        void yieldFrom(long nowNs, String self) {
            yieldUntilNs = neighbor.id().compareTo(self) < 0 ? nowNs + YIELD_TO_LOWER_ID_NS : nowNs;
        }
    }

    /**
     * @param config    node settings
     * @param transport link transport (listening is started by the caller)
     * @param metrics   where to count
     */
    public NodeConductor(NodeConfig config, LinkTransport transport, NodeMetrics metrics) {
        this.config = config;
        this.transport = transport;
        this.metrics = metrics;
        this.thread = new Thread(this::run, "dmsc-conductor-" + config.id());
        this.thread.setDaemon(true);
        AuthorizationConfig auth = config.authorization();
        this.authorizer = auth.mode() == AuthorizationConfig.Mode.OPEN ? PrefixAuthorizer.OPEN
                : new SignedPrefixAuthorizer(TrustAnchors.load(auth.trustAnchors()), metrics.registry(),
                        System::currentTimeMillis, SignedPrefixAuthorizer.DEFAULT_CACHE_ENTRIES);
        this.lspAuthenticator = config.security().credentials() == null ? io.dmsc.routing.LspAuthenticator.NONE
                : new io.dmsc.node.security.SignedLspAuthenticator(config.security().credentials(), metrics.registry(),
                        System::currentTimeMillis);
        List<PrefixEntry> prefixes = new ArrayList<>();
        for (ServicePrefix p : config.prefixes()) {
            prefixes.add(PrefixEntry.of(p, 0));
        }
        this.localPrefixes = prefixes;
        for (NeighborConfig n : config.neighbors()) {
            dialers.put(n.id(), new Dialer(n, config.id()));
        }
        this.impairments = new LinkImpairments(config.id(), metrics.registry());
    }

    /**
     * Connects the data plane, which learns of adjacencies going up and down. Before {@link #start()}.
     *
     * @param value the node's forwarder
     */
    public void setForwarder(io.dmsc.node.data.Forwarder value) {
        this.forwarder = value;
    }

    /** Starts the conductor thread. */
    public void start() {
        running = true;
        thread.start();
    }

    /** Stops the conductor thread and waits for it. */
    public void stop() {
        running = false;
        LockSupport.unpark(thread);
        try {
            thread.join(TimeUnit.SECONDS.toMillis(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // ----------------------------------------------------------------------------------------
    // Called from other threads

    /** @return the current FIB snapshot; lock-free, any thread */
    public Fib fib() {
        return fib;
    }

    /** @return true if the conductor thread is running and completed a duty cycle recently */
    public boolean healthy() {
        return running && thread.isAlive() && System.nanoTime() - lastDutyCycleNs < TimeUnit.SECONDS.toNanos(5);
    }

    /** @return duty cycles that threw, since start */
    public long errors() {
        return errors;
    }

    /**
     * Replaces the locally originated prefixes (static config, attached pods).
     *
     * @param prefixes the prefixes
     */
    public void setLocalPrefixes(Collection<PrefixEntry> prefixes) {
        List<PrefixEntry> copy = List.copyOf(prefixes);
        enqueueLifecycle(() -> {
            localPrefixes = copy;
            protocol.setLocalPrefixes(copy, System.nanoTime());
        });
    }

    /**
     * New node credentials (a rotated certificate): LSPs are signed with them from now on and
     * every own fragment is originated again so that the mesh sees the new certificate.
     *
     * @param next the node's new credentials
     */
    public void credentialsRotated(io.dmsc.node.security.Credentials next) {
        enqueueLifecycle(() -> {
            if (lspAuthenticator instanceof io.dmsc.node.security.SignedLspAuthenticator a) {
                try {
                    a.update(next);
                } catch (IllegalArgumentException e) {
                    LOG.error("{}: rotated credentials not used: {}", config.id(), e.getMessage());
                    return;
                }
                protocol.reoriginate(System.nanoTime());
            }
        });
    }

    /**
     * The prefixes this node advertises, with their authorizations, as last set.
     *
     * @return them, read on the conductor thread
     */
    public CompletableFuture<List<PrefixEntry>> localPrefixes() {
        CompletableFuture<List<PrefixEntry>> f = new CompletableFuture<>();
        enqueueLifecycle(() -> f.complete(localPrefixes));
        return f;
    }

    /**
     * Sets the overload flag.
     *
     * @param overload the flag
     */
    public void setOverload(boolean overload) {
        enqueueLifecycle(() -> protocol.setOverload(overload || config.role() == io.dmsc.wire.link.NodeRole.SCSC));
    }

    /**
     * Replaces the configured neighbours: new ones are dialed, removed ones are disconnected.
     *
     * @param neighbors the neighbours
     */
    public void setNeighbors(List<NeighborConfig> neighbors) {
        List<NeighborConfig> copy = List.copyOf(neighbors);
        enqueueLifecycle(() -> {
            Map<String, NeighborConfig> byId = new HashMap<>();
            for (NeighborConfig n : copy) {
                byId.put(n.id(), n);
                Dialer d = dialers.get(n.id());
                if (d == null) {
                    dialers.put(n.id(), new Dialer(n, config.id()));
                } else {
                    d.neighbor = n;
                }
            }
            for (String id : new ArrayList<>(dialers.keySet())) {
                if (!byId.containsKey(id)) {
                    dialers.remove(id);
                    LinkSession s = active.get(id);
                    if (s != null) {
                        s.channel.close();
                    }
                }
            }
        });
    }

    /**
     * Closes the connection to a neighbour, as a failing cable would; it is redialed as usual.
     *
     * @param neighborId the neighbour
     */
    public void dropLink(String neighborId) {
        enqueueLifecycle(() -> {
            LinkSession s = active.get(neighborId);
            if (s != null) {
                s.channel.close();
            }
        });
    }

    /**
     * Impairs the frames this node sends to a neighbour (delay, jitter, loss, rate limit), on its
     * connection now and on every later one, until cleared ({@link LinkImpairments}).
     *
     * @param neighborId a configured neighbour
     * @param impairment what to apply
     * @return completes with the impairment, or fails with an {@link IllegalArgumentException}
     *         naming the configured neighbours if {@code neighborId} is not one
     */
    public CompletableFuture<io.dmsc.node.link.LinkImpairment> impair(String neighborId,
                                                                      io.dmsc.node.link.LinkImpairment impairment) {
        return onConductor(() -> impairments.set(neighborId, impairment, dialers.keySet(), channelTo(neighborId)));
    }

    /**
     * Clears the impairment of the link to a neighbour.
     *
     * @param neighborId a configured neighbour
     * @return completes with true if one was set, or fails as {@link #impair} does
     */
    public CompletableFuture<Boolean> clearImpairment(String neighborId) {
        return onConductor(() -> impairments.clear(neighborId, dialers.keySet(), channelTo(neighborId)));
    }

    /** @return the impairments set, by neighbour, taken on the conductor thread */
    public CompletableFuture<List<LinkImpairments.Status>> impairments() {
        return onConductor(() -> impairments.status(this::channelTo));
    }

    private LinkChannel channelTo(String neighborId) {
        LinkSession s = active.get(neighborId);
        return s == null ? null : s.channel;
    }

    private <T> CompletableFuture<T> onConductor(java.util.function.Supplier<T> task) {
        CompletableFuture<T> f = new CompletableFuture<>();
        Runnable r = () -> {
            try {
                f.complete(task.get());
            } catch (RuntimeException e) {
                f.completeExceptionally(e);
            }
        };
        if (!enqueueLifecycle(r)) {
            f.completeExceptionally(new IllegalStateException("node " + config.id() + " is stopped"));
        }
        return f;
    }

    /**
     * Registers a FIB listener (data plane, tests); it first receives the current FIB.
     *
     * @param listener the listener
     */
    public void addFibListener(FibListener listener) {
        enqueueLifecycle(() -> {
            fibListeners.add(listener);
            listener.onFib(fib);
        });
    }

    /**
     * Takes a snapshot of the node's state on the conductor thread.
     *
     * @return the snapshot, completed by the conductor
     */
    public CompletableFuture<NodeStatus> status() {
        CompletableFuture<NodeStatus> f = new CompletableFuture<>();
        if (!enqueueLifecycle(() -> f.complete(snapshot(System.nanoTime())))) {
            f.completeExceptionally(new IllegalStateException("node " + config.id() + " is stopped"));
        }
        return f;
    }

    /**
     * Takes the topology and installed prefixes of the LSDB on the conductor thread.
     *
     * @return the view, completed by the conductor
     */
    public CompletableFuture<io.dmsc.routing.MeshView> meshView() {
        CompletableFuture<io.dmsc.routing.MeshView> f = new CompletableFuture<>();
        if (!enqueueLifecycle(() -> f.complete(protocol.view(System.nanoTime())))) {
            f.completeExceptionally(new IllegalStateException("node " + config.id() + " is stopped"));
        }
        return f;
    }

    private boolean enqueueLifecycle(Runnable r) {
        if (!running && thread.getState() == Thread.State.TERMINATED) {
            return false;
        }
        lifecycle.add(r);
        LockSupport.unpark(thread);
        return true;
    }

    // ----------------------------------------------------------------------------------------
    // LinkHandler: transport threads

    @Override
    public void onOpen(LinkChannel channel) {
        enqueueLifecycle(() -> opened(channel));
    }

    @Override
    public void onMessage(LinkChannel channel, LinkMessage message) {
        if (!messages.offer(() -> received(channel, message))) {
            metrics.commandDropped();
        }
        LockSupport.unpark(thread);
    }

    @Override
    public void onData(LinkChannel channel, io.netty.buffer.ByteBuf frame) {
        io.dmsc.node.data.Forwarder f = forwarder;
        if (f == null) {
            frame.release();
        } else {
            f.onData(channel, frame);
        }
    }

    @Override
    public void onWritabilityChanged(LinkChannel channel, boolean writable) {
        io.dmsc.node.data.Forwarder f = forwarder;
        if (f != null) {
            f.onWritabilityChanged(channel, writable);
        }
    }

    @Override
    public void onMalformed(LinkChannel channel, MalformedFrameException error) {
        metrics.malformedFrame(error.kind());
        enqueueLifecycle(() -> peerLog.warn("malformed " + peerHost(channel) + " " + error.kind(),
                "{}: closing link {}: malformed frame: {}", config.id(), channel, error.getMessage()));
    }

    @Override
    public void onClosed(LinkChannel channel) {
        io.dmsc.node.data.Forwarder f = forwarder;
        if (f != null) {
            // At once, not after the queue: calls on the link fail without delay.
            f.linkDown(channel);
        }
        enqueueLifecycle(() -> closed(channel));
    }

    @Override
    public void onTlsFailure(String remoteAddress, String reason, String detail) {
        metrics.tlsHandshakeFailed(reason);
        String host = io.dmsc.node.logging.RateLimitedLog.hostOf(remoteAddress);
        peerLog.warn("tls " + host + " " + reason, "{}: TLS refused for {}: {}: {} (one line per peer host and "
                + "reason every 10 s; counted in dmsc_tls_handshake_failures_total)", config.id(), remoteAddress,
                reason, detail);
    }

    /** The host of a link's remote address (no port: a new connection must not be a new cause). */
    private static String peerHost(LinkChannel channel) {
        return io.dmsc.node.logging.RateLimitedLog.hostOf(channel.remoteAddress());
    }

    @Override
    public void onDialFailed(String address, Object attachment, Throwable cause) {
        enqueueLifecycle(() -> dialFailed((NeighborConfig) attachment, address, cause));
    }

    // ----------------------------------------------------------------------------------------
    // Conductor thread

    private void run() {
        protocol = new LinkStateProtocol(config.routing(), this, System::nanoTime, authorizer, lspAuthenticator,
                System.nanoTime());
        protocol.limitLsdb(config.limits().lsdb());
        if (lspAuthenticator != io.dmsc.routing.LspAuthenticator.NONE) {
            LOG.info("{}: LSPs signed as {} and verified against the mesh CA; link TLS by {}", config.id(),
                    ((io.dmsc.node.security.SignedLspAuthenticator) lspAuthenticator).identity(),
                    io.dmsc.node.security.LinkTls.provider());
        }
        if (config.authorization().mode() == AuthorizationConfig.Mode.OPEN) {
            LOG.warn("{}: prefix authorization is OPEN: every advertised prefix is installed without an SPA "
                    + "authorization (set authorization.trustAnchors to require them)", config.id());
        } else {
            LOG.info("{}: prefix authorization required; trust anchors {}", config.id(),
                    ((SignedPrefixAuthorizer) authorizer).keyIds());
        }
        protocol.setLocalPrefixes(localPrefixes, System.nanoTime());
        LOG.info("{}: {} started, listening on {}", config.id(), config.role().code().toUpperCase(), config.listen());
        while (running) {
            long nowNs = System.nanoTime();
            try {
                int work = drain(nowNs);
                long drainedNs = System.nanoTime();
                work += duty(drainedNs);
                long cycleNs = System.nanoTime() - nowNs;
                if (cycleNs > SLOW_CYCLE_NS && drainedNs - lastSlowCycleLogNs > TimeUnit.SECONDS.toNanos(10)) {
                    lastSlowCycleLogNs = drainedNs;
                    LOG.warn("{}: slow duty cycle: {} ms ({} ms draining {} commands)", config.id(),
                            TimeUnit.NANOSECONDS.toMillis(cycleNs), TimeUnit.NANOSECONDS.toMillis(drainedNs - nowNs),
                            work);
                }
                nowNs = drainedNs;
                if (work > 0) {
                    publishCounters();
                }
                lastDutyCycleNs = nowNs;
                if (lifecycle.isEmpty() && messages.isEmpty()) {
                    long deadline = nextDeadlineNs(nowNs);
                    long parkNs = Math.min(MAX_PARK_NS, deadline - System.nanoTime());
                    if (parkNs > 0) {
                        LockSupport.parkNanos(this, parkNs);
                    }
                }
            } catch (Throwable t) {
                errors++;
                LOG.error("{}: duty cycle failed; continuing", config.id(), t);
            }
        }
        for (LinkSession s : new ArrayList<>(sessions.values())) {
            s.channel.close();
        }
        drainLifecycle();
    }

    private void drainLifecycle() {
        Runnable r;
        while ((r = lifecycle.poll()) != null) {
            try {
                r.run();
            } catch (RuntimeException e) {
                LOG.debug("{}: command after stop failed: {}", config.id(), e.toString());
            }
        }
    }

    private int drain(long nowNs) {
        int work = 0;
        Runnable r;
        while ((r = lifecycle.poll()) != null) {
            r.run();
            work++;
        }
        // Bounded batch so timers keep running under a flood of messages.
        for (int i = 0; i < 4096 && (r = messages.poll()) != null; i++) {
            r.run();
            work++;
        }
        return work;
    }

    /**
     * Longest gap between duty cycles, or lag of the data-plane loop, after which this node does
     * not trust its own view of its links: it was not running, so a neighbour's frames may be
     * waiting unread. Hold timers that expire then wait for the next cycle that ran in time.
     */
    private static final long STARVED_NS = TimeUnit.MILLISECONDS.toNanos(300);
    /** Start of the previous duty cycle. Conductor thread. */
    private long previousDutyNs;
    /** Hold-timer expiries put off because this node itself was starved. */
    private long holdExpiriesDeferred;

    private int duty(long nowNs) {
        int work = 0;
        long gapNs = previousDutyNs == 0 ? 0 : nowNs - previousDutyNs;
        previousDutyNs = nowNs;
        io.dmsc.node.data.Forwarder f = forwarder;
        boolean starved = gapNs > STARVED_NS || (f != null && f.loopLagNs(nowNs) > STARVED_NS);
        for (LinkSession s : new ArrayList<>(sessions.values())) {
            if (s.adjacency.neighborId().isEmpty()
                    && nowNs - s.openedNs > TimeUnit.MILLISECONDS.toNanos(config.holdTimeMs())) {
                peerLog.warn("no-hello " + peerHost(s.channel), "{}: closing link {}: no hello within {} ms",
                        config.id(), s.channel, config.holdTimeMs());
                s.channel.close();
                sessions.remove(s.channel.id());
                continue;
            }
            long lastReceivedNs = s.channel.isReadPaused() ? nowNs : s.channel.lastReceivedNs();
            if (lastReceivedNs != 0 && isActive(s)) {
                // Data frames never reach the conductor; their arrival still proves the neighbour alive
                // when its hellos wait behind them (BGP's rule: any traffic restarts the hold timer). A
                // link we stopped reading because the link it feeds is congested is silent by our choice.
                s.adjacency.onTraffic(lastReceivedNs);
            }
            if (starved && s.adjacency.holdExpired(nowNs)) {
                holdExpiriesDeferred++;
                peerLog.warn("starved", "{}: hold time of {} passed while this node was not running for {} ms (data "
                        + "loop {} ms behind); waiting one more cycle before declaring it down", config.id(),
                        s.neighborId(), TimeUnit.NANOSECONDS.toMillis(gapNs),
                        f == null ? 0 : TimeUnit.NANOSECONDS.toMillis(f.loopLagNs(nowNs)));
            } else if (s.adjacency.onTimer(nowNs) == Adjacency.Transition.DOWN) {
                LOG.warn("{}: adjacency to {} down: hold time expired", config.id(), s.neighborId());
                adjacencyDown(s, nowNs);
                s.channel.close();
                work++;
            }
            if (isActive(s)) {
                HelloMessage hello = s.adjacency.pollHello(nowNs);
                if (hello != null) {
                    s.channel.send(hello);
                    work++;
                }
            }
        }
        for (Dialer d : dialers.values()) {
            if (d.neighbor.address() != null && !d.dialing && !active.containsKey(d.neighbor.id())
                    && nowNs - d.nextDialNs >= 0 && nowNs - d.yieldUntilNs >= 0) {
                d.dialing = true;
                transport.dial(d.neighbor.address(), d.neighbor, this);
                work++;
            }
        }
        work += protocol.doWork(nowNs);
        return work;
    }

    private long nextDeadlineNs(long nowNs) {
        long next = protocol.nextDeadlineNs(nowNs);
        for (LinkSession s : sessions.values()) {
            next = Math.min(next, s.adjacency.nextDeadlineNs(nowNs));
            if (s.adjacency.neighborId().isEmpty()) {
                next = Math.min(next, s.openedNs + TimeUnit.MILLISECONDS.toNanos(config.holdTimeMs()) + 1);
            }
        }
        for (Dialer d : dialers.values()) {
            if (d.neighbor.address() != null && !d.dialing && !active.containsKey(d.neighbor.id())) {
                next = Math.min(next, d.nextDialNs - d.yieldUntilNs > 0 ? d.nextDialNs : d.yieldUntilNs);
            }
        }
        return next;
    }

    private boolean isActive(LinkSession s) {
        return s.adjacency.neighborId().isEmpty() || active.get(s.neighborId()) == s;
    }

    private void opened(LinkChannel channel) {
        long nowNs = System.nanoTime();
        if (!running) {
            channel.close();
            return;
        }
        // A dialer stays "dialing" until its connection closes: while the connection waits for
        // the neighbour's first hello it must not dial again.
        LinkSession s = new LinkSession(channel, new Adjacency(config.id(), config.role(), config.helloIntervalMs(),
                config.holdTimeMs(), nowNs), nowNs);
        sessions.put(channel.id(), s);
        LOG.debug("{}: link {} open", config.id(), channel);
    }

    private void received(LinkChannel channel, LinkMessage message) {
        LinkSession s = sessions.get(channel.id());
        if (s == null) {
            return;
        }
        long nowNs = System.nanoTime();
        if (message instanceof HelloMessage hello) {
            hello(s, hello, nowNs);
            return;
        }
        if (active.get(s.neighborId()) != s) {
            return;
        }
        s.adjacency.onTraffic(nowNs);
        protocol.receive(s.neighborId(), message, nowNs);
    }

    private void hello(LinkSession s, HelloMessage hello, long nowNs) {
        String id = hello.nodeId();
        String proven = s.channel.peerIdentity();
        if (proven != null && !proven.equals(id)) {
            identityMismatches++;
            peerLog.warn("mismatch " + peerHost(s.channel) + " " + proven, "{}: closing link {}: its hello claims "
                    + "'{}' but its certificate is for node '{}' (expected: the same id)", config.id(), s.channel,
                    id, proven);
            s.channel.close();
            sessions.remove(s.channel.id());
            return;
        }
        if (s.neighbor == null) {
            Dialer d = dialers.get(id);
            if (d == null) {
                peerLog.warn("unknown " + peerHost(s.channel), "{}: closing link {}: node '{}' is not a configured "
                        + "neighbour", config.id(), s.channel, id);
                s.channel.close();
                return;
            }
            if (s.channel.attachment() instanceof NeighborConfig dialed && !dialed.id().equals(id)) {
                LOG.warn("{}: closing link {}: dialed '{}' at {} but '{}' answered", config.id(), s.channel,
                        dialed.id(), dialed.address(), id);
                s.channel.close();
                return;
            }
            LinkSession existing = active.get(id);
            if (existing != null && existing != s && existing.upSinceNs != 0 && proven == null) {
                // On plaintext links a live adjacency is never replaced by a second connection
                // claiming the same id (anyone can claim it): a restarted neighbour's old connection
                // closes (or times out) first. On TLS links both connections proved the same node,
                // and the dialed-by-lower-id rule below picks the same one on both ends.
                duplicateHellos++;
                peerLog.warn("duplicate " + peerHost(s.channel) + " " + id, "{}: closing link {} from {}: '{}' "
                        + "already has a live adjacency on {} (expected: one connection per neighbour)", config.id(),
                        s.channel, s.channel.remoteAddress(), id, existing.channel);
                s.channel.close();
                sessions.remove(s.channel.id());
                return;
            }
            s.neighbor = d.neighbor;
            if (existing != null && existing != s) {
                // Both ends dialed: keep the connection dialed by the lower node id, on both ends.
                boolean sDialedByLower = s.channel.isOutbound() == (config.id().compareTo(id) < 0);
                if (!sDialedByLower) {
                    LOG.debug("{}: closing duplicate link {} to {}", config.id(), s.channel, id);
                    s.channel.close();
                    sessions.remove(s.channel.id());
                    return;
                }
                LOG.debug("{}: replacing link {} to {} by {}", config.id(), existing.channel, id, s.channel);
                adjacencyDown(existing, nowNs);
                sessions.remove(existing.channel.id());
                existing.channel.close();
            }
            active.put(id, s);
            impairments.linkActive(id, s.channel);
        }
        Adjacency.Transition t;
        try {
            t = s.adjacency.onHello(hello, nowNs);
        } catch (IllegalStateException e) {
            peerLog.warn("hello " + peerHost(s.channel), "{}: closing link {}: {}", config.id(), s.channel,
                    e.getMessage());
            s.channel.close();
            return;
        }
        if (t == Adjacency.Transition.UP) {
            // Our hello listing the neighbour goes out before anything else, so it reaches UP
            // before our first summary arrives.
            HelloMessage reply = s.adjacency.pollHello(nowNs);
            if (reply != null) {
                s.channel.send(reply);
            }
            s.upSinceNs = nowNs;
            if (forwarder != null) {
                forwarder.linkUp(id, s.channel);
            }
            protocol.adjacencyUp(id, s.neighbor.metric(), nowNs);
            Dialer d = dialers.get(id);
            if (d != null) {
                d.backoffMs = MIN_REDIAL_MS;
            }
            metrics.adjacencyChanged(true, protocol.upNeighbors().size());
            LOG.info("{}: adjacency to {} up ({} {}, metric {})", config.id(), id,
                    s.channel.isOutbound() ? "dialed" : "accepted", s.channel.remoteAddress(), s.neighbor.metric());
        } else if (t == Adjacency.Transition.DOWN) {
            LOG.warn("{}: adjacency to {} down: neighbour no longer lists us (restarted?)", config.id(), id);
            if (forwarder != null) {
                forwarder.linkDown(s.channel);
            }
            protocol.adjacencyDown(id, nowNs);
            s.upSinceNs = 0;
            metrics.adjacencyChanged(false, protocol.upNeighbors().size());
        }
    }

    private void adjacencyDown(LinkSession s, long nowNs) {
        boolean wasUp = s.upSinceNs != 0;
        s.upSinceNs = 0;
        if (active.get(s.neighborId()) == s) {
            active.remove(s.neighborId());
        }
        if (forwarder != null) {
            forwarder.linkDown(s.channel);
        }
        if (wasUp) {
            protocol.adjacencyDown(s.neighborId(), nowNs);
            metrics.adjacencyChanged(false, protocol.upNeighbors().size());
        }
    }

    private void closed(LinkChannel channel) {
        LinkSession s = sessions.remove(channel.id());
        long nowNs = System.nanoTime();
        if (channel.attachment() instanceof NeighborConfig n) {
            Dialer d = dialers.get(n.id());
            if (d != null) {
                d.dialing = false;
            }
        }
        if (s == null) {
            return;
        }
        if (s.upSinceNs == 0 && channel.attachment() instanceof NeighborConfig n && !active.containsKey(n.id())) {
            // A dialed connection that closed before its adjacency came up (refused by the peer's
            // TLS, its neighbour list, or a crash): back off as for a failed dial, never spin.
            dialFailed(n, n.address(), new LinkException("the connection closed before the adjacency came up", null));
        }
        if (!s.adjacency.neighborId().isEmpty() && active.get(s.neighborId()) == s) {
            boolean wasUp = s.upSinceNs != 0;
            s.adjacency.onLinkClosed();
            adjacencyDown(s, nowNs);
            if (wasUp) {
                LOG.warn("{}: adjacency to {} down: connection closed", config.id(), s.neighborId());
            }
            Dialer d = dialers.get(s.neighborId());
            if (d != null) {
                // Redial at once after losing an established link (after the lower id's head
                // start); back off if that fails.
                d.nextDialNs = nowNs;
                d.yieldFrom(nowNs, config.id());
            }
        }
    }

    private void dialFailed(NeighborConfig n, String address, Throwable cause) {
        Dialer d = dialers.get(n.id());
        if (d == null) {
            return;
        }
        d.dialing = false;
        long jitter = ThreadLocalRandom.current().nextLong(d.backoffMs / 4 + 1);
        d.nextDialNs = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(d.backoffMs + jitter);
        if (d.backoffMs == MIN_REDIAL_MS || d.backoffMs >= MAX_REDIAL_MS) {
            LOG.info("{}: cannot reach neighbour {} at {}: {}; retrying every {} ms at most", config.id(), n.id(),
                    address, cause == null ? "unknown" : cause.getMessage(), MAX_REDIAL_MS);
        }
        d.backoffMs = Math.min(MAX_REDIAL_MS, d.backoffMs * 2);
    }

    // ----------------------------------------------------------------------------------------
    // LinkStateOutput: conductor thread

    @Override
    public void send(String neighborId, LinkMessage message) {
        LinkSession s = active.get(neighborId);
        if (s == null || !s.channel.send(message)) {
            metrics.linkSendDropped();
        }
    }

    @Override
    public void routesChanged(Fib newFib) {
        fib = newFib;
        metrics.fibSize(newFib.size());
        for (FibListener l : fibListeners) {
            l.onFib(newFib);
        }
    }

    @Override
    public void calculationRan(boolean full, long durationNs, int nodes) {
        if (full) {
            metrics.spfRan(durationNs);
            LOG.info("{}: SPF over {} nodes took {} µs; FIB has {} entries", config.id(), nodes,
                    TimeUnit.NANOSECONDS.toMicros(durationNs), fib.size());
        }
    }

    private Map<String, Long> publishCounters() {
        ProtocolCounters c = protocol.counters();
        Map<String, Long> m = new LinkedHashMap<>();
        m.put("lspsSent", c.lspsSent);
        m.put("lspsReceived", c.lspsReceived);
        m.put("lspsRetransmitted", c.lspsRetransmitted);
        m.put("lspsDuplicate", c.lspsDuplicate);
        m.put("lspsOlder", c.lspsOlder);
        m.put("lspsOriginated", c.lspsOriginated);
        m.put("lspsRefreshed", c.lspsRefreshed);
        m.put("lspsExpired", c.lspsExpired);
        m.put("purgesInstalled", c.purgesInstalled);
        m.put("ownLspsRecovered", c.ownLspsRecovered);
        m.put("sequenceWraps", c.sequenceExhausted);
        if (c.sequenceExhausted > loggedSequenceWraps) {
            loggedSequenceWraps = c.sequenceExhausted;
            LOG.error("{}: an own LSP reached sequence number 2^64-1; purged, and not originated again for "
                    + "lspLifetimeS + zeroAgeLifetimeS ({} s), then from 1 (ISO 10589 7.3.16.1)", config.id(),
                    config.routing().lspLifetimeS() + config.routing().zeroAgeLifetimeS());
        }
        m.put("psnpsSent", c.psnpsSent);
        m.put("psnpsReceived", c.psnpsReceived);
        m.put("csnpsSent", c.csnpsSent);
        m.put("csnpsReceived", c.csnpsReceived);
        m.put("rejectedPdus", c.rejectedPdus);
        m.put("ignoredPdus", c.ignoredPdus);
        m.put("spfRuns", c.spfRuns);
        m.put("localRepairs", c.localRepairs);
        m.put("partialRuns", c.partialRuns);
        m.put("fibUpdates", c.fibUpdates);
        m.put("malformedFrames", metrics.malformedFrames());
        m.put("conductorErrors", errors);
        m.put("duplicateHellos", duplicateHellos);
        m.put("identityMismatches", identityMismatches);
        m.put("lastSpfDurationNs", c.lastSpfDurationNs);
        m.put("prefixAuthorizationChecks", protocol.authorizationChecks());
        for (Map.Entry<io.dmsc.routing.LspAuthenticator.LspRejection, Long> r : protocol.lspRejections().entrySet()) {
            m.put("lspsRejected." + r.getKey().label(), r.getValue());
        }
        for (Map.Entry<io.dmsc.routing.PrefixRejection, Long> r : protocol.prefixRejections().entrySet()) {
            m.put("prefixesRejected." + r.getKey().label(), r.getValue());
        }
        m.put("prefixesNotAdvertised", (long) protocol.notAdvertised().size());
        m.put("holdExpiriesDeferred", holdExpiriesDeferred);
        m.put("lsdbOrigins", (long) protocol.lsdb().origins());
        m.put("lsdbBytes", protocol.lsdb().bytes());
        for (Map.Entry<io.dmsc.routing.LsdbLimits.Refusal, Long> r : protocol.lsdbRefusals().entrySet()) {
            m.put("lspsRefused." + r.getKey().label(), r.getValue());
        }
        LinkStateProtocol.RefusedLsp refused = protocol.pollLsdbRefusal();
        if (refused != null) {
            io.dmsc.routing.LsdbLimits l = config.limits().lsdb();
            peerLog.warn("lsdb " + refused.id().origin() + " " + refused.reason(), "{}: LSP {} refused: {} (the LSDB "
                    + "holds {} origins and {} bytes, {} of them from {}; expected: at most {} origins, {} bytes per "
                    + "origin, {} in all: limits.maxLsdbOrigins, maxLsdbOriginBytes, maxLsdbBytes)", config.id(),
                    refused.id(), refused.reason().label(), protocol.lsdb().origins(), protocol.lsdb().bytes(),
                    protocol.lsdb().bytesOf(refused.id().origin()), refused.id().origin(), l.maxOrigins(),
                    l.maxOriginBytes(), l.maxTotalBytes());
        }
        m.put("prefixesLeftOut", c.prefixesNotAdvertised);
        java.util.Set<ServicePrefix> left = protocol.notAdvertised();
        if (left != notAdvertised) {
            if (!left.isEmpty() && !left.equals(notAdvertised)) {
                LOG.warn("{}: its LSP has no room for {} own prefixes (first {}); they are not advertised "
                        + "(expected: fewer or shorter prefixes, or a larger maxLspBytes)", config.id(), left.size(),
                        left.iterator().next());
            }
            notAdvertised = left;
        }
        Map<String, Long> published = Map.copyOf(m);
        metrics.publishProtocolCounters(published);
        return published;
    }

    /**
     * Own prefixes the last origination had no room for: what {@link #setLocalPrefixes} gave
     * beyond the LSP's room. Any thread.
     *
     * @return an unmodifiable set, empty while everything fits
     */
    public java.util.Set<ServicePrefix> notAdvertised() {
        return notAdvertised;
    }

    /**
     * The room this node's LSP has for prefixes with every configured neighbour listed. Any thread.
     *
     * @return the budget
     */
    public io.dmsc.routing.AdvertisementBudget advertisementBudget() {
        return io.dmsc.routing.AdvertisementBudget.of(config.routing(), lspAuthenticator.overheadBytes(),
                config.neighbors().stream().map(NeighborConfig::id).toList());
    }

    private NodeStatus snapshot(long nowNs) {
        List<NodeStatus.Neighbor> ns = new ArrayList<>();
        for (LinkSession s : sessions.values()) {
            ns.add(new NodeStatus.Neighbor(s.neighborId(), s.adjacency.state().name(), s.channel.remoteAddress(),
                    s.channel.isOutbound() ? "out" : "in", s.neighbor == null ? 0 : s.neighbor.metric(),
                    s.upSinceNs == 0 ? 0 : TimeUnit.NANOSECONDS.toMillis(nowNs - s.upSinceNs),
                    s.adjacency.neighborRole() == null ? "" : s.adjacency.neighborRole().code(),
                    s.neighborId().isEmpty() ? 0 : protocol.pendingOn(s.neighborId()),
                    s.channel.peerIdentity() == null ? "plaintext" : "tls " + s.channel.peerIdentity()));
        }
        for (Dialer d : dialers.values()) {
            if (!active.containsKey(d.neighbor.id())) {
                ns.add(new NodeStatus.Neighbor(d.neighbor.id(), "DOWN",
                        d.neighbor.address() == null ? "(passive)" : d.neighbor.address(), d.dialing ? "dialing" : "",
                        d.neighbor.metric(), 0, "", 0, ""));
            }
        }
        ns.sort((a, b) -> a.id().compareTo(b.id()));
        List<NodeStatus.Lsp> lsps = new ArrayList<>();
        for (LsdbEntry e : protocol.lsdb().entries()) {
            LinkStatePdu p = e.pdu();
            List<String> nbs = new ArrayList<>();
            for (NeighborEntry n : p.neighbors()) {
                nbs.add(n.nodeId() + ":" + n.metric());
            }
            List<String> pfx = new ArrayList<>();
            for (PrefixEntry x : p.prefixes()) {
                pfx.add(x.prefix().toString());
            }
            lsps.add(new NodeStatus.Lsp(p.id().toString(), p.id().origin(), p.id().fragment(),
                    Long.toUnsignedString(p.sequence()), e.remainingLifetimeS(nowNs), p.role().code(), p.overload(),
                    nbs, pfx, e.purged(), p.signature() == null ? "unsigned" : "signed"));
        }
        List<NodeStatus.Route> routes = new ArrayList<>();
        for (RibEntry r : protocol.rib()) {
            routes.add(new NodeStatus.Route(r.prefix().toString(), r.cost(), r.egress(), r.nextHops(), r.local()));
        }
        List<NodeStatus.Forwarding> fwd = new ArrayList<>();
        for (FibEntry f : fib.entries()) {
            fwd.add(new NodeStatus.Forwarding(f.prefix().toString(), f.nextHops(), f.local(), f.cost()));
        }
        Map<String, Long> counters = new TreeMap<>(publishCounters());
        List<NodeStatus.Prefix> prefixes = new ArrayList<>();
        for (PrefixStatus p : protocol.prefixStatus(nowNs)) {
            prefixes.add(new NodeStatus.Prefix(p.prefix().toString(), p.origin(), p.owner(),
                    p.notAfterEpochMs() == 0 ? "" : java.time.Instant.ofEpochMilli(p.notAfterEpochMs()).toString(),
                    p.state(), p.detail()));
        }
        return new NodeStatus(config.id(), config.role().code(), config.listen(),
                TimeUnit.NANOSECONDS.toMillis(nowNs - startNs), ns, lsps, routes, fwd, counters,
                protocol.backoffState().name(), config.authorization().mode().code(), prefixes);
    }

    /** @return the node's settings */
    public NodeConfig config() {
        return config;
    }
}
