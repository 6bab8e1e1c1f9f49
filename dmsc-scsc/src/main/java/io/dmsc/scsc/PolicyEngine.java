package io.dmsc.scsc;

import io.dmsc.node.config.SchedulerConfig;
import io.dmsc.routing.MeshView;
import io.dmsc.wire.ServicePrefix;
import io.dmsc.wire.data.DataFrames;
import io.dmsc.wire.link.NeighborEntry;
import io.dmsc.wire.link.NodeRole;
import io.dmsc.wire.proto.scsc.v1.LinkQos;
import io.dmsc.wire.proto.scsc.v1.PathQos;
import io.dmsc.wire.proto.scsc.v1.Report;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.concurrent.TimeUnit;

/**
 * The Scheduling Center's decisions, pure (no threads, no clock: time is passed in). Every
 * round it takes the LSDB's view and the latest report of each node and, for every (ingress SG,
 * prefix with several replicas):
 * <ul>
 *   <li>a path to a best-cost replica is <b>bad</b> when the ingress's probes to it show delay,
 *       jitter or loss at or above the prefix's thresholds, or when the most loaded link of the
 *       shortest paths to it has at most the threshold's share of its capacity left;</li>
 *   <li>without a policy, a bad best-cost replica gets one: the replica with the lowest measured
 *       delay among those not bad (estimated over the QoS graph when not measured), reached over
 *       the path of a Dijkstra whose link costs add the links' measured delay (half their
 *       neighbour round trip) and a large penalty for links without bandwidth left to the metric;</li>
 *   <li>with a policy, it is kept (refreshed at a third of its TTL) while the replica it chose is
 *       not bad and the topology still has its links; it is replaced when its replica turns bad
 *       or its path breaks, and withdrawn once every best-cost replica stayed below its
 *       thresholds with margin (delay, jitter and loss below 80% of them, available bandwidth
 *       above 125%) for the hysteresis period.</li>
 * </ul>
 * Policies name explicit paths without repeated nodes, so following them cannot loop.
 */
public final class PolicyEngine {
    /** Share of a threshold a recovered measurement must stay under (over, for bandwidth). */
    static final double RECOVERY_MARGIN = 0.8;
    /** Cost penalty (µs units) of a link without bandwidth left: avoided unless nothing else. */
    static final long BANDWIDTH_PENALTY = 10_000_000L;

    /** One node's latest report. */
    public record NodeReport(Report report, long receivedNs) {
    }

    /** A policy in force. Mutable, engine-owned. */
    public static final class Active {
        final long id;
        final ServicePrefix prefix;
        final String ingress;
        String egress;
        List<String> path;
        String reason;
        final long createdNs;
        long lastPushNs;
        long goodSinceNs;
        final Map<String, String> refusals = new LinkedHashMap<>();

        Active(long id, ServicePrefix prefix, String ingress, String egress, List<String> path, String reason,
               long nowNs) {
            this.id = id;
            this.prefix = prefix;
            this.ingress = ingress;
            this.egress = egress;
            this.path = path;
            this.reason = reason;
            this.createdNs = nowNs;
        }

        /** @return the nodes the policy is pushed to: the ingress and the nodes on the path before the egress */
        List<String> targets() {
            List<String> t = new ArrayList<>();
            t.add(ingress);
            t.addAll(path.subList(0, path.size() - 1));
            return t;
        }
    }

    /** What to send: install (or refresh) or withdraw a policy at some nodes. */
    public record Action(boolean install, Active policy, List<String> nodes, String reason) {
    }

    private record Key(String ingress, ServicePrefix prefix) {
    }

    private final SchedulerConfig config;
    private final Map<Key, Active> active = new HashMap<>();
    private final Map<Key, Long> blockedUntilNs = new HashMap<>();
    private long nextId = 1;
    long computed;
    long lastRoundNs;

    /** @param config thresholds, TTL, hysteresis, report interval */
    public PolicyEngine(SchedulerConfig config) {
        this.config = config;
    }

    /** @return the policies in force */
    public List<Active> active() {
        List<Active> out = new ArrayList<>(active.values());
        out.sort((a, b) -> Long.compare(a.id, b.id));
        return out;
    }

    /**
     * A node refused a policy: it is withdrawn and not made again for that (ingress, prefix) for
     * the hysteresis period.
     *
     * @return the withdrawal to send, or null when the policy is gone already
     */
    Action refused(long id, String node, String reason, long nowNs) {
        for (Map.Entry<Key, Active> e : active.entrySet()) {
            Active a = e.getValue();
            if (a.id == id) {
                a.refusals.put(node, reason);
                active.remove(e.getKey());
                blockedUntilNs.put(e.getKey(), nowNs + TimeUnit.MILLISECONDS.toNanos(Math.max(config.hysteresisMs(),
                        config.reportIntervalMs())));
                return new Action(false, a, a.targets(), "refused by " + node + ": " + reason);
            }
        }
        return null;
    }

    /**
     * One round.
     *
     * @param view    the LSDB's topology and prefixes
     * @param reports the latest report of each node
     * @param nowNs   current time
     * @return what to send
     */
    public List<Action> round(MeshView view, Map<String, NodeReport> reports, long nowNs) {
        long start = System.nanoTime();
        List<Action> out = new ArrayList<>();
        Graph g = new Graph(view, reports, config);
        long freshNs = TimeUnit.MILLISECONDS.toNanos(3 * config.reportIntervalMs());
        long ttlNs = TimeUnit.MILLISECONDS.toNanos(config.policyTtlMs());
        Map<Key, Boolean> seen = new HashMap<>();
        for (MeshView.Node node : view.nodes().values()) {
            if (node.role() != NodeRole.SG) {
                continue;
            }
            NodeReport r = reports.get(node.id());
            if (r == null || nowNs - r.receivedNs() > freshNs) {
                continue; // no fresh report: its policies are not refreshed and run out
            }
            int src = g.index.getOrDefault(node.id(), -1);
            if (src < 0) {
                continue;
            }
            Map<String, PathQos> measured = new HashMap<>();
            for (PathQos q : r.report().getPathsList()) {
                if (q.getSamples() > 0) {
                    measured.put(q.getEgress(), q);
                }
            }
            Spf metric = g.spf(src, false);
            Spf qos = null;
            for (Map.Entry<ServicePrefix, List<MeshView.Replica>> pe : view.prefixes().entrySet()) {
                List<MeshView.Replica> replicas = pe.getValue();
                if (replicas.size() < 2 || containsOrigin(replicas, node.id())) {
                    continue;
                }
                ServicePrefix prefix = pe.getKey();
                Key key = new Key(node.id(), prefix);
                seen.put(key, Boolean.TRUE);
                SchedulerConfig.Thresholds t = config.thresholdsFor(prefix);
                List<MeshView.Replica> best = bestCost(replicas, metric, g);
                Active a = active.get(key);
                if (a != null) {
                    String bad = badness(a.egress, measured, metric, g, t);
                    boolean broken = !containsOrigin(replicas, a.egress) || !g.hasPath(node.id(), a.path);
                    if (broken || bad != null) {
                        if (qos == null) {
                            qos = g.spf(src, true);
                        }
                        Choice c = choose(node.id(), replicas, measured, metric, qos, g, t);
                        if (c == null || c.egress.equals(a.egress) && c.path.equals(a.path)) {
                            if (broken) {
                                active.remove(key);
                                out.add(new Action(false, a, a.targets(), "its path broke"));
                            }
                            continue;
                        }
                        if (!c.path.equals(a.path)) {
                            out.add(new Action(false, a, a.targets(), "replaced"));
                        }
                        Active n = new Active(nextId(), prefix, node.id(), c.egress, c.path,
                                broken ? "path broke; " + c.reason : c.reason, nowNs);
                        n.lastPushNs = nowNs;
                        active.put(key, n);
                        computed++;
                        out.add(new Action(true, n, n.targets(), n.reason));
                        continue;
                    }
                    if (allRecovered(best, measured, metric, g, t)) {
                        if (a.goodSinceNs == 0) {
                            a.goodSinceNs = nowNs;
                        }
                        if (nowNs - a.goodSinceNs >= TimeUnit.MILLISECONDS.toNanos(config.hysteresisMs())) {
                            active.remove(key);
                            out.add(new Action(false, a, a.targets(), "recovered for " + config.hysteresisMs()
                                    + " ms"));
                            continue;
                        }
                    } else {
                        a.goodSinceNs = 0;
                    }
                    if (nowNs - a.lastPushNs >= ttlNs / 3) {
                        a.lastPushNs = nowNs;
                        out.add(new Action(true, a, a.targets(), "refresh"));
                    }
                    continue;
                }
                Long blocked = blockedUntilNs.get(key);
                if (blocked != null) {
                    if (nowNs - blocked < 0) {
                        continue;
                    }
                    blockedUntilNs.remove(key);
                }
                String why = null;
                for (MeshView.Replica b : best) {
                    why = badness(b.origin(), measured, metric, g, t);
                    if (why != null) {
                        break;
                    }
                }
                if (why == null) {
                    continue;
                }
                if (qos == null) {
                    qos = g.spf(src, true);
                }
                Choice c = choose(node.id(), replicas, measured, metric, qos, g, t);
                if (c == null) {
                    continue; // every replica is as bad: nothing better to steer to
                }
                Active n = new Active(nextId(), prefix, node.id(), c.egress, c.path, why + "; " + c.reason, nowNs);
                n.lastPushNs = nowNs;
                active.put(key, n);
                computed++;
                out.add(new Action(true, n, n.targets(), n.reason));
            }
        }
        // Policies of ingresses or prefixes gone from the view: withdrawn.
        for (java.util.Iterator<Map.Entry<Key, Active>> it = active.entrySet().iterator(); it.hasNext();) {
            Map.Entry<Key, Active> e = it.next();
            if (!seen.containsKey(e.getKey()) && !view.prefixes().containsKey(e.getKey().prefix())) {
                it.remove();
                out.add(new Action(false, e.getValue(), e.getValue().targets(), "prefix gone"));
            }
        }
        lastRoundNs = System.nanoTime() - start;
        return out;
    }

    private long nextId() {
        long id = nextId++;
        if (nextId > 0xFFFF_FFFFL) {
            nextId = 1;
        }
        return id;
    }

    private static boolean containsOrigin(List<MeshView.Replica> replicas, String node) {
        for (MeshView.Replica r : replicas) {
            if (r.origin().equals(node)) {
                return true;
            }
        }
        return false;
    }

    private static List<MeshView.Replica> bestCost(List<MeshView.Replica> replicas, Spf metric, Graph g) {
        long best = Long.MAX_VALUE;
        List<MeshView.Replica> out = new ArrayList<>();
        for (MeshView.Replica r : replicas) {
            int i = g.index.getOrDefault(r.origin(), -1);
            if (i < 0 || metric.dist[i] == Long.MAX_VALUE) {
                continue;
            }
            long d = metric.dist[i] + r.cost();
            if (d < best) {
                best = d;
                out.clear();
            }
            if (d == best) {
                out.add(r);
            }
        }
        return out;
    }

    /** @return why the path from the SPF source to {@code egress} is bad, or null */
    private String badness(String egress, Map<String, PathQos> measured, Spf metric, Graph g,
                           SchedulerConfig.Thresholds t) {
        PathQos q = measured.get(egress);
        if (q != null) {
            if (t.delayMs() > 0 && q.getDelayMs() >= t.delayMs()) {
                return String.format(Locale.ROOT, "delay %.1f ms to %s >= %s ms", q.getDelayMs(), egress,
                        num(t.delayMs()));
            }
            if (t.jitterMs() > 0 && q.getJitterMs() >= t.jitterMs()) {
                return String.format(Locale.ROOT, "jitter %.1f ms to %s >= %s ms", q.getJitterMs(), egress,
                        num(t.jitterMs()));
            }
            if (t.lossPercent() > 0 && q.getLossRatio() * 100 >= t.lossPercent()) {
                return String.format(Locale.ROOT, "loss %.0f%% to %s >= %s%%", q.getLossRatio() * 100, egress,
                        num(t.lossPercent()));
            }
        }
        if (t.availableBandwidthPercent() > 0) {
            int i = g.index.getOrDefault(egress, -1);
            double avail = i < 0 ? Double.NaN : g.availablePercent(metric, i);
            if (avail <= t.availableBandwidthPercent()) {
                return String.format(Locale.ROOT, "available bandwidth %.1f%% towards %s <= %s%%", avail, egress,
                        num(t.availableBandwidthPercent()));
            }
        }
        return null;
    }

    private boolean allRecovered(List<MeshView.Replica> best, Map<String, PathQos> measured, Spf metric, Graph g,
                                 SchedulerConfig.Thresholds t) {
        for (MeshView.Replica b : best) {
            PathQos q = measured.get(b.origin());
            if (q != null && (t.delayMs() > 0 && q.getDelayMs() >= RECOVERY_MARGIN * t.delayMs()
                    || t.jitterMs() > 0 && q.getJitterMs() >= RECOVERY_MARGIN * t.jitterMs()
                    || t.lossPercent() > 0 && q.getLossRatio() * 100 >= RECOVERY_MARGIN * t.lossPercent())) {
                return false;
            }
            if (t.availableBandwidthPercent() > 0) {
                int i = g.index.getOrDefault(b.origin(), -1);
                double avail = i < 0 ? Double.NaN : g.availablePercent(metric, i);
                if (avail <= Math.min(100, t.availableBandwidthPercent() / RECOVERY_MARGIN)) {
                    return false;
                }
            }
        }
        return true;
    }

    private record Choice(String egress, List<String> path, String reason) {
    }

    /** The replica not bad with the lowest (measured, else estimated) delay, and its QoS path. */
    private Choice choose(String ingress, List<MeshView.Replica> replicas, Map<String, PathQos> measured, Spf metric,
                          Spf qos, Graph g, SchedulerConfig.Thresholds t) {
        Choice best = null;
        double bestScore = Double.MAX_VALUE;
        for (MeshView.Replica r : replicas) {
            int i = g.index.getOrDefault(r.origin(), -1);
            if (i < 0 || qos.dist[i] == Long.MAX_VALUE || badness(r.origin(), measured, metric, g, t) != null) {
                continue;
            }
            List<String> path = g.path(qos, i);
            if (path.isEmpty() || path.size() > DataFrames.MAX_PATH_NODES) {
                continue;
            }
            PathQos q = measured.get(r.origin());
            double score = q != null ? q.getDelayMs() : qos.dist[i] / 1000.0;
            if (score < bestScore || score == bestScore && best != null && r.origin().compareTo(best.egress) < 0) {
                bestScore = score;
                best = new Choice(r.origin(), path, String.format(Locale.ROOT, "to %s (%s %.1f ms) over %s",
                        r.origin(), q != null ? "measured" : "estimated", score, String.join(" ", path)));
            }
        }
        return best;
    }

    private static String num(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
    }

    /** Shortest-path tree of one source: distances and predecessors (all equal-cost ones for metric SPF). */
    static final class Spf {
        final long[] dist;
        final int[][] preds;

        Spf(int n) {
            dist = new long[n];
            preds = new int[n][];
            Arrays.fill(dist, Long.MAX_VALUE);
        }
    }

    /** The two-way graph of the view in index form, with per-link measurements. */
    static final class Graph {
        final Map<String, Integer> index = new HashMap<>();
        final String[] ids;
        final boolean[] transit;
        final int[][] adj;
        final int[][] metric;
        /** Per directed edge (same shape as adj): measured delay µs and available share in percent (NaN unknown). */
        final long[][] delayUs;
        final double[][] availPercent;

        Graph(MeshView view, Map<String, NodeReport> reports, SchedulerConfig config) {
            List<MeshView.Node> nodes = new ArrayList<>(view.nodes().values());
            nodes.sort((a, b) -> a.id().compareTo(b.id()));
            int n = nodes.size();
            ids = new String[n];
            transit = new boolean[n];
            for (int i = 0; i < n; i++) {
                ids[i] = nodes.get(i).id();
                index.put(ids[i], i);
                transit[i] = !nodes.get(i).overload() && nodes.get(i).role() != NodeRole.SCSC;
            }
            adj = new int[n][];
            metric = new int[n][];
            delayUs = new long[n][];
            availPercent = new double[n][];
            for (int i = 0; i < n; i++) {
                MeshView.Node a = nodes.get(i);
                List<int[]> edges = new ArrayList<>();
                for (NeighborEntry e : a.neighbors()) {
                    Integer j = index.get(e.nodeId());
                    if (j == null || j == i) {
                        continue;
                    }
                    int m = view.metric(a.id(), e.nodeId());
                    if (m > 0) {
                        edges.add(new int[] {j, m});
                    }
                }
                adj[i] = new int[edges.size()];
                metric[i] = new int[edges.size()];
                delayUs[i] = new long[edges.size()];
                availPercent[i] = new double[edges.size()];
                NodeReport ra = reports.get(a.id());
                for (int k = 0; k < edges.size(); k++) {
                    int j = edges.get(k)[0];
                    adj[i][k] = j;
                    metric[i][k] = edges.get(k)[1];
                    LinkQos la = ra == null ? null : link(ra.report(), ids[j]);
                    NodeReport rb = reports.get(ids[j]);
                    LinkQos lb = rb == null ? null : link(rb.report(), a.id());
                    double rtt = Math.max(la == null ? 0 : la.getRttMs(), lb == null ? 0 : lb.getRttMs());
                    delayUs[i][k] = (long) (rtt * 500);
                    double capacity = Math.max(la == null ? 0 : la.getCapacityBytesPerS(),
                            lb == null ? 0 : lb.getCapacityBytesPerS());
                    double used = Math.max(la == null ? 0 : la.getTxBytesPerS(), lb == null ? 0 : lb.getRxBytesPerS());
                    availPercent[i][k] = capacity <= 0 || la == null && lb == null ? Double.NaN
                            : Math.max(0, 100 * (capacity - used) / capacity);
                }
            }
        }

        private static LinkQos link(Report r, String neighbor) {
            for (LinkQos l : r.getLinksList()) {
                if (l.getNeighbor().equals(neighbor)) {
                    return l;
                }
            }
            return null;
        }

        /**
         * Dijkstra from {@code src}; with {@code qosCosts} the link cost is metric x 100 plus the
         * measured one-way delay in µs plus {@link #BANDWIDTH_PENALTY} for a link with at most 10%
         * available, and a single predecessor is kept (the path); else metric costs with every
         * equal-cost predecessor.
         */
        Spf spf(int src, boolean qosCosts) {
            int n = ids.length;
            Spf s = new Spf(n);
            s.dist[src] = 0;
            PriorityQueue<long[]> q = new PriorityQueue<>((x, y) -> Long.compare(x[0], y[0]));
            q.add(new long[] {0, src});
            boolean[] done = new boolean[n];
            while (!q.isEmpty()) {
                long[] top = q.poll();
                int u = (int) top[1];
                if (done[u]) {
                    continue;
                }
                done[u] = true;
                if (u != src && !transit[u]) {
                    continue; // reachable, but not through
                }
                for (int k = 0; k < adj[u].length; k++) {
                    int v = adj[u][k];
                    long c = qosCosts ? metric[u][k] * 100L + delayUs[u][k]
                            + (availPercent[u][k] <= 10 ? BANDWIDTH_PENALTY : 0) : metric[u][k];
                    long d = s.dist[u] + c;
                    if (d < s.dist[v]) {
                        s.dist[v] = d;
                        s.preds[v] = new int[] {u};
                        q.add(new long[] {d, v});
                    } else if (d == s.dist[v] && !qosCosts) {
                        int[] p = Arrays.copyOf(s.preds[v], s.preds[v].length + 1);
                        p[p.length - 1] = u;
                        s.preds[v] = p;
                    }
                }
            }
            return s;
        }

        /** @return the nodes after the source on the tree's path to {@code dst} (first predecessor) */
        List<String> path(Spf s, int dst) {
            List<String> rev = new ArrayList<>();
            int v = dst;
            int guard = ids.length;
            while (s.preds[v] != null && guard-- > 0) {
                rev.add(ids[v]);
                v = s.preds[v][0];
            }
            if (s.dist[v] != 0) {
                return List.of();
            }
            java.util.Collections.reverse(rev);
            return rev;
        }

        /** @return the smallest available share over every link of the shortest paths to {@code dst} (NaN: unknown) */
        double availablePercent(Spf s, int dst) {
            double min = Double.NaN;
            boolean[] visited = new boolean[ids.length];
            java.util.ArrayDeque<Integer> stack = new java.util.ArrayDeque<>();
            stack.push(dst);
            while (!stack.isEmpty()) {
                int v = stack.pop();
                if (visited[v] || s.preds[v] == null) {
                    continue;
                }
                visited[v] = true;
                for (int u : s.preds[v]) {
                    for (int k = 0; k < adj[u].length; k++) {
                        if (adj[u][k] == v) {
                            double a = availPercent[u][k];
                            if (!Double.isNaN(a) && (Double.isNaN(min) || a < min)) {
                                min = a;
                            }
                        }
                    }
                    stack.push(u);
                }
            }
            return min;
        }

        /** @return whether every hop of {@code ingress} then {@code path} is a two-way link whose inner nodes carry transit */
        boolean hasPath(String ingress, List<String> path) {
            Integer prev = index.get(ingress);
            if (prev == null) {
                return false;
            }
            for (int i = 0; i < path.size(); i++) {
                Integer cur = index.get(path.get(i));
                if (cur == null || i < path.size() - 1 && !transit[cur]) {
                    return false;
                }
                boolean linked = false;
                for (int v : adj[prev]) {
                    linked |= v == cur;
                }
                if (!linked) {
                    return false;
                }
                prev = cur;
            }
            return true;
        }
    }
}
