package io.dmsc.node.data;

import io.dmsc.node.link.LinkChannel;
import io.dmsc.routing.Fib;
import io.dmsc.routing.FibEntry;
import io.dmsc.wire.ServicePrefix;
import io.dmsc.wire.data.DataFrames;
import io.dmsc.wire.link.MalformedFrameException;
import io.dmsc.wire.proto.data.v1.Cancel;
import io.dmsc.wire.proto.data.v1.Close;
import io.dmsc.wire.proto.data.v1.Probe;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.EventLoop;
import io.netty.util.collection.IntObjectHashMap;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The data plane of one node: switches data frames between links and local streams by flow
 * entries, the way DESIGN.md section 6 describes. An OPEN frame is routed by longest-prefix match
 * of its name in the FIB; the hop installs a flow entry (in-link, stream id) → (out-link, stream
 * id) and its reverse, so every later frame of the stream, in both directions, is switched by an
 * exact match on (link, stream id) and retraces the same path. Transit hops rewrite the stream id
 * (and, on OPEN, the hop limit and remaining timeout) in place and forward the buffer they
 * received; they never parse a payload.
 *
 * <p>Flows end when a CLOSE or CANCEL passes, when a link of theirs fails (the surviving side
 * gets CLOSE or CANCEL with UNAVAILABLE), when their deadline passes (DEADLINE_EXCEEDED) and
 * after an idle timeout. A link whose outbound buffer is over its high-water mark stops reading
 * from the links that feed it until it drains (per-link back-pressure); end-to-end credit
 * between the gateways bounds each stream.
 *
 * <p>Thread: everything runs on one event loop, the node's data-plane loop, which is also the
 * loop of the node's link channels and of the gateway's gRPC servers and clients. Public methods
 * may be called from any thread: they hop onto the loop.
 */
public final class Forwarder {
    private static final Logger LOG = LoggerFactory.getLogger(Forwarder.class);
    /** What an OPEN with no usable next hop is told. */
    private static final int UNAVAILABLE = 14;
    private static final int UNIMPLEMENTED = 12;
    private static final int DEADLINE_EXCEEDED = 4;
    private static final int RESOURCE_EXHAUSTED = 8;
    private static final io.dmsc.node.logging.RateLimitedLog LIMITED = new io.dmsc.node.logging.RateLimitedLog(LOG);
    private static final int CANCELLED = 1;
    private static final long REAP_INTERVAL_MS = 250;
    private static final String LOCAL = "local";

    private final String nodeId;
    private final EventLoop loop;
    /** Flow entries held at once; OPENs beyond are answered RESOURCE_EXHAUSTED. */
    private volatile int maxFlows = io.dmsc.node.config.LimitsConfig.DEFAULT_MAX_FLOWS;
    private final Supplier<Fib> fib;
    private final DataPlaneMetrics metrics;
    private final ByteBufAllocator alloc;
    private final long idleTimeoutNs;
    private final String selfName;

    // Data-plane loop only.
    private final Map<LinkChannel, LinkState> links = new IdentityHashMap<>();
    private final Map<String, LinkState> byNeighbor = new HashMap<>();
    /** The neighbours of {@link #byNeighbor}, for other threads. */
    private volatile java.util.Set<String> upNeighbors = java.util.Set.of();
    private volatile io.dmsc.node.policy.PolicyTable policies;
    private final Set<Flow> flows = Collections.newSetFromMap(new IdentityHashMap<>());
    private LocalDelivery delivery;
    private ProbeListener probeListener;
    private int roundRobin;
    private ScheduledFuture<?> reaper;
    /**
     * Time of the last reaper tick: the per-frame path stamps flows with it instead of reading
     * the clock, as idle timeouts are minutes and the reaper runs every 250 ms.
     */
    private long tickNs = System.nanoTime();

    /**
     * @param nodeId        this node
     * @param loop          the data-plane event loop (the loop of every link channel of the node)
     * @param fib           the current FIB, read lock-free
     * @param metrics       where to count
     * @param idleTimeoutMs a flow without frames for this long is removed
     */
    public Forwarder(String nodeId, EventLoop loop, Supplier<Fib> fib, DataPlaneMetrics metrics, long idleTimeoutMs) {
        if (idleTimeoutMs < 1) {
            throw new IllegalArgumentException("idleTimeoutMs: " + idleTimeoutMs + " (expected: > 0)");
        }
        this.nodeId = nodeId;
        this.loop = loop;
        this.fib = fib;
        this.metrics = metrics;
        this.alloc = ByteBufAllocator.DEFAULT;
        this.idleTimeoutNs = TimeUnit.MILLISECONDS.toNanos(idleTimeoutMs);
        this.selfName = ServicePrefix.nodePrefix(nodeId).toString();
        metrics.bindFlows(this::flowCount);
    }

    /**
     * Bounds the flow table: an OPEN that finds it full is answered RESOURCE_EXHAUSTED, counted
     * ({@code dmsc_data_frames_dropped_total{reason="flow_table_full"}}) and logged once per
     * interval. Any thread.
     *
     * @param max flow entries held at once, &gt; 0
     */
    public void limitFlows(int max) {
        if (max < 1) {
            throw new IllegalArgumentException("maxFlows: " + max + " (expected: > 0)");
        }
        maxFlows = max;
    }

    /** Refuses an OPEN (already in the table) when the table holds more than allowed. */
    private boolean overFlowLimit(Flow flow, ByteBuf frame) {
        if (flows.size() <= maxFlows) {
            return false;
        }
        metrics.dropped("flow_table_full");
        LIMITED.warn(nodeId + " flows", "{}: flow table full ({} flows): OPENs answered RESOURCE_EXHAUSTED "
                + "(expected: at most limits.maxFlows = {})", nodeId, flows.size() - 1, maxFlows);
        frame.release();
        failBoth(flow, RESOURCE_EXHAUSTED, "flow table of " + nodeId + " is full (" + maxFlows + " calls in flight; "
                + "expected: fewer concurrent calls through it, or a larger limits.maxFlows)");
        return true;
    }

    /** Starts the reaper. */
    public void start() {
        onLoop(() -> {
            reaper = loop.scheduleAtFixedRate(this::reap, REAP_INTERVAL_MS, REAP_INTERVAL_MS, TimeUnit.MILLISECONDS);
            loopTickNs = System.nanoTime();
            loopTicker = loop.scheduleAtFixedRate(() -> loopTickNs = System.nanoTime(), LOOP_TICK_MS, LOOP_TICK_MS,
                    TimeUnit.MILLISECONDS);
            loadSampler = loop.scheduleAtFixedRate(this::sampleLoad, LOAD_INTERVAL_MS, LOAD_INTERVAL_MS,
                    TimeUnit.MILLISECONDS);
        });
    }

    /** Period over which each link's data bytes per second are measured. */
    static final long LOAD_INTERVAL_MS = 1000;
    /** Period of the loop's heartbeat, by which the conductor tells a busy loop from a silent link. */
    static final long LOOP_TICK_MS = 50;
    /** Written on the loop by its heartbeat; read from any thread. 0 before start. */
    private volatile long loopTickNs;
    private java.util.concurrent.ScheduledFuture<?> loopTicker;

    /**
     * How far the data-plane loop is behind: the time since its last heartbeat (every
     * {@value #LOOP_TICK_MS} ms). A loop far behind may hold frames it has not read yet, so a
     * silent link is then no proof of a silent neighbour. Any thread.
     *
     * @param nowNs current time
     * @return the lag in nanoseconds, 0 before start
     */
    public long loopLagNs(long nowNs) {
        long tick = loopTickNs;
        return tick == 0 ? 0 : Math.max(0, nowNs - tick - TimeUnit.MILLISECONDS.toNanos(LOOP_TICK_MS));
    }
    private io.netty.util.concurrent.ScheduledFuture<?> loadSampler;

    /**
     * Neighbour RTT probes, by probe id: which neighbour and when it left. Ids are negative, so
     * they never meet the ids of {@link ProbeListener}s (ping, trace, path measurement). At most
     * two rounds outstanding per link; older ones count as lost. On the loop.
     */
    private final Map<Long, Object[]> rttProbes = new HashMap<>();
    private volatile boolean neighborProbes;

    /** Sends one RTT probe a second to every neighbour (off by default: tests of the switching see only their frames). */
    public void enableNeighborProbes() {
        neighborProbes = true;
    }
    private long nextRttProbe = Long.MIN_VALUE;

    /** One echo probe on every link that is up, straight to the neighbour (not by the FIB). On the loop. */
    private void probeNeighbors(long nowNs) {
        if (!neighborProbes) {
            return;
        }
        rttProbes.values().removeIf(o -> nowNs - (long) o[1] > TimeUnit.MILLISECONDS.toNanos(2 * LOAD_INTERVAL_MS));
        for (LinkState l : byNeighbor.values()) {
            long id = nextRttProbe++;
            if (nextRttProbe >= 0) {
                nextRttProbe = Long.MIN_VALUE;
            }
            Probe p = Probe.newBuilder().setKind(Probe.Kind.ECHO_REQUEST).setProbeId(id).setOrigin(nodeId)
                    .setName(ServicePrefix.nodePrefix(l.neighborId).toString()).setSentAtNs(nowNs)
                    .setInitialHopLimit(2).build();
            rttProbes.put(id, new Object[] {l, nowNs});
            send(l, DataFrames.probe(alloc, 2, p), DataFrames.PROBE, null);
        }
    }

    private void neighborRttReply(Probe reply) {
        Object[] sent = rttProbes.remove(reply.getProbeId());
        if (sent == null || reply.getKind() != Probe.Kind.ECHO_REPLY) {
            return;
        }
        LinkState l = (LinkState) sent[0];
        double ms = (System.nanoTime() - (long) sent[1]) / 1e6;
        l.rttMs = Double.isNaN(l.rttMs) ? ms : l.rttMs + (ms - l.rttMs) / 8;
    }

    /** Turns each link's byte counts of the last interval into rates, and probes the neighbours. On the loop. */
    private void sampleLoad() {
        probeNeighbors(System.nanoTime());
        for (LinkState l : links.values()) {
            l.inBytesPerS = (l.bytesIn - l.sampledIn) * 1000 / LOAD_INTERVAL_MS;
            l.outBytesPerS = (l.bytesOut - l.sampledOut) * 1000 / LOAD_INTERVAL_MS;
            l.sampledIn = l.bytesIn;
            l.sampledOut = l.bytesOut;
        }
    }

    /**
     * One link's data traffic: the bytes of data frames received and sent since the adjacency
     * came up, and their rates over the last second (what SCSC compares with the link's capacity).
     *
     * @param neighbor      the neighbour's node id
     * @param bytesIn       data bytes received on the link
     * @param bytesOut      data bytes sent on the link
     * @param inBytesPerS   received over the last second
     * @param outBytesPerS  sent over the last second
     * @param rttMs         smoothed round trip of a probe to the neighbour over this link, NaN before the first
     */
    public record LinkLoad(String neighbor, long bytesIn, long bytesOut, long inBytesPerS, long outBytesPerS,
                           double rttMs) {
    }

    /** @return the data traffic of every link that is up, by neighbour id, taken on the loop */
    public CompletableFuture<List<LinkLoad>> linkLoads() {
        CompletableFuture<List<LinkLoad>> f = new CompletableFuture<>();
        onLoop(() -> {
            List<LinkLoad> out = new ArrayList<>();
            for (LinkState l : links.values()) {
                out.add(new LinkLoad(l.neighborId, l.bytesIn, l.bytesOut, l.inBytesPerS, l.outBytesPerS, l.rttMs));
            }
            out.sort(java.util.Comparator.comparing(LinkLoad::neighbor));
            f.complete(out);
        });
        return f;
    }

    /** Fails every flow and stops the reaper. */
    public void stop() {
        onLoop(() -> {
            if (reaper != null) {
                reaper.cancel(false);
            }
            if (loopTicker != null) {
                loopTicker.cancel(false);
            }
            if (loadSampler != null) {
                loadSampler.cancel(false);
            }
            for (LinkState l : new ArrayList<>(links.values())) {
                linkGone(l, "node " + nodeId + " is stopping");
            }
            for (Flow f : new ArrayList<>(flows)) {
                failBoth(f, UNAVAILABLE, "node " + nodeId + " is stopping");
            }
        });
    }

    /** @return the data-plane counters */
    public DataPlaneMetrics metrics() {
        return metrics;
    }

    /** @return the data-plane event loop */
    public EventLoop loop() {
        return loop;
    }

    /** @return the FIB in force */
    public Fib fib() {
        return fib.get();
    }

    /** @return this node's id */
    public String nodeId() {
        return nodeId;
    }

    /**
     * Sets where streams this node is the egress of go (the gateway); SRs have none.
     *
     * @param value the delivery, or null
     */
    public void setLocalDelivery(LocalDelivery value) {
        onLoop(() -> delivery = value);
    }

    /**
     * Sets who receives probe replies addressed to this node.
     *
     * @param value the listener, or null
     */
    public void setProbeListener(ProbeListener value) {
        onLoop(() -> probeListener = value);
    }

    /**
     * Sets the node's forwarding policies: calls following a policy's explicit path are counted
     * there, and broken paths too.
     *
     * @param value the table, or null
     */
    public void setPolicies(io.dmsc.node.policy.PolicyTable value) {
        policies = value;
    }

    /**
     * @param neighborId a neighbour
     * @return whether the data plane has an up link to it (any thread)
     */
    public boolean isLinkUp(String neighborId) {
        return upNeighbors.contains(neighborId);
    }

    private void onLoop(Runnable r) {
        if (loop.inEventLoop()) {
            r.run();
        } else {
            loop.execute(r);
        }
    }

    // ----------------------------------------------------------------------------------------
    // Links (events from the conductor and the transport)

    /**
     * The adjacency over {@code channel} is up: frames may flow.
     *
     * @param neighborId the neighbour
     * @param channel    the connection
     */
    public void linkUp(String neighborId, LinkChannel channel) {
        onLoop(() -> {
            LinkState old = byNeighbor.get(neighborId);
            if (old != null && old.channel != channel) {
                linkGone(old, "link to " + neighborId + " was replaced");
            }
            LinkState l = links.computeIfAbsent(channel, c -> new LinkState(neighborId, c,
                    metrics.linkBytes(neighborId)));
            byNeighbor.put(neighborId, l);
            upNeighbors = java.util.Set.copyOf(byNeighbor.keySet());
            LOG.debug("{}: link {} to {} up for data", nodeId, channel, neighborId);
        });
    }

    /**
     * The adjacency over {@code channel} went down or the connection closed: its flows fail.
     *
     * @param channel the connection
     */
    public void linkDown(LinkChannel channel) {
        onLoop(() -> {
            LinkState l = links.get(channel);
            if (l != null) {
                linkGone(l, "link " + nodeId + "-" + l.neighborId + " failed mid-call");
            }
        });
    }

    /**
     * A data frame arrived on a link.
     *
     * @param channel the link
     * @param frame   whole frame; ownership passes to this method
     */
    public void onData(LinkChannel channel, ByteBuf frame) {
        if (!loop.inEventLoop()) {
            loop.execute(() -> onData(channel, frame));
            return;
        }
        if (LOG.isTraceEnabled()) {
            LOG.trace("{}: {} frame of {} bytes on {}", nodeId, DataFrames.typeName(DataFrames.type(frame)),
                    frame.readableBytes(), channel);
        }
        LinkState in = links.get(channel);
        if (in == null) {
            int type = DataFrames.type(frame);
            LOG.debug("{}: {} frame on {} before its adjacency is up: dropped", nodeId, DataFrames.typeName(type),
                    channel);
            metrics.dropped("link_not_up");
            if (type == DataFrames.OPEN && (DataFrames.streamWord(frame) & DataFrames.REPLY_BIT) == 0) {
                // Answer, or the caller waits for its deadline: the ingress re-sends it on another path.
                channel.sendData(closeFrame(DataFrames.streamWord(frame) | DataFrames.REPLY_BIT, UNAVAILABLE,
                        "link to " + nodeId + " is not up yet for data"));
            }
            frame.release();
            return;
        }
        in.bytesIn += frame.readableBytes();
        in.totals[0] += frame.readableBytes();
        int type = DataFrames.type(frame);
        try {
            if (type == DataFrames.OPEN) {
                openFromLink(in, frame);
            } else if (type == DataFrames.PROBE) {
                probe(frame, in);
            } else {
                Side side = in.streams.get(DataFrames.streamWord(frame));
                if (side == null) {
                    metrics.dropped("unknown_flow");
                    frame.release();
                    return;
                }
                fromSide(side, frame, type);
            }
        } catch (MalformedFrameException e) {
            metrics.dropped("malformed_" + e.kind());
            LOG.warn("{}: dropped a malformed {} frame from {}: {}", nodeId, DataFrames.typeName(type), in.neighborId,
                    e.getMessage());
        }
    }

    /**
     * A link's outbound buffer crossed a water mark.
     *
     * @param channel  the link
     * @param writable true if it drained
     */
    public void onWritabilityChanged(LinkChannel channel, boolean writable) {
        onLoop(() -> {
            LinkState l = links.get(channel);
            if (l != null && writable) {
                resumeSources(l);
            }
        });
    }

    // ----------------------------------------------------------------------------------------
    // Local streams (gateway)

    /**
     * Opens a stream from a local caller (the ingress). Must be called on the loop. Errors
     * (no route, no usable link) arrive later as a CLOSE frame on {@code stream}.
     *
     * @param open   OPEN frame with the initial hop limit and timeout; ownership passes
     * @param stream receives the frames coming back
     * @return the handle to send the stream's later frames with
     */
    public FlowHandle open(ByteBuf open, LocalStream stream) {
        Flow flow = new Flow(DataFrames.openName(open), System.nanoTime());
        Side up = flow.up;
        up.local = stream;
        flows.add(flow);
        long timeoutNs = DataFrames.timeoutNs(open);
        if (timeoutNs > 0) {
            flow.deadlineNs = flow.openedNs + timeoutNs;
        }
        if (overFlowLimit(flow, open)) {
            return up;
        }
        // The ingress hop does not spend hop limit: the first receiving node does.
        route(flow, open, null, DataFrames.hopLimit(open) + 1, true);
        return up;
    }

    /**
     * Sends a probe from this node (ping, trace, path measurement).
     *
     * @param hopLimit hops the probe may travel, 1..255
     * @param probe    an ECHO_REQUEST whose origin is this node
     */
    public void sendProbe(int hopLimit, Probe probe) {
        onLoop(() -> {
            ByteBuf frame = DataFrames.probe(alloc, Math.min(255, hopLimit + 1), probe);
            probe(frame, null);
        });
    }

    // ----------------------------------------------------------------------------------------
    // Switching

    private void openFromLink(LinkState in, ByteBuf frame) {
        int word = DataFrames.streamWord(frame);
        if ((word & DataFrames.REPLY_BIT) != 0 || in.streams.containsKey(word)) {
            metrics.dropped((word & DataFrames.REPLY_BIT) != 0 ? "open_reply_bit" : "duplicate_open");
            frame.release();
            return;
        }
        long nowNs = System.nanoTime();
        Flow flow = new Flow(DataFrames.openName(frame), nowNs);
        Side up = flow.up;
        up.link = in;
        up.key = word;
        up.sendWord = word | DataFrames.REPLY_BIT;
        in.streams.put(word, up);
        flows.add(flow);
        long timeoutNs = DataFrames.timeoutNs(frame);
        if (timeoutNs > 0) {
            flow.deadlineNs = nowNs + timeoutNs;
        }
        if (overFlowLimit(flow, frame)) {
            return;
        }
        route(flow, frame, in, DataFrames.hopLimit(frame), false);
    }

    /**
     * Routes an OPEN: FIB lookup, then local delivery or the next hop. {@code hopLimit} is the
     * value as received (a local open passes its own plus one).
     */
    private void route(Flow flow, ByteBuf frame, LinkState in, int hopLimit, boolean localOrigin) {
        Fib current = fib.get();
        FibEntry entry = null;
        String pinned = DataFrames.pinnedEgress(frame);
        if (pinned != null) {
            // Pinned by the ingress to one of the equal-cost replicas: towards that node, until it
            // is reached or has no route (then by the name, as if never pinned: no loop back to it).
            String target = pinned.equals(nodeId) || !io.dmsc.wire.NodeIds.isValid(pinned) ? null
                    : nodePrefix(pinned);
            FibEntry toEgress = target == null ? null : current.lookup(target);
            if (toEgress != null && !toEgress.local() && toEgress.prefix().toString().equals(target)) {
                entry = toEgress;
                // Only egress nodes the FIB knows are kept, so made-up ids in OPENs cannot crowd them out.
                if (nodePrefixes.size() < 4096) {
                    nodePrefixes.putIfAbsent(pinned, target);
                }
            } else {
                DataFrames.unpin(frame);
                DataFrames.clearPath(frame);
            }
        }
        if (entry == null) {
            entry = current.lookup(flow.name);
        }
        if (LOG.isDebugEnabled()) {
            LOG.debug("{}: open {} from {}: {}", nodeId, flow.name, in == null ? LOCAL : in.neighborId, entry);
        }
        if (entry == null) {
            frame.release();
            failBoth(flow, UNAVAILABLE, "no route to " + flow.name + (localOrigin ? "" : " at " + nodeId));
            return;
        }
        if (entry.local()) {
            LocalDelivery d = delivery;
            if (d == null) {
                frame.release();
                failBoth(flow, UNIMPLEMENTED, nodeId + " is a service router: it serves no calls (" + flow.name + ")");
                return;
            }
            Side down = flow.down;
            metrics.forwarded(DataFrames.OPEN, frame.readableBytes());
            down.local = d.accept(frame, down);
            return;
        }
        if (hopLimit <= 1) {
            frame.release();
            failBoth(flow, UNAVAILABLE, "hop limit exceeded at " + nodeId + " routing " + flow.name
                    + " (a forwarding loop, or a path longer than the hop limit)");
            return;
        }
        long remainingNs = 0;
        if (flow.deadlineNs != 0) {
            remainingNs = flow.deadlineNs - System.nanoTime();
            if (remainingNs <= 0) {
                frame.release();
                failBoth(flow, DEADLINE_EXCEEDED, "deadline exceeded at " + nodeId + " before forwarding " + flow.name);
                return;
            }
        }
        LinkState out = (DataFrames.flags(frame) & DataFrames.FLAG_PATH_ACTIVE) != 0 ? pathHop(frame, in) : null;
        if (out == null) {
            out = nextHop(entry, in, roundRobin++);
        }
        if (out == null) {
            frame.release();
            failBoth(flow, UNAVAILABLE, "no route to " + flow.name + ": no usable link to " + entry.nextHops()
                    + " at " + nodeId);
            return;
        }
        Side down = flow.down;
        int id = out.allocateStreamId();
        down.link = out;
        down.sendWord = id;
        down.key = id | DataFrames.REPLY_BIT;
        out.streams.put(down.key, down);
        DataFrames.setStreamWord(frame, id);
        DataFrames.setHopLimit(frame, hopLimit - 1);
        DataFrames.setTimeoutNs(frame, remainingNs);
        send(out, frame, DataFrames.OPEN, in);
    }

    /**
     * The next hop of an OPEN's explicit path (a scheduling policy's), moving the path on; or null
     * after clearing the path when it cannot be followed from here (it ends here, the frame is not
     * where the path says, the next link is down or leads back): the OPEN then goes by shortest
     * path towards its pinned egress, which is loop-free on its own.
     */
    private LinkState pathHop(ByteBuf frame, LinkState in) {
        String next = DataFrames.pathNode(frame, 0);
        String here = DataFrames.pathNode(frame, 1);
        io.dmsc.node.policy.PolicyTable table = policies;
        String broken = null;
        LinkState out = null;
        if (next == null) {
            broken = "path_ended_early";
        } else if (in == null ? here != null : !nodeId.equals(here)) {
            broken = "path_misplaced";
        } else {
            out = byNeighbor.get(next);
            if (out == null || out == in) {
                broken = "path_link_down";
                out = null;
            }
        }
        if (broken != null) {
            LOG.debug("{}: explicit path of policy {} broken ({}), shortest path from here", nodeId,
                    DataFrames.pathPolicy(frame), broken);
            DataFrames.clearPath(frame);
            if (table != null) {
                table.pathBroken(broken);
            }
            return null;
        }
        if (in != null && table != null) {
            table.carried(DataFrames.pathPolicy(frame));
        }
        DataFrames.advancePath(frame);
        return out;
    }

    /** Node prefixes by node id ({@code /_dmsc/node/ID}) of routed egress nodes; at most 4096 kept. Loop only. */
    private final java.util.Map<String, String> nodePrefixes = new java.util.HashMap<>();

    private String nodePrefix(String node) {
        String p = nodePrefixes.get(node);
        return p != null ? p : "/" + io.dmsc.wire.ServicePrefix.RESERVED_COMPONENT + "/node/" + node;
    }

    private LinkState nextHop(FibEntry entry, LinkState in, int hash) {
        List<String> hops = entry.nextHops();
        int n = hops.size();
        if (n == 0) {
            return null;
        }
        int start = Math.floorMod(hash, n);
        for (int i = 0; i < n; i++) {
            LinkState l = byNeighbor.get(hops.get((start + i) % n));
            // Never send a stream back where it came from: that is a loop while routes converge.
            if (l != null && l != in) {
                return l;
            }
        }
        return null;
    }

    private void fromSide(Side from, ByteBuf frame, int type) {
        Flow flow = from.flow;
        if (LOG.isDebugEnabled()) {
            LOG.debug("{}: {} of {} from {} to {}", nodeId, DataFrames.typeName(type), flow.name, from.where(),
                    from.other().where());
        }
        if (flow.closed) {
            metrics.dropped("unknown_flow");
            frame.release();
            return;
        }
        if (tickNs - flow.lastActiveNs > 0) {
            flow.lastActiveNs = tickNs;
        }
        Side to = from.other();
        if (to.link == null && to.local == null) {
            // OPEN not yet delivered downstream (cannot happen on one loop) or a flow failing.
            metrics.dropped("flow_not_ready");
            frame.release();
            return;
        }
        deliver(to, frame, type, from.link);
        if (type == DataFrames.CLOSE || type == DataFrames.CANCEL) {
            remove(flow);
        }
    }

    private void deliver(Side to, ByteBuf frame, int type, LinkState source) {
        if (to.link != null) {
            DataFrames.setStreamWord(frame, to.sendWord);
            send(to.link, frame, type, source);
        } else {
            metrics.forwarded(type, frame.readableBytes());
            to.local.onFrame(frame);
        }
    }

    private void send(LinkState out, ByteBuf frame, int type, LinkState source) {
        int bytes = frame.readableBytes();
        if (LOG.isTraceEnabled()) {
            LOG.trace("{}: {} bytes of {} on {} (writable {})", nodeId, bytes, DataFrames.typeName(type), out.channel,
                    out.channel.isWritable());
        }
        if (!out.channel.sendData(frame)) {
            metrics.dropped("link_closed");
            return;
        }
        metrics.forwarded(type, bytes);
        out.bytesOut += bytes;
        out.totals[1] += bytes;
        if (source != null && !out.channel.isWritable() && out.pausedSources.add(source)) {
            if (source.pausedBy++ == 0) {
                source.channel.setReadable(false);
                metrics.backPressure();
            }
        }
    }

    private void resumeSources(LinkState l) {
        for (LinkState s : l.pausedSources) {
            if (--s.pausedBy == 0) {
                s.channel.setReadable(true);
            }
        }
        l.pausedSources.clear();
    }

    /** Fails a flow from inside the fabric: CLOSE upstream, CANCEL downstream. */
    private void failBoth(Flow flow, int code, String message) {
        if (flow.closed) {
            return;
        }
        Side up = flow.up;
        Side down = flow.down;
        remove(flow);
        if (up.link != null || up.local != null) {
            deliverGenerated(up, closeFrame(up.sendWord, code, message));
        }
        if (down.link != null || down.local != null) {
            deliverGenerated(down, cancelFrame(down.sendWord, code, message));
        }
    }

    private void deliverGenerated(Side to, ByteBuf frame) {
        int type = DataFrames.type(frame);
        if (to.link != null) {
            send(to.link, frame, type, null);
        } else {
            LocalStream s = to.local;
            // Delivered after the current call returns, so a local caller never sees its stream
            // fail re-entrantly inside open().
            loop.execute(() -> s.onFrame(frame));
        }
    }

    private ByteBuf closeFrame(int word, int code, String message) {
        return DataFrames.close(alloc, word, Close.newBuilder().setCode(code).setMessage(message).setFabric(true)
                .setNode(nodeId).build());
    }

    private ByteBuf cancelFrame(int word, int code, String message) {
        return DataFrames.cancel(alloc, word, Cancel.newBuilder().setCode(code).setMessage(message)
                .setNode(nodeId).build());
    }

    private void remove(Flow flow) {
        if (flow.closed) {
            return;
        }
        flow.closed = true;
        flows.remove(flow);
        for (Side s : new Side[] {flow.up, flow.down}) {
            if (s.link != null) {
                s.link.streams.remove(s.key);
            }
        }
    }

    private void linkGone(LinkState l, String why) {
        links.remove(l.channel);
        if (byNeighbor.get(l.neighborId) == l) {
            byNeighbor.remove(l.neighborId);
            upNeighbors = java.util.Set.copyOf(byNeighbor.keySet());
        }
        resumeSources(l);
        List<Side> sides = new ArrayList<>(l.streams.values());
        l.streams.clear();
        for (Side s : sides) {
            Flow flow = s.flow;
            if (flow.closed) {
                continue;
            }
            // The side on the failed link gets nothing; the surviving side learns why.
            s.link = null;
            s.local = null;
            failBoth(flow, UNAVAILABLE, why);
        }
        if (!sides.isEmpty()) {
            LOG.warn("{}: {}: {} flows failed", nodeId, why, sides.size());
        }
    }

    private void reap() {
        long nowNs = System.nanoTime();
        tickNs = nowNs;
        List<Flow> expired = null;
        for (Flow f : flows) {
            if ((f.deadlineNs != 0 && nowNs - f.deadlineNs > 0) || nowNs - f.lastActiveNs > idleTimeoutNs) {
                if (expired == null) {
                    expired = new ArrayList<>();
                }
                expired.add(f);
            }
        }
        if (expired == null) {
            return;
        }
        for (Flow f : expired) {
            if (f.deadlineNs != 0 && nowNs - f.deadlineNs > 0) {
                metrics.reaped("deadline");
                failBoth(f, DEADLINE_EXCEEDED, "deadline exceeded in transit at " + nodeId);
            } else {
                metrics.reaped("idle");
                failBoth(f, CANCELLED, "flow idle for " + TimeUnit.NANOSECONDS.toMillis(idleTimeoutNs)
                        + " ms, removed at " + nodeId);
            }
        }
    }

    // ----------------------------------------------------------------------------------------
    // Probes: stateless, routed by name; replies are routed to /_dmsc/node/<origin>.

    private void probe(ByteBuf frame, LinkState in) {
        int hopLimit = DataFrames.hopLimit(frame);
        Probe p;
        try {
            p = DataFrames.probe(frame);
        } finally {
            frame.release();
        }
        boolean request = p.getKind() == Probe.Kind.ECHO_REQUEST;
        String name = request ? p.getName() : ServicePrefix.nodePrefix(p.getOrigin()).toString();
        if (!request && p.getOrigin().equals(nodeId)) {
            if (p.getProbeId() < 0) {
                neighborRttReply(p);
                return;
            }
            ProbeListener l = probeListener;
            if (l != null) {
                l.onProbeReply(p, System.nanoTime());
            } else {
                metrics.dropped("probe_no_listener");
            }
            return;
        }
        FibEntry entry;
        try {
            entry = fib.get().lookup(name);
        } catch (RuntimeException e) {
            entry = null;
        }
        if (request && entry != null && entry.local()) {
            reply(p, Probe.Kind.ECHO_REPLY, hopLimit, "");
            return;
        }
        if (entry == null || entry.local()) {
            if (request) {
                reply(p, Probe.Kind.UNREACHABLE, hopLimit, "no route to " + name + " at " + nodeId);
            } else {
                metrics.dropped("probe_no_route");
            }
            return;
        }
        if (hopLimit <= 1) {
            if (request) {
                reply(p, Probe.Kind.TIME_EXCEEDED, hopLimit, "");
            } else {
                metrics.dropped("probe_hop_limit");
            }
            return;
        }
        LinkState out = nextHop(entry, in, (p.getOrigin() + name).hashCode());
        if (out == null) {
            if (request) {
                reply(p, Probe.Kind.UNREACHABLE, hopLimit, "no usable link to " + entry.nextHops() + " at " + nodeId);
            }
            return;
        }
        send(out, DataFrames.probe(alloc, hopLimit - 1, p), DataFrames.PROBE, null);
    }

    private void reply(Probe request, Probe.Kind kind, int hopLimit, String message) {
        Probe reply = request.toBuilder().setKind(kind).setResponder(nodeId)
                .setHops(Math.max(0, request.getInitialHopLimit() - hopLimit + 1)).setMessage(message).build();
        // Routed like any probe reply; a reply to ourselves is delivered at once.
        ByteBuf frame = DataFrames.probe(alloc, DataFrames.DEFAULT_HOP_LIMIT, reply);
        probe(frame, null);
    }

    // ----------------------------------------------------------------------------------------
    // Inspection

    /** @return the flows, taken on the loop */
    public CompletableFuture<List<FlowInfo>> flows() {
        CompletableFuture<List<FlowInfo>> f = new CompletableFuture<>();
        onLoop(() -> {
            long nowNs = System.nanoTime();
            List<FlowInfo> out = new ArrayList<>(flows.size());
            for (Flow flow : flows) {
                out.add(new FlowInfo(flow.name, flow.up.where(), flow.up.link == null ? 0 : flow.up.key,
                        flow.down.where(), flow.down.link == null ? 0 : flow.down.sendWord,
                        TimeUnit.NANOSECONDS.toMillis(nowNs - flow.openedNs),
                        TimeUnit.NANOSECONDS.toMillis(nowNs - flow.lastActiveNs),
                        flow.deadlineNs == 0 ? -1 : Math.max(0, TimeUnit.NANOSECONDS.toMillis(flow.deadlineNs - nowNs))));
            }
            out.sort((a, b) -> Long.compare(b.ageMs(), a.ageMs()));
            f.complete(out);
        });
        return f;
    }

    private int flowCount() {
        return flows.size();
    }

    // ----------------------------------------------------------------------------------------

    /** One link as the data plane sees it. Loop only. */
    private static final class LinkState {
        final String neighborId;
        final LinkChannel channel;
        /** Keyed by the stream word as it arrives on this link. */
        final IntObjectHashMap<Side> streams = new IntObjectHashMap<>();
        /** Links paused because this one is congested. */
        final Set<LinkState> pausedSources = Collections.newSetFromMap(new IdentityHashMap<>());
        int pausedBy;
        int nextStreamId = 1;
        /** Data bytes received and sent on this link, and their rates over the last sample. */
        long bytesIn;
        long bytesOut;
        long sampledIn;
        long sampledOut;
        long inBytesPerS;
        long outBytesPerS;
        double rttMs = Double.NaN;

        /** The neighbour's totals over all its adjacencies (metrics). */
        final long[] totals;

        LinkState(String neighborId, LinkChannel channel, long[] totals) {
            this.neighborId = neighborId;
            this.channel = channel;
            this.totals = totals;
        }

        int allocateStreamId() {
            while (true) {
                int id = nextStreamId;
                nextStreamId = id == Integer.MAX_VALUE ? 1 : id + 1;
                if (!streams.containsKey(id | DataFrames.REPLY_BIT)) {
                    return id;
                }
            }
        }
    }

    /** A flow entry: the upstream side (towards the caller) and the downstream side. Loop only. */
    private final class Flow {
        final String name;
        final long openedNs;
        final Side up = new Side(this, true);
        final Side down = new Side(this, false);
        long lastActiveNs;
        long deadlineNs;
        boolean closed;

        Flow(String name, long nowNs) {
            this.name = name;
            this.openedNs = nowNs;
            this.lastActiveNs = nowNs;
        }
    }

    /** One side of a flow: a link and stream id, or a local stream. Its handle sends to the other side. */
    private final class Side implements FlowHandle {
        final Flow flow;
        final boolean upstream;
        LinkState link;
        LocalStream local;
        int key;
        int sendWord;

        Side(Flow flow, boolean upstream) {
            this.flow = flow;
            this.upstream = upstream;
        }

        Side other() {
            return upstream ? flow.down : flow.up;
        }

        @Override
        public boolean send(ByteBuf frame) {
            if (flow.closed) {
                frame.release();
                return false;
            }
            fromSide(this, frame, DataFrames.type(frame));
            return true;
        }

        @Override
        public boolean isWritable() {
            Side o = other();
            return o.link == null || o.link.channel.isWritable();
        }

        /** @return the neighbour of this side, or "local" */
        String where() {
            return link != null ? link.neighborId : LOCAL;
        }

        @Override
        public String peer() {
            return other().where();
        }

        @Override
        public boolean isClosed() {
            return flow.closed;
        }
    }
}
