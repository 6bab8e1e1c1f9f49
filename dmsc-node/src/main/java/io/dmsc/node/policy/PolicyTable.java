package io.dmsc.node.policy;

import io.dmsc.routing.Fib;
import io.dmsc.routing.FibEntry;
import io.dmsc.wire.InvalidNameException;
import io.dmsc.wire.NodeIds;
import io.dmsc.wire.ServicePrefix;
import io.dmsc.wire.data.DataFrames;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The forwarding policies one node holds: those it applies as the ingress SG (looked up for every
 * new call by the prefix the FIB matched) and those it carries as a node on the path (for the
 * operator and the SCSC: the path itself travels in the OPEN frame, see
 * {@link DataFrames#FLAG_PATH}). Every policy is checked at install against the node's FIB and
 * links; a policy that expired, or whose first hop or egress is no longer reachable, is not used
 * (the call goes by shortest path) and is counted as a fallback.
 *
 * <p>Thread-safe: installs come from the SCSC session, lookups from the data plane. Lookups read
 * one immutable map; installs copy it (they are rare).
 */
public final class PolicyTable {
    private static final Logger LOG = LoggerFactory.getLogger(PolicyTable.class);
    /** Shortest and longest time to live accepted. */
    public static final long MIN_TTL_MS = 100;
    public static final long MAX_TTL_MS = 3_600_000;

    /** An installed policy with its use counter. */
    private record Held(ForwardingPolicy policy, LongAdder calls) {
    }

    private final String self;
    private final int maxPolicies;
    private final Supplier<Fib> fib;
    private final Predicate<String> linkUp;
    private final MeterRegistry registry;
    private final Object writeLock = new Object();
    /** By id. Replaced whole on change. */
    private volatile Map<Long, Held> byId = Map.of();
    /** Ingress policies of this node by prefix text. Replaced whole on change. */
    private volatile Map<String, Held> byPrefix = Map.of();
    private final Map<String, Counter> refused = new ConcurrentHashMap<>();
    private final Map<String, Counter> fallbacks = new ConcurrentHashMap<>();
    private final Counter installed;
    private final Counter expired;
    private final Counter withdrawn;

    /**
     * @param self     this node's id
     * @param fib      the node's current FIB
     * @param linkUp   whether the link to a neighbour is up
     * @param registry where the {@code dmsc_policy_*} metrics go
     * @param maxPolicies most policies held at once ({@code limits.maxPolicies}); more are refused
     */
    public PolicyTable(String self, Supplier<Fib> fib, Predicate<String> linkUp, MeterRegistry registry,
                       int maxPolicies) {
        if (maxPolicies < 1) {
            throw new IllegalArgumentException("maxPolicies: " + maxPolicies + " (expected: > 0)");
        }
        this.maxPolicies = maxPolicies;
        this.self = self;
        this.fib = fib;
        this.linkUp = linkUp;
        this.registry = registry;
        this.installed = Counter.builder("dmsc_policy_installed_total").description("Policies installed or refreshed")
                .register(registry);
        this.expired = Counter.builder("dmsc_policy_expired_total").description("Policies that reached their TTL")
                .register(registry);
        this.withdrawn = Counter.builder("dmsc_policy_withdrawn_total").description("Policies the SCSC withdrew")
                .register(registry);
        Gauge.builder("dmsc_policies", this, t -> t.byId.size()).description("Policies held").register(registry);
    }

    /**
     * Installs or refreshes a policy (same id: new TTL and content).
     *
     * @param id      policy id, 1..2^32-1
     * @param prefix  prefix text
     * @param ingress ingress SG
     * @param egress  replica's SG
     * @param path    nodes after the ingress, ending with the egress
     * @param ttlMs   time to live
     * @param reason  why, for operators
     * @param nowNs   current time
     * @return null when installed, else why it was refused (sent back to the SCSC)
     */
    public String install(long id, String prefix, String ingress, String egress, List<String> path, long ttlMs,
                          String reason, long nowNs) {
        String problem = check(id, prefix, ingress, egress, path, ttlMs);
        if (problem != null) {
            refused(problem.substring(0, problem.indexOf(':'))).increment();
            return problem.substring(problem.indexOf(':') + 2);
        }
        ServicePrefix p = ServicePrefix.parse(prefix);
        ForwardingPolicy policy = new ForwardingPolicy(id, p, ingress, egress, path,
                reason.length() > 200 ? reason.substring(0, 200) : reason, nowNs,
                nowNs + TimeUnit.MILLISECONDS.toNanos(ttlMs));
        synchronized (writeLock) {
            Map<Long, Held> ids = new HashMap<>(byId);
            Held old = ids.get(id);
            if (old == null && ids.size() >= maxPolicies) {
                refused("table_full").increment();
                return "this node holds " + maxPolicies + " policies, its limit (limits.maxPolicies) (expected: "
                        + "fewer; withdraw some first)";
            }
            if (old != null && !old.policy().prefix().equals(p)) {
                refused("id_reused").increment();
                return "policy id " + id + " is held for " + old.policy().prefix() + " (expected: a new id for "
                        + prefix + ")";
            }
            Held held = new Held(policy, old == null ? new LongAdder() : old.calls());
            ids.put(id, held);
            Map<String, Held> prefixes = new HashMap<>(byPrefix);
            if (ingress.equals(self)) {
                Held replaced = prefixes.put(p.toString(), held);
                if (replaced != null && replaced.policy().id() != id) {
                    ids.remove(replaced.policy().id());
                }
            }
            byId = Map.copyOf(ids);
            byPrefix = Map.copyOf(prefixes);
            if (old == null || !old.policy().path().equals(path)) {
                LOG.info("{}: policy {} installed: {} from {} to {} over {} ({}, TTL {} ms)", self, id, p, ingress,
                        egress, path, policy.reason(), ttlMs);
            }
        }
        installed.increment();
        return null;
    }

    /** @return "metric_reason: sentence" of the first rule broken, or null */
    private String check(long id, String prefix, String ingress, String egress, List<String> path, long ttlMs) {
        if (id < 1 || id > 0xFFFF_FFFFL) {
            return "bad_id: policy id " + id + " (expected: 1..4294967295)";
        }
        if (ttlMs < MIN_TTL_MS || ttlMs > MAX_TTL_MS) {
            return "bad_ttl: TTL " + ttlMs + " ms (expected: " + MIN_TTL_MS + ".." + MAX_TTL_MS + ")";
        }
        ServicePrefix p;
        try {
            p = ServicePrefix.parse(prefix);
        } catch (InvalidNameException e) {
            return "bad_prefix: " + e.getMessage();
        }
        if (p.isReserved()) {
            return "bad_prefix: " + prefix + " is reserved (expected: a service prefix)";
        }
        if (!NodeIds.isValid(ingress) || !NodeIds.isValid(egress)) {
            return "bad_node: ingress '" + ingress + "' or egress '" + egress + "' (expected: node ids)";
        }
        if (path.isEmpty() || path.size() > DataFrames.MAX_PATH_NODES) {
            return "bad_path: " + path.size() + " nodes (expected: 1.." + DataFrames.MAX_PATH_NODES + ")";
        }
        if (!path.get(path.size() - 1).equals(egress)) {
            return "bad_path: " + path + " does not end with the egress " + egress + " (expected: it does)";
        }
        Set<String> seen = new HashSet<>();
        seen.add(ingress);
        for (String n : path) {
            if (!NodeIds.isValid(n)) {
                return "bad_node: path node '" + n + "' (expected: node ids)";
            }
            if (!seen.add(n)) {
                return "loop: the path " + ingress + " " + path + " visits " + n + " twice (expected: a loop-free path)";
            }
        }
        if (!ingress.equals(self) && !path.contains(self)) {
            return "not_on_path: " + self + " is neither the ingress nor on " + path + " (expected: a policy for "
                    + "a node on its path)";
        }
        Fib f = fib.get();
        FibEntry entry = f.get(p);
        if (entry == null) {
            return "unknown_prefix: " + prefix + " is not in the FIB of " + self + " (expected: an advertised prefix)";
        }
        if (!egress.equals(self)) {
            FibEntry toEgress = f.get(ServicePrefix.nodePrefix(egress));
            if (toEgress == null || toEgress.local()) {
                return "unreachable: egress " + egress + " is not reachable from " + self + " (expected: a node in "
                        + "the FIB)";
            }
        }
        String next = ingress.equals(self) ? path.get(0) : nextAfter(path, self);
        if (next != null && !linkUp.test(next)) {
            return "unreachable: the next node on the path, " + next + ", is not an up neighbour of " + self
                    + " (expected: a path along up links)";
        }
        return null;
    }

    private static String nextAfter(List<String> path, String node) {
        int i = path.indexOf(node);
        return i < 0 || i == path.size() - 1 ? null : path.get(i + 1);
    }

    /**
     * Withdraws a policy.
     *
     * @param id     its id
     * @param reason why, for the log
     * @return whether it was held
     */
    public boolean withdraw(long id, String reason) {
        synchronized (writeLock) {
            Held h = byId.get(id);
            if (h == null) {
                return false;
            }
            remove(h);
            LOG.info("{}: policy {} withdrawn ({}): {} back to shortest paths", self, id, reason, h.policy().prefix());
        }
        withdrawn.increment();
        return true;
    }

    private void remove(Held h) {
        Map<Long, Held> ids = new HashMap<>(byId);
        ids.remove(h.policy().id());
        Map<String, Held> prefixes = new HashMap<>(byPrefix);
        prefixes.remove(h.policy().prefix().toString(), h);
        byId = Map.copyOf(ids);
        byPrefix = Map.copyOf(prefixes);
    }

    /**
     * The policy for a new call at its ingress.
     *
     * @param matched the FIB prefix the call's name matched
     * @param nowNs   current time
     * @return the policy to follow, or null for shortest-path forwarding (none, expired, or broken:
     *         first hop down, egress unreachable)
     */
    public ForwardingPolicy forCall(ServicePrefix matched, long nowNs) {
        Map<String, Held> m = byPrefix;
        if (m.isEmpty()) {
            return null;
        }
        Held h = m.get(matched.toString());
        if (h == null) {
            return null;
        }
        ForwardingPolicy p = h.policy();
        if (nowNs - p.expiresNs() >= 0) {
            expire(h);
            fallback("expired").increment();
            return null;
        }
        if (!linkUp.test(p.path().get(0))) {
            fallback("first_hop_down").increment();
            return null;
        }
        FibEntry toEgress = fib.get().get(ServicePrefix.nodePrefix(p.egress()));
        if (toEgress == null) {
            fallback("egress_unreachable").increment();
            return null;
        }
        h.calls().increment();
        return p;
    }

    /**
     * Counts a call that followed a policy's path through this node.
     *
     * @param id the policy id stamped in the OPEN
     */
    public void carried(long id) {
        Held h = byId.get(id);
        if (h != null) {
            h.calls().increment();
        }
    }

    /**
     * Counts a call whose explicit path broke at this node.
     *
     * @param reason metric tag
     */
    public void pathBroken(String reason) {
        fallback(reason).increment();
    }

    /**
     * Removes the policies past their TTL.
     *
     * @param nowNs current time
     * @return the ids removed
     */
    public List<Long> expire(long nowNs) {
        List<Long> out = new ArrayList<>();
        for (Held h : byId.values()) {
            if (nowNs - h.policy().expiresNs() >= 0 && expire(h)) {
                out.add(h.policy().id());
            }
        }
        return out;
    }

    private boolean expire(Held h) {
        synchronized (writeLock) {
            if (byId.get(h.policy().id()) != h) {
                return false;
            }
            remove(h);
        }
        expired.increment();
        LOG.info("{}: policy {} expired: {} back to shortest paths", self, h.policy().id(), h.policy().prefix());
        return true;
    }

    /** @return number of policies held */
    public int size() {
        return byId.size();
    }

    /** @return the policies held, by id */
    public List<ForwardingPolicy> policies() {
        List<ForwardingPolicy> out = new ArrayList<>();
        for (Held h : byId.values()) {
            out.add(h.policy());
        }
        out.sort(java.util.Comparator.comparingLong(ForwardingPolicy::id));
        return out;
    }

    /**
     * @param nowNs current time
     * @return what the admin API shows: one row per policy, with its role here and TTL left
     */
    public List<Map<String, Object>> rows(long nowNs) {
        List<Map<String, Object>> rows = new ArrayList<>();
        List<Held> all = new ArrayList<>(byId.values());
        all.sort(java.util.Comparator.comparingLong(h -> h.policy().id()));
        for (Held h : all) {
            ForwardingPolicy p = h.policy();
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("id", p.id());
            r.put("prefix", p.prefix().toString());
            r.put("ingress", p.ingress());
            r.put("egress", p.egress());
            r.put("path", p.path());
            r.put("role", p.ingress().equals(self) ? "ingress" : p.egress().equals(self) ? "egress" : "transit");
            r.put("next", p.after(self));
            r.put("ttlLeftMs", Math.max(0, TimeUnit.NANOSECONDS.toMillis(p.expiresNs() - nowNs)));
            r.put("calls", h.calls().sum());
            r.put("reason", p.reason());
            rows.add(r);
        }
        return rows;
    }

    private Counter refused(String reason) {
        return refused.computeIfAbsent(reason, r -> Counter.builder("dmsc_policy_refused_total").tag("reason", r)
                .description("Policies from the SCSC this node refused, by reason").register(registry));
    }

    private Counter fallback(String reason) {
        return fallbacks.computeIfAbsent(reason, r -> Counter.builder("dmsc_policy_fallbacks_total").tag("reason", r)
                .description("Calls that fell back to shortest paths from a policy, by reason").register(registry));
    }
}
