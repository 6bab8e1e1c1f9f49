package io.dmsc.gateway.pod;

import io.dmsc.wire.ServicePrefix;
import io.dmsc.wire.link.PrefixEntry;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.netty.channel.EventLoop;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pods attached to this SG and their accepted announcements, with the endpoints' health.
 * Publishes the {@link LocalEndpoints} snapshot the data plane selects egress endpoints from, and
 * the sorted, deduplicated list of prefixes that have at least one healthy endpoint (a prefix
 * announced by several pods, anycast, appears once, with the SPA authorization valid longest) to
 * the prefix listener, which advertises
 * them into the routing protocol.
 *
 * <p>Threading: owned by ONE Netty event loop, the SG's data-plane loop, given to the
 * constructor. All state is confined to it; every public method may be called from any thread
 * and hops onto the loop ({@code loop.inEventLoop()}, else {@code loop.execute}). The prefix
 * listener is called on the loop. {@link #endpoints()} is a volatile read and never hops.
 */
public final class PodRegistry implements AutoCloseable {
    /** Default interval between two health checks of an endpoint. */
    public static final long DEFAULT_HEALTH_CHECK_INTERVAL_MS = 2000;
    /** Default number of consecutive failed health checks that make an endpoint unhealthy. */
    public static final int DEFAULT_FAILURE_THRESHOLD = 2;

    private static final Logger log = LoggerFactory.getLogger(PodRegistry.class);

    private final EventLoop loop;
    private final Consumer<List<PrefixEntry>> prefixListener;
    private final EndpointChannels channels;
    private final EndpointHealthChecker health;

    /** Attached pods by pod id, in attach order. Accessed on {@code loop} only. */
    private final Map<String, PodStream> pods = new LinkedHashMap<>();
    /** Last list given to the prefix listener. Accessed on {@code loop} only. */
    private List<PrefixEntry> publishedPrefixes = List.of();
    /** Accessed on {@code loop} only. */
    private boolean closed;
    /** Written on {@code loop}; read from any thread. */
    private volatile LocalEndpoints endpoints = LocalEndpoints.empty();
    /** Pods attached at once; more are refused. Written once before use, read on {@code loop}. */
    private volatile int maxPods = io.dmsc.node.config.LimitsConfig.DEFAULT_MAX_PODS;
    /** Announcements awaiting authorization over all pods; more are refused. */
    private volatile int maxPending = io.dmsc.node.config.LimitsConfig.DEFAULT_MAX_PENDING_ADMISSIONS;
    /** Hellos refused for {@link #maxPods}, announcements for {@link #maxPending}. Racy reads. */
    private long refusedPods;
    private long refusedPending;
    /** The LSP's room for the pods' prefixes. Accessed on {@code loop} only. */
    private final AdvertisementRoom room = new AdvertisementRoom();

    /**
     * Creates a registry with the default health-check interval and failure threshold.
     *
     * @param loop           the owning event loop (the SG's data-plane loop); not shut down by
     *                       {@link #close()}
     * @param prefixListener told, on {@code loop}, every change of the prefixes to advertise
     */
    public PodRegistry(EventLoop loop, Consumer<List<PrefixEntry>> prefixListener) {
        this(loop, prefixListener, DEFAULT_HEALTH_CHECK_INTERVAL_MS, DEFAULT_FAILURE_THRESHOLD);
    }

    /**
     * Creates a registry.
     *
     * @param loop                  the owning event loop (the SG's data-plane loop); not shut
     *                              down by {@link #close()}
     * @param prefixListener        told, on {@code loop}, every change of the prefixes to
     *                              advertise (sorted, deduplicated)
     * @param healthCheckIntervalMs time between two health checks of an endpoint, > 0
     * @param failureThreshold      consecutive failed checks that make an endpoint unhealthy, > 0
     */
    public PodRegistry(EventLoop loop, Consumer<List<PrefixEntry>> prefixListener, long healthCheckIntervalMs,
            int failureThreshold) {
        this.loop = Objects.requireNonNull(loop, "loop");
        this.prefixListener = Objects.requireNonNull(prefixListener, "prefixListener");
        this.channels = new EndpointChannels(loop);
        this.health = new EndpointHealthChecker(loop, healthCheckIntervalMs, failureThreshold, this::onHealthChanged);
    }

    /**
     * The healthy local endpoints, lock-free. Any thread; {@link LocalEndpoints#select} is meant
     * for the owning loop.
     *
     * @return the current snapshot
     */
    public LocalEndpoints endpoints() {
        return endpoints;
    }

    /**
     * The egress got an answer from the endpoint (any status from the pod itself): passive
     * health, so a pod too busy to answer health checks in time stays in service.
     *
     * @param endpoint {@code host:port}
     */
    public void answered(String endpoint) {
        health.answered(endpoint);
    }

    /** Calls to one endpoint: counts and the smoothed latency. On the loop. */
    static final class CallStats {
        long calls;
        long errors;
        double latencyMs = Double.NaN;
    }

    /** By announced endpoint; forgotten with its last announcement. On the loop. */
    private final Map<String, CallStats> callStats = new java.util.HashMap<>();

    /**
     * Counts an ended call to a local endpoint (call latency per endpoint, for operators and SCSC).
     * On the loop.
     *
     * @param endpoint   the endpoint
     * @param ok         true if it ended OK
     * @param durationNs how long it took from hand-over
     */
    public void callEnded(String endpoint, boolean ok, long durationNs) {
        if (endpoint == null || !announcedEndpoints.contains(endpoint)) {
            return;
        }
        CallStats c = callStats.computeIfAbsent(endpoint, k -> new CallStats());
        c.calls++;
        if (!ok) {
            c.errors++;
        }
        double ms = durationNs / 1e6;
        c.latencyMs = Double.isNaN(c.latencyMs) ? ms : c.latencyMs + (ms - c.latencyMs) / 8;
    }

    /** The endpoints of every announcement held, as of the last republish. On the loop. */
    private java.util.Set<String> announcedEndpoints = java.util.Set.of();

    /**
     * @return the gRPC channels to the announced endpoints (for the egress of calls to pods)
     */
    public EndpointChannels channels() {
        return channels;
    }

    /**
     * A snapshot of the attached pods for operators. From a thread other than the owning loop
     * this waits for the loop to build it; never call it from another event loop's data path.
     *
     * @return the pods in attach order
     */
    public List<PodInfo> pods() {
        if (loop.inEventLoop()) {
            return buildPods();
        }
        return CompletableFuture.supplyAsync(this::buildPods, loop).join();
    }

    /**
     * Ends every pod stream with UNAVAILABLE, withdraws everything, stops the health checks and
     * shuts the endpoint channels down. Does not wait; does not shut the event loop down.
     */
    @Override
    public void close() {
        execute(() -> {
            if (closed) {
                return;
            }
            closed = true;
            for (PodStream pod : new ArrayList<>(pods.values())) {
                pod.fail(Status.UNAVAILABLE.withDescription(
                        "the gateway is shutting down (expected: attach again when it is back)"));
            }
            health.close();
            channels.close();
            republish();
        });
    }

    /** Runs a task on the owning loop: now if already on it, else queued. */
    void execute(Runnable task) {
        if (loop.inEventLoop()) {
            task.run();
        } else {
            loop.execute(task);
        }
    }

    /** Runs a task on the owning loop after a delay, unless the registry closed meanwhile. */
    void schedule(Runnable task, long delayMs) {
        loop.schedule(() -> {
            if (!closed) {
                task.run();
            }
        }, Math.max(0, delayMs), java.util.concurrent.TimeUnit.MILLISECONDS);
    }

    /** @return the stream of an attached pod, or null. On the loop only. */
    PodStream attached(String podId) {
        return pods.get(podId);
    }

    /**
     * Registers a pod that said Hello. On the loop only.
     *
     * @return false if the registry is closed
     */
    boolean attach(PodStream pod) {
        assert loop.inEventLoop();
        if (closed) {
            return false;
        }
        pods.put(pod.podId(), pod);
        return true;
    }

    /**
     * Forgets a pod and withdraws all its announcements at once (one republish). On the loop only.
     *
     * @return the number of announcements withdrawn
     */
    int detach(PodStream pod) {
        assert loop.inEventLoop();
        pods.remove(pod.podId(), pod);
        Map<PodStream.Key, PodEndpoint> held = pod.announcements();
        int count = held.size();
        for (PodEndpoint e : held.values()) {
            releaseEndpoint(e.endpoint());
            room.remove(e.prefix());
        }
        held.clear();
        if (count > 0) {
            republish();
        }
        return count;
    }

    /**
     * Adds or replaces an accepted announcement of an attached pod and republishes. On the loop
     * only.
     *
     * @throws IllegalArgumentException if gRPC cannot build a channel to the endpoint
     */
    void put(PodStream pod, PodEndpoint endpoint) {
        assert loop.inEventLoop();
        PodStream.Key key = new PodStream.Key(endpoint.prefix(), endpoint.endpoint());
        Map<PodStream.Key, PodEndpoint> held = pod.announcements();
        if (!held.containsKey(key)) {
            ManagedChannel channel = channels.acquire(endpoint.endpoint());
            health.start(endpoint.endpoint(), channel);
            room.add(endpoint.prefix(), entryBytes(endpoint));
        }
        held.put(key, endpoint);
        republish();
    }

    private static int entryBytes(PodEndpoint e) {
        return io.dmsc.routing.AdvertisementBudget.entryBytes(e.prefix(), e.authorization().length);
    }

    /**
     * Bounds the pods attached at once and the announcements awaiting authorization over all
     * pods. On any thread, before pods attach.
     *
     * @param pods    pods, &gt; 0
     * @param pending announcements awaiting the SPA, &gt; 0
     */
    public void limitPods(int pods, int pending) {
        if (pods < 1 || pending < 1) {
            throw new IllegalArgumentException("maxPods " + pods + ", maxPendingAdmissions " + pending
                    + " (expected: both > 0)");
        }
        maxPods = pods;
        maxPending = pending;
    }

    /** @return why one more pod cannot attach, or null if it can. On the loop only. */
    String podRefusal() {
        if (pods.size() < maxPods) {
            return null;
        }
        refusedPods++;
        return "the gateway holds " + pods.size() + " attached pods (expected: at most limits.maxPods = " + maxPods
                + "; attach to another gateway, or detach pods first)";
    }

    /** @return why one more announcement cannot await authorization, or null. On the loop only. */
    String pendingRefusal() {
        long waiting = 0;
        for (PodStream pod : pods.values()) {
            waiting += pod.pendingCount();
        }
        if (waiting < maxPending) {
            return null;
        }
        refusedPending++;
        return "the gateway has " + waiting + " announcements awaiting authorization (expected: at most "
                + "limits.maxPendingAdmissions = " + maxPending + "; announce again once those are answered)";
    }

    /** @return hellos refused because {@code limits.maxPods} pods were attached (a racy read) */
    public long refusedPods() {
        return refusedPods;
    }

    /** @return announcements refused because too many awaited authorization (a racy read) */
    public long refusedPending() {
        return refusedPending;
    }

    /**
     * Limits the pods' prefixes to what the SG's LSP has room for. On any thread.
     *
     * @param gatewayId       the SG, for the reasons given to pods
     * @param budget          the LSP's room, or null for no limit
     * @param podSharePercent the share of it one pod may take, 1 to 100
     */
    public void limitAdvertisements(String gatewayId, io.dmsc.routing.AdvertisementBudget budget,
                                    int podSharePercent) {
        if (podSharePercent < 1 || podSharePercent > 100) {
            throw new IllegalArgumentException("podPrefixSharePercent: " + podSharePercent + " (expected: 1 to 100)");
        }
        execute(() -> room.limit(gatewayId, budget, podSharePercent));
    }

    /**
     * Reserves room for the SG's own entries, which always come first. On the loop only.
     *
     * @param bytes   the entry bytes of its node prefix and static prefixes
     * @param largest the largest of those entries
     */
    public void reserveAdvertisements(long bytes, int largest) {
        assert loop.inEventLoop();
        room.reserve(bytes, largest);
    }

    /**
     * Why a granted announcement cannot be advertised, or null when it can: it must fit the
     * LSP's room and the pod's share of it. A prefix the pod or another pod already holds (a
     * re-announcement, another endpoint, anycast) needs no new room. On the loop only.
     */
    String roomRefusal(PodStream pod, PodEndpoint endpoint) {
        assert loop.inEventLoop();
        long podHeld = 0;
        java.util.Set<ServicePrefix> distinct = new java.util.HashSet<>();
        for (PodEndpoint e : pod.announcements().values()) {
            if (e.prefix().equals(endpoint.prefix())) {
                return null;
            }
            if (distinct.add(e.prefix())) {
                podHeld += room.bytesOf(e.prefix());
            }
        }
        return room.refusal(endpoint.prefix(), entryBytes(endpoint), pod.podId(), podHeld);
    }

    /** @return announcements refused because the LSP had no room left (any thread: a racy read) */
    public long refusedForRoom() {
        return room.refusedFull();
    }

    /** @return announcements refused because the pod's share of the LSP was taken (a racy read) */
    public long refusedForShare() {
        return room.refusedShare();
    }

    /** @return bytes of the LSP the pods' prefixes take, and the room they have (-1: unlimited) */
    public long[] advertisementUse() {
        if (loop.inEventLoop()) {
            return new long[] {room.heldBytes(), room.roomBytes()};
        }
        return CompletableFuture.supplyAsync(() -> new long[] {room.heldBytes(), room.roomBytes()}, loop).join();
    }

    /**
     * Withdraws a pod's announcements of a prefix. On the loop only.
     *
     * @param endpoint the endpoint, or null for every endpoint of the prefix
     * @return the number withdrawn
     */
    int remove(PodStream pod, ServicePrefix prefix, String endpoint) {
        assert loop.inEventLoop();
        int count = 0;
        for (Iterator<PodEndpoint> it = pod.announcements().values().iterator(); it.hasNext();) {
            PodEndpoint e = it.next();
            if (e.prefix().equals(prefix) && (endpoint == null || e.endpoint().equals(endpoint))) {
                it.remove();
                releaseEndpoint(e.endpoint());
                room.remove(e.prefix());
                count++;
            }
        }
        if (count > 0) {
            republish();
        }
        return count;
    }

    private void releaseEndpoint(String endpoint) {
        if (channels.release(endpoint)) {
            health.stop(endpoint);
        }
    }

    private void onHealthChanged(String endpoint, boolean healthy, String detail) {
        List<String> owners = new ArrayList<>();
        for (PodStream pod : pods.values()) {
            if (pod.servesEndpoint(endpoint)) {
                owners.add(pod.podId());
                pod.sendHealth(endpoint, healthy, detail);
            }
        }
        if (healthy) {
            log.info("endpoint {} of pod {} is healthy: {}", endpoint, owners, detail);
        } else {
            log.warn("endpoint {} of pod {} is unhealthy, no longer routed to: {}", endpoint, owners, detail);
        }
        republish();
    }

    /** Rebuilds the snapshot and tells the listener if the advertised prefixes changed. */
    private void republish() {
        List<PodEndpoint> healthy = new ArrayList<>();
        java.util.Set<String> announced = new java.util.HashSet<>();
        for (PodStream pod : pods.values()) {
            for (PodEndpoint e : pod.announcements().values()) {
                announced.add(e.endpoint());
                if (health.isHealthy(e.endpoint())) {
                    healthy.add(e);
                }
            }
        }
        callStats.keySet().retainAll(announced);
        announcedEndpoints = announced;
        LocalEndpoints snapshot = new LocalEndpoints(healthy);
        endpoints = snapshot;
        // One entry per prefix (anycast pods share it), carrying the authorization valid longest.
        // Its weight is the sum of its healthy endpoints' weights: the share of the mesh's new calls
        // this SG asks for among the SGs that announce the prefix at the same cost.
        Map<ServicePrefix, PodEndpoint> longest = new java.util.HashMap<>();
        Map<ServicePrefix, Long> weights = new java.util.HashMap<>();
        for (PodEndpoint e : healthy) {
            longest.merge(e.prefix(), e, (x, y) -> y.authorizedUntilMs() > x.authorizedUntilMs() ? y : x);
            weights.merge(e.prefix(), (long) e.weight(), Long::sum);
        }
        List<PrefixEntry> prefixes = new ArrayList<>();
        for (ServicePrefix p : snapshot.prefixes()) {
            int weight = (int) Math.max(1, Math.min(PrefixEntry.MAX_WEIGHT, weights.get(p)));
            prefixes.add(new PrefixEntry(p, 0, weight, longest.get(p).authorization()));
        }
        if (!prefixes.equals(publishedPrefixes)) {
            publishedPrefixes = prefixes;
            try {
                prefixListener.accept(prefixes);
            } catch (RuntimeException e) {
                log.error("prefix listener failed on {} prefixes; the routing protocol may advertise a stale set",
                        prefixes.size(), e);
            }
        }
    }

    private List<PodInfo> buildPods() {
        List<PodInfo> result = new ArrayList<>(pods.size());
        for (PodStream pod : pods.values()) {
            List<PodInfo.Announcement> announcements = new ArrayList<>();
            for (PodEndpoint e : pod.announcements().values()) {
                CallStats c = callStats.get(e.endpoint());
                announcements.add(new PodInfo.Announcement(e, health.isHealthy(e.endpoint()),
                        health.detail(e.endpoint()), c == null ? 0 : c.calls, c == null ? 0 : c.errors,
                        c == null ? Double.NaN : c.latencyMs));
            }
            result.add(new PodInfo(pod.podId(), pod.remoteAddress(), pod.attachedSince(), pod.provenBy(),
                    announcements));
        }
        return List.copyOf(result);
    }

    @Override
    public String toString() {
        return "PodRegistry{endpoints=" + endpoints.all().size() + '}';
    }
}
