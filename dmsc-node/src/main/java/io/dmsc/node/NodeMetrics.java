package io.dmsc.node;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.ToLongFunction;

/**
 * Prometheus metrics of one node. Counters are thread-safe; protocol counters are read from the
 * snapshot the conductor publishes after each duty cycle.
 */
public final class NodeMetrics {
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final String nodeId;
    private final Map<String, Counter> malformed = new ConcurrentHashMap<>();
    private final Map<String, Counter> tlsFailures = new ConcurrentHashMap<>();
    private final Counter adjacencyUp;
    private final Counter adjacencyDown;
    private final Counter linkDrops;
    private final Counter commandsDropped;
    private final Timer spfDuration;
    private final AtomicLong fibSize = new AtomicLong();
    private final AtomicLong upAdjacencies = new AtomicLong();
    private volatile Map<String, Long> protocol = Map.of();

    /** @param nodeId node id, added as tag {@code node} */
    public NodeMetrics(String nodeId) {
        this.nodeId = nodeId;
        registry.config().commonTags("node", nodeId);
        adjacencyUp = Counter.builder("dmsc_adjacency_changes").tag("state", "up")
                .description("Adjacency state changes").register(registry);
        adjacencyDown = Counter.builder("dmsc_adjacency_changes").tag("state", "down")
                .description("Adjacency state changes").register(registry);
        linkDrops = Counter.builder("dmsc_link_send_dropped")
                .description("Link messages dropped because the link was not writable").register(registry);
        commandsDropped = Counter.builder("dmsc_conductor_commands_dropped")
                .description("Received link messages dropped because the conductor queue was full")
                .register(registry);
        spfDuration = Timer.builder("dmsc_spf_duration").description("Full SPF runs and their duration")
                .publishPercentiles(0.5, 0.99).register(registry);
        Gauge.builder("dmsc_fib_size", fibSize, AtomicLong::get).description("FIB entries").register(registry);
        Gauge.builder("dmsc_adjacencies_up", upAdjacencies, AtomicLong::get).description("Adjacencies up")
                .register(registry);
        protocolCounter("dmsc_lsps_sent", "LSPs sent (first transmissions and retransmissions)", "lspsSent");
        protocolCounter("dmsc_lsps_received", "LSPs received", "lspsReceived");
        protocolCounter("dmsc_lsps_retransmitted", "LSPs retransmitted for want of an acknowledgement",
                "lspsRetransmitted");
        protocolCounter("dmsc_lsps_originated", "Own LSP fragments originated", "lspsOriginated");
        protocolCounter("dmsc_lsps_purged", "Purges installed", "purgesInstalled");
        protocolCounter("dmsc_lsp_sequence_wraps", "Own LSP fragments that reached sequence number 2^64-1 "
                + "(purged, re-originated from 1 after MaxAge + ZeroAgeLifetime)", "sequenceWraps");
        protocolCounter("dmsc_hellos_identity_mismatch", "TLS links closed: the hello claimed another node id than "
                + "the certificate", "identityMismatches");
        protocolCounter("dmsc_hellos_duplicate", "Connections refused: their hello claimed a neighbour with a live "
                + "adjacency", "duplicateHellos");
        protocolCounter("dmsc_lsps_rejected", "LSPs and summaries ignored for breaking a protocol rule",
                "rejectedPdus");
        protocolCounter("dmsc_spf_runs", "Full SPF runs", "spfRuns");
        protocolCounter("dmsc_spf_local_repairs", "Full SPF runs at once, outside the back-off, because an own "
                + "adjacency went down", "localRepairs");
        protocolCounter("dmsc_partial_route_runs", "Prefix-only route calculations", "partialRuns");
        protocolCounter("dmsc_fib_updates", "FIB snapshots published", "fibUpdates");
        protocolCounter("dmsc_hold_expiries_deferred", "Hold-timer expiries put off one cycle because this node "
                + "itself was not running (conductor gap or data-loop lag over 300 ms)", "holdExpiriesDeferred");
        protocolCounter("dmsc_prefixes_left_out", "Own prefixes an origination had no room for in the LSP's "
                + "fragments (each time one is newly left out)", "prefixesLeftOut");
        for (io.dmsc.routing.LsdbLimits.Refusal r : io.dmsc.routing.LsdbLimits.Refusal.values()) {
            String key = "lspsRefused." + r.label();
            FunctionCounter.builder("dmsc_lsps_refused", this, m -> m.protocol.getOrDefault(key, 0L))
                    .tag("reason", r.label())
                    .description("LSPs not installed because the LSDB would cross a limit (limits.maxLsdb*)")
                    .register(registry);
        }
        Gauge.builder("dmsc_lsdb_origins", this, m -> m.protocol.getOrDefault("lsdbOrigins", 0L))
                .description("Origins with fragments in the LSDB").register(registry);
        Gauge.builder("dmsc_lsdb_bytes", this, m -> m.protocol.getOrDefault("lsdbBytes", 0L))
                .description("Bytes of the LSDB's entries").register(registry);
        Gauge.builder("dmsc_prefixes_not_advertised", this, m -> m.protocol.getOrDefault("prefixesNotAdvertised", 0L))
                .description("Own prefixes not advertised now: the LSP's fragments are full").register(registry);
    }

    private void protocolCounter(String name, String description, String key) {
        ToLongFunction<NodeMetrics> f = m -> m.protocol.getOrDefault(key, 0L);
        FunctionCounter.builder(name, this, m -> f.applyAsLong(m)).description(description).register(registry);
    }

    void publishProtocolCounters(Map<String, Long> counters) {
        this.protocol = counters;
    }

    /** @param kind the malformed-frame kind ("oversize", "version", ...) */
    void malformedFrame(String kind) {
        malformed.computeIfAbsent(kind, k -> Counter.builder("dmsc_malformed_frames").tag("kind", k)
                .description("Link frames that could not be decoded (the link was closed)").register(registry))
                .increment();
    }

    void adjacencyChanged(boolean up, int upCount) {
        (up ? adjacencyUp : adjacencyDown).increment();
        upAdjacencies.set(upCount);
    }

    void linkSendDropped() {
        linkDrops.increment();
    }

    void commandDropped() {
        commandsDropped.increment();
    }

    void spfRan(long durationNs) {
        spfDuration.record(durationNs, TimeUnit.NANOSECONDS);
    }

    void fibSize(int size) {
        fibSize.set(size);
    }

    /** @return adjacencies that went down since start (hold time expired, link closed, ...) */
    public long adjacencyDowns() {
        return (long) adjacencyDown.count();
    }

    /**
     * @param key a counter of the routing protocol as published ("holdExpiriesDeferred", ...)
     * @return its value at the last publication, 0 if unknown
     */
    public long protocolCounter(String key) {
        return protocol.getOrDefault(key, 0L);
    }

    /** @return the count of malformed frames of all kinds */
    public long malformedFrames() {
        return (long) malformed.values().stream().mapToDouble(Counter::count).sum();
    }

    /** @return the registry, for the data plane and the gateway to register their meters */
    public io.micrometer.core.instrument.MeterRegistry registry() {
        return registry;
    }

    /**
     * Counts a failed TLS handshake.
     *
     * @param reason the reason tag
     */
    public void tlsHandshakeFailed(String reason) {
        tlsFailures.computeIfAbsent(reason, r -> Counter.builder("dmsc_tls_handshake_failures")
                .tag("reason", r).description("TLS handshakes of fabric links that failed, by reason")
                .register(registry)).increment();
    }

    /**
     * @param reason a reason tag
     * @return failed handshakes with that reason so far
     */
    public long tlsHandshakeFailures(String reason) {
        Counter c = tlsFailures.get(reason);
        return c == null ? 0 : (long) c.count();
    }

    /** @return the Prometheus text exposition */
    public String scrape() {
        return registry.scrape();
    }

    /** @return the node id */
    public String nodeId() {
        return nodeId;
    }
}
