package io.dmsc.gateway;

import io.dmsc.node.data.Forwarder;
import io.dmsc.routing.Fib;
import io.dmsc.routing.FibEntry;
import io.dmsc.wire.ServicePrefix;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

/**
 * Service measurement in the SG (signal type 4, measurement side): every interval, one echo
 * probe through the fabric to each egress SG this SG routes service prefixes to
 * ({@code /_dmsc/node/ID}, the PROBE frames of ping). Per egress it keeps the round-trip delay
 * (last and smoothed), the interarrival jitter of RFC 3550 section 6.4.1 over the round-trip
 * times, and the loss over the last {@value #WINDOW} probes; and the observed throughput of this
 * SG's calls towards it (payload bytes each way per interval, calls opened). At most {@value #MAX_TARGETS}
 * egress SGs are probed; an egress no longer routed to is forgotten.
 *
 * <p>Thread: the node's data-plane loop only (timer, probe replies and snapshots).
 */
final class QosMonitor {
    /** Probes per egress over which loss is counted. */
    static final int WINDOW = 20;
    /** Most egress SGs probed in one round. */
    static final int MAX_TARGETS = 1024;
    /**
     * Bytes of one probe frame and its reply: about 60 each (header, hop limit, a small Probe
     * message), as measured on the idle links of Figure 2 (docs/BENCHMARKS.md section 8).
     */
    static final int PROBE_ROUND_TRIP_BYTES = 2 * 60;

    private final String self;
    private final Forwarder forwarder;
    private final DiagnosticsService probes;
    private final EventLoop loop;
    private final long intervalMs;
    private final io.micrometer.core.instrument.MeterRegistry registry;
    private final Map<String, Path> paths = new TreeMap<>();
    private ScheduledFuture<?> timer;
    private long rounds;
    private long probesSent;

    /** What is known of the path to one egress SG. */
    private static final class Path {
        final boolean[] lost = new boolean[WINDOW];
        int filled;
        int next;
        long sent;
        long answered;
        double lastRttMs = Double.NaN;
        /** The answered probe before the last one. */
        double previousRttMs = Double.NaN;
        double smoothedRttMs = Double.NaN;
        double jitterMs;
        long lastReplyMs;
        /** This SG's calls towards the egress. */
        final EgressTraffic traffic = new EgressTraffic();
        long sampledSent;
        long sampledReceived;
        long sentBytesPerS;
        long receivedBytesPerS;
        /** Its gauges, removed with it. */
        final List<io.micrometer.core.instrument.Meter> meters = new ArrayList<>();

        void record(Long rttNs, long nowMs) {
            lost[next] = rttNs == null;
            next = (next + 1) % WINDOW;
            filled = Math.min(WINDOW, filled + 1);
            if (rttNs == null) {
                return;
            }
            answered++;
            lastReplyMs = nowMs;
            double rtt = rttNs / 1e6;
            if (!Double.isNaN(lastRttMs)) {
                // RFC 3550 6.4.1: J += (|D| - J) / 16, D the change of transit time between two packets.
                jitterMs += (Math.abs(rtt - lastRttMs) - jitterMs) / 16;
            }
            smoothedRttMs = Double.isNaN(smoothedRttMs) ? rtt : smoothedRttMs + (rtt - smoothedRttMs) / 8;
            previousRttMs = lastRttMs;
            lastRttMs = rtt;
        }

        double lossPercent() {
            int n = 0;
            for (int i = 0; i < filled; i++) {
                if (lost[i]) {
                    n++;
                }
            }
            return filled == 0 ? 0 : 100.0 * n / filled;
        }
    }

    QosMonitor(String self, Forwarder forwarder, DiagnosticsService probes, EventLoop loop, long intervalMs,
               io.micrometer.core.instrument.MeterRegistry registry) {
        this.registry = registry;
        this.self = self;
        this.forwarder = forwarder;
        this.probes = probes;
        this.loop = loop;
        this.intervalMs = intervalMs;
    }

    void start() {
        timer = loop.scheduleAtFixedRate(this::round, intervalMs, intervalMs, TimeUnit.MILLISECONDS);
    }

    void stop() {
        if (timer != null) {
            timer.cancel(false);
        }
    }

    /** The egress SGs of the service prefixes this SG routes to (not its own, not /_dmsc). */
    private TreeSet<String> targets() {
        Fib fib = forwarder.fib();
        TreeSet<String> out = new TreeSet<>();
        for (FibEntry e : fib.entries()) {
            if (e.local() || e.prefix().isReserved()) {
                continue;
            }
            for (String egress : fib.egress(e.prefix())) {
                if (!egress.equals(self) && out.size() < MAX_TARGETS) {
                    out.add(egress);
                }
            }
        }
        return out;
    }

    private void round() {
        rounds++;
        TreeSet<String> targets = targets();
        for (java.util.Iterator<Map.Entry<String, Path>> it = paths.entrySet().iterator(); it.hasNext();) {
            Map.Entry<String, Path> e = it.next();
            if (!targets.contains(e.getKey())) {
                e.getValue().meters.forEach(registry::remove);
                it.remove();
            }
        }
        long timeoutMs = Math.min(2000, Math.max(100, intervalMs));
        for (Path p : paths.values()) {
            p.sentBytesPerS = (p.traffic.bytesSent - p.sampledSent) * 1000 / intervalMs;
            p.receivedBytesPerS = (p.traffic.bytesReceived - p.sampledReceived) * 1000 / intervalMs;
            p.sampledSent = p.traffic.bytesSent;
            p.sampledReceived = p.traffic.bytesReceived;
        }
        for (String t : targets) {
            Path p = paths.computeIfAbsent(t, this::newPath);
            p.sent++;
            probesSent++;
            probes.probe("/" + ServicePrefix.RESERVED_COMPONENT + "/node/" + t, timeoutMs, (reply, rttNs) -> {
                Path now = paths.get(t);
                if (now == p) {
                    p.record(reply == null ? null : rttNs, System.currentTimeMillis());
                }
            });
        }
    }

    /** A path with its gauges ({@code dmsc_qos_*{egress}}; read by the scrape thread, written on the loop). */
    private Path newPath(String egress) {
        Path p = new Path();
        p.meters.add(io.micrometer.core.instrument.Gauge.builder("dmsc_qos_delay_seconds", p,
                x -> x.smoothedRttMs / 1000).tag("egress", egress)
                .description("Smoothed round-trip delay of the probes to an egress SG").register(registry));
        p.meters.add(io.micrometer.core.instrument.Gauge.builder("dmsc_qos_jitter_seconds", p, x -> x.jitterMs / 1000)
                .tag("egress", egress).description("RFC 3550 interarrival jitter of those probes").register(registry));
        p.meters.add(io.micrometer.core.instrument.Gauge.builder("dmsc_qos_loss_ratio", p, x -> x.lossPercent() / 100)
                .tag("egress", egress).description("Share of the last 20 probes lost").register(registry));
        return p;
    }

    /**
     * @param egress an egress SG
     * @return the counter of this SG's calls towards it, or null when it is not measured (yet)
     */
    EgressTraffic traffic(String egress) {
        Path p = paths.get(egress);
        return p == null ? null : p.traffic;
    }

    /**
     * What the SG reports to the SCSC: per egress SG, the delay of the last two probes (the
     * smaller, so one late probe is not a crossing, and a lasting change shows after two probes
     * instead of the smoothed value's many), the jitter, loss and throughput.
     *
     * @return one entry per egress SG probed
     */
    List<io.dmsc.wire.proto.scsc.v1.PathQos> reports() {
        List<io.dmsc.wire.proto.scsc.v1.PathQos> out = new ArrayList<>();
        for (Map.Entry<String, Path> e : paths.entrySet()) {
            Path p = e.getValue();
            double delay = Double.isNaN(p.previousRttMs) ? p.lastRttMs : Math.min(p.lastRttMs, p.previousRttMs);
            int answered = 0;
            for (int i = 0; i < p.filled; i++) {
                answered += p.lost[i] ? 0 : 1;
            }
            out.add(io.dmsc.wire.proto.scsc.v1.PathQos.newBuilder().setEgress(e.getKey())
                    .setDelayMs(Double.isNaN(delay) ? 0 : delay).setJitterMs(p.jitterMs)
                    .setLossRatio(p.lossPercent() / 100)
                    .setThroughputBytesPerS(p.sentBytesPerS + p.receivedBytesPerS)
                    .setSamples(Double.isNaN(delay) ? 0 : answered).build());
        }
        return out;
    }

    /** @return what the admin API shows: the interval, probe traffic and one row per egress SG */
    Map<String, Object> snapshot() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("probeIntervalMs", intervalMs);
        m.put("probeBytesPerS", paths.size() * PROBE_ROUND_TRIP_BYTES * 1000L / intervalMs);
        m.put("probesSent", probesSent);
        List<Map<String, Object>> rows = new ArrayList<>();
        for (Map.Entry<String, Path> e : paths.entrySet()) {
            Path p = e.getValue();
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("node", e.getKey());
            r.put("delayMs", Double.isNaN(p.smoothedRttMs) ? null : round3(p.smoothedRttMs));
            r.put("lastDelayMs", Double.isNaN(p.lastRttMs) ? null : round3(p.lastRttMs));
            r.put("jitterMs", round3(p.jitterMs));
            r.put("lossPercent", round3(p.lossPercent()));
            r.put("probes", p.sent);
            r.put("answered", p.answered);
            r.put("lastReply", p.lastReplyMs == 0 ? null : java.time.Instant.ofEpochMilli(p.lastReplyMs).toString());
            r.put("calls", p.traffic.calls);
            r.put("sentBytesPerS", p.sentBytesPerS);
            r.put("receivedBytesPerS", p.receivedBytesPerS);
            rows.add(r);
        }
        m.put("paths", rows);
        return m;
    }

    private static double round3(double v) {
        return Math.round(v * 1000) / 1000.0;
    }
}
