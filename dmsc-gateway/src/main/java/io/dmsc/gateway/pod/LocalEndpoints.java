package io.dmsc.gateway.pod;

import io.dmsc.wire.ServicePrefix;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Snapshot of the healthy local pod endpoints of an SG, by prefix: where the egress SG sends a
 * call whose routed name it owns. Published by {@link PodRegistry} as a whole new object on every
 * change; the data plane reads it without locks.
 *
 * <p>The set of endpoints is immutable. {@link #select} also advances a smooth weighted round
 * robin whose state lives in the snapshot: it is meant to be called on the registry's event loop
 * (the data-plane loop that owns the registry). Called from another thread it stays memory-safe
 * but the rotation may skew.
 */
public final class LocalEndpoints {
    private static final LocalEndpoints EMPTY = new LocalEndpoints(List.of());

    /** Prefix text to its endpoints. */
    private final Map<String, Group> groups;
    /** Distinct component counts of the prefixes, longest first: the only lengths worth probing. */
    private final int[] lengthsDescending;
    private final List<PodEndpoint> all;

    /**
     * @param healthy the healthy endpoints; several may share a prefix
     */
    LocalEndpoints(List<PodEndpoint> healthy) {
        List<PodEndpoint> sorted = new ArrayList<>(healthy);
        sorted.sort(Comparator.comparing(PodEndpoint::prefix).thenComparing(PodEndpoint::endpoint)
                .thenComparing(PodEndpoint::podId));
        Map<ServicePrefix, List<PodEndpoint>> byPrefix = new LinkedHashMap<>();
        for (PodEndpoint e : sorted) {
            byPrefix.computeIfAbsent(e.prefix(), p -> new ArrayList<>()).add(e);
        }
        Map<String, Group> g = new HashMap<>();
        TreeSet<Integer> lengths = new TreeSet<>(Comparator.reverseOrder());
        for (Map.Entry<ServicePrefix, List<PodEndpoint>> en : byPrefix.entrySet()) {
            g.put(en.getKey().toString(), new Group(en.getValue()));
            lengths.add(en.getKey().size());
        }
        this.groups = g;
        this.lengthsDescending = lengths.stream().mapToInt(Integer::intValue).toArray();
        this.all = List.copyOf(sorted);
    }

    /** @return a snapshot without endpoints */
    static LocalEndpoints empty() {
        return EMPTY;
    }

    /**
     * Picks the endpoint for a call: longest-prefix match of {@code routedName} by whole
     * components against the prefixes that have a healthy endpoint, then smooth weighted round
     * robin among that prefix's endpoints.
     *
     * @param routedName target prefix plus method path, e.g.
     *                   {@code /B/4/helloworld.Greeter/SayHello}
     * @return the endpoint, or null if no announced prefix matches
     */
    public PodEndpoint select(String routedName) {
        if (lengthsDescending.length == 0 || routedName == null || routedName.isEmpty()
                || routedName.charAt(0) != '/') {
            return null;
        }
        // ends[k] = index just past component k+1 of routedName; only the first
        // lengthsDescending[0] components can ever match.
        int maxComponents = lengthsDescending[0];
        int[] ends = new int[maxComponents];
        int count = 0;
        for (int i = 1; i <= routedName.length() && count < maxComponents; i++) {
            if (i == routedName.length() || routedName.charAt(i) == '/') {
                ends[count++] = i;
            }
        }
        for (int length : lengthsDescending) {
            if (length > count) {
                continue;
            }
            int end = ends[length - 1];
            Group group = groups.get(end == routedName.length() ? routedName : routedName.substring(0, end));
            if (group != null) {
                return group.next();
            }
        }
        return null;
    }

    /**
     * @return every healthy endpoint, sorted by prefix, endpoint and pod id (for status output)
     */
    public List<PodEndpoint> all() {
        return all;
    }

    /** @return the prefixes with at least one healthy endpoint, sorted, without duplicates */
    List<ServicePrefix> prefixes() {
        List<ServicePrefix> prefixes = new ArrayList<>();
        for (PodEndpoint e : all) {
            if (prefixes.isEmpty() || !prefixes.get(prefixes.size() - 1).equals(e.prefix())) {
                prefixes.add(e.prefix());
            }
        }
        return prefixes;
    }

    @Override
    public String toString() {
        return "LocalEndpoints" + all;
    }

    /**
     * The endpoints of one prefix with the state of a smooth weighted round robin (nginx's
     * algorithm): each pick adds every weight to its current value, picks the largest and takes
     * the total back from it, which spreads picks evenly in proportion to the weights.
     * Mutable state owned by the registry's event loop.
     */
    private static final class Group {
        private final PodEndpoint[] endpoints;
        private final long[] current;
        private final long totalWeight;

        Group(List<PodEndpoint> endpoints) {
            this.endpoints = endpoints.toArray(new PodEndpoint[0]);
            this.current = new long[this.endpoints.length];
            long total = 0;
            for (PodEndpoint e : this.endpoints) {
                total += e.weight();
            }
            this.totalWeight = total;
        }

        PodEndpoint next() {
            if (endpoints.length == 1) {
                return endpoints[0];
            }
            int best = 0;
            for (int i = 0; i < endpoints.length; i++) {
                current[i] += endpoints[i].weight();
                if (current[i] > current[best]) {
                    best = i;
                }
            }
            current[best] -= totalWeight;
            return endpoints[best];
        }
    }
}
