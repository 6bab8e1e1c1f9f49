package io.dmsc.routing;

import io.dmsc.wire.ServicePrefix;
import io.dmsc.wire.link.LinkStatePdu;
import io.dmsc.wire.link.LspId;
import io.dmsc.wire.link.PrefixEntry;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.PriorityQueue;
import java.util.Set;

/**
 * The name-prefix table: every prefix advertised in the LSDB, by the LSP fragment that carries
 * it, with the authorization verdict of that advertisement (NLSR's name-prefix table, with
 * signal type 3 added). An advertisement is verified once, when it appears or changes; a
 * refreshed or re-flooded LSP whose entry is unchanged keeps its verdict. Validity windows are
 * watched on a timeline, so an expiry takes the prefix out on time even without a new LSP.
 *
 * <p>Pure; owned by the protocol's thread.
 */
final class PrefixTable {
    /**
     * One advertisement of a prefix.
     *
     * @param entry   the entry as advertised
     * @param verdict its authorization verdict
     */
    record Advertisement(PrefixEntry entry, AuthorizationVerdict verdict) {
    }

    /**
     * For operators: one advertisement and whether it is installed.
     *
     * @param prefix          the prefix
     * @param origin          the advertising node
     * @param cost            the advertised cost
     * @param owner           owner (pod id, or the SG), empty if unknown
     * @param notAfterEpochMs end of validity, ms since the epoch (0: none)
     * @param rejection       why it is not installed, or null if installable
     * @param detail          a sentence about the rejection (empty if installable)
     */
    record Row(ServicePrefix prefix, String origin, int cost, String owner, long notAfterEpochMs,
               PrefixRejection rejection, String detail) {
    }

    private record Change(long dueNs, ServicePrefix prefix, LspId id) implements Comparable<Change> {
        @Override
        public int compareTo(Change o) {
            return Long.compare(dueNs, o.dueNs);
        }
    }

    private final PrefixAuthorizer authorizer;
    private final Map<ServicePrefix, Map<LspId, Advertisement>> table = new HashMap<>();
    private final PriorityQueue<Change> timeline = new PriorityQueue<>();
    private final Set<ServicePrefix> changed = new HashSet<>();
    private final Map<PrefixRejection, Long> rejections = new java.util.EnumMap<>(PrefixRejection.class);
    private long verifications;

    PrefixTable(PrefixAuthorizer authorizer) {
        this.authorizer = Objects.requireNonNull(authorizer, "authorizer");
    }

    /**
     * The content of one fragment changed.
     *
     * @param id     the fragment
     * @param before its previous live content, or null
     * @param after  its new live content, or null (purged, expired)
     * @param nowNs  current time
     */
    void update(LspId id, LinkStatePdu before, LinkStatePdu after, long nowNs) {
        Map<ServicePrefix, PrefixEntry> oldEntries = entries(before);
        Map<ServicePrefix, PrefixEntry> newEntries = entries(after);
        for (Map.Entry<ServicePrefix, PrefixEntry> e : oldEntries.entrySet()) {
            if (!e.getValue().equals(newEntries.get(e.getKey()))) {
                Map<LspId, Advertisement> ads = table.get(e.getKey());
                if (ads != null) {
                    ads.remove(id);
                    if (ads.isEmpty()) {
                        table.remove(e.getKey());
                    }
                }
                changed.add(e.getKey());
            }
        }
        for (Map.Entry<ServicePrefix, PrefixEntry> e : newEntries.entrySet()) {
            if (!e.getValue().equals(oldEntries.get(e.getKey()))) {
                AuthorizationVerdict v = verify(id.origin(), e.getValue(), nowNs);
                table.computeIfAbsent(e.getKey(), k -> new HashMap<>(2)).put(id, new Advertisement(e.getValue(), v));
                long next = v.nextChangeNs(nowNs);
                if (next != Long.MAX_VALUE) {
                    timeline.add(new Change(next, e.getKey(), id));
                }
                changed.add(e.getKey());
            }
        }
    }

    private AuthorizationVerdict verify(String origin, PrefixEntry entry, long nowNs) {
        ServicePrefix p = entry.prefix();
        AuthorizationVerdict v;
        if (p.isReserved()) {
            // Bound to the LSP's origin: needs no SPA, and no node may speak for another's.
            v = p.equals(ServicePrefix.nodePrefix(origin)) ? AuthorizationVerdict.OPEN
                    : AuthorizationVerdict.reject(PrefixRejection.RESERVED_NAMESPACE, p + " is reserved for node "
                            + p.component(p.size() - 1) + " (expected: only /_dmsc/node/" + origin + " from " + origin + ")");
        } else {
            verifications++;
            try {
                v = authorizer.verify(origin, entry, nowNs);
            } catch (RuntimeException e) {
                v = AuthorizationVerdict.reject(PrefixRejection.MALFORMED, "verification failed: " + e);
            }
        }
        if (v.rejection() != null) {
            rejections.merge(v.rejection(), 1L, Long::sum);
        }
        return v;
    }

    /**
     * Moves due validity changes (an authorization starting or ending) into the changed set.
     *
     * @param nowNs current time
     * @return the number of changes that fell due
     */
    int advance(long nowNs) {
        int n = 0;
        while (!timeline.isEmpty() && nowNs - timeline.peek().dueNs() >= 0) {
            Change c = timeline.poll();
            Map<LspId, Advertisement> ads = table.get(c.prefix());
            Advertisement a = ads == null ? null : ads.get(c.id());
            if (a == null) {
                continue;
            }
            if (a.verdict().rejectionAt(nowNs) == PrefixRejection.EXPIRED) {
                rejections.merge(PrefixRejection.EXPIRED, 1L, Long::sum);
            }
            long next = a.verdict().nextChangeNs(nowNs);
            if (next != Long.MAX_VALUE) {
                timeline.add(new Change(next, c.prefix(), c.id()));
            }
            changed.add(c.prefix());
            n++;
        }
        return n;
    }

    /** @return when {@link #advance} next has something to do, or {@code Long.MAX_VALUE} */
    long nextDeadlineNs() {
        Change c = timeline.peek();
        return c == null ? Long.MAX_VALUE : c.dueNs();
    }

    /** @return prefixes whose routes must be recomputed; cleared by the caller */
    Set<ServicePrefix> changed() {
        return changed;
    }

    /** @return every prefix in the table */
    Set<ServicePrefix> prefixes() {
        return table.keySet();
    }

    /**
     * @param prefix a prefix
     * @param nowNs  current time
     * @return by origin, its lowest-cost advertisement of the prefix that may be installed now
     */
    private Map<String, PrefixEntry> installableEntries(ServicePrefix prefix, long nowNs) {
        Map<LspId, Advertisement> ads = table.get(prefix);
        if (ads == null || ads.isEmpty()) {
            return Map.of();
        }
        Map<String, PrefixEntry> best = new LinkedHashMap<>(ads.size() * 2);
        for (Map.Entry<LspId, Advertisement> e : ads.entrySet()) {
            if (e.getValue().verdict().rejectionAt(nowNs) == null) {
                best.merge(e.getKey().origin(), e.getValue().entry(), (a, b) -> b.cost() < a.cost() ? b : a);
            }
        }
        return best;
    }

    /**
     * @param prefix a prefix
     * @param nowNs  current time
     * @return cost by origin of the advertisements that may be installed now (lowest cost per origin)
     */
    Map<String, Integer> installable(ServicePrefix prefix, long nowNs) {
        return field(installableEntries(prefix, nowNs), PrefixEntry::cost);
    }

    /**
     * @param prefix a prefix
     * @param nowNs  current time
     * @return weight by origin of the installable advertisements (of the lowest-cost one per origin)
     */
    Map<String, Integer> installableWeights(ServicePrefix prefix, long nowNs) {
        return field(installableEntries(prefix, nowNs), PrefixEntry::weight);
    }

    private static Map<String, Integer> field(Map<String, PrefixEntry> byOrigin,
                                              java.util.function.ToIntFunction<PrefixEntry> f) {
        Map<String, Integer> out = new LinkedHashMap<>(byOrigin.size() * 2);
        byOrigin.forEach((origin, entry) -> out.put(origin, f.applyAsInt(entry)));
        return out;
    }

    /**
     * @param nowNs current time
     * @return every advertisement with its state, sorted by prefix then origin
     */
    List<Row> rows(long nowNs) {
        List<Row> out = new ArrayList<>();
        for (Map.Entry<ServicePrefix, Map<LspId, Advertisement>> e : table.entrySet()) {
            for (Map.Entry<LspId, Advertisement> a : e.getValue().entrySet()) {
                AuthorizationVerdict v = a.getValue().verdict();
                PrefixRejection r = v.rejectionAt(nowNs);
                String detail = r == null ? "" : v.rejection() != null ? v.detail()
                        : r == PrefixRejection.EXPIRED ? "the authorization expired" : "the authorization is not valid yet";
                out.add(new Row(e.getKey(), a.getKey().origin(), a.getValue().entry().cost(), v.owner(),
                        v.notAfterEpochMs(), r, detail));
            }
        }
        out.sort((x, y) -> {
            int c = x.prefix().compareTo(y.prefix());
            return c != 0 ? c : x.origin().compareTo(y.origin());
        });
        return out;
    }

    /** @return advertisements verified so far (new or changed entries; unchanged ones are not verified again) */
    long verifications() {
        return verifications;
    }

    /** @return advertisements rejected so far, by reason */
    Map<PrefixRejection, Long> rejections() {
        return rejections;
    }

    /** @return the authorizer */
    PrefixAuthorizer authorizer() {
        return authorizer;
    }

    private static Map<ServicePrefix, PrefixEntry> entries(LinkStatePdu p) {
        if (p == null || p.prefixes().isEmpty()) {
            return Map.of();
        }
        Map<ServicePrefix, PrefixEntry> m = new HashMap<>(p.prefixes().size() * 2);
        for (PrefixEntry e : p.prefixes()) {
            // A prefix listed twice in one fragment: the lowest cost counts, as before.
            m.merge(e.prefix(), e, (a, b) -> b.cost() < a.cost() ? b : a);
        }
        return m;
    }
}
