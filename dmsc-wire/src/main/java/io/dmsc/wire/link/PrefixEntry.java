package io.dmsc.wire.link;

import io.dmsc.wire.ServicePrefix;
import java.util.Arrays;

/**
 * A service prefix listed in an LSP with its cost, its weight (the share of an anycast prefix's
 * new calls its origin asks for: the summed weights of its healthy endpoints) and its SPA
 * authorization. Immutable.
 */
public final class PrefixEntry {
    /** Largest prefix cost. */
    public static final int MAX_COST = 0xFF_FFFF;
    /** Largest weight. */
    public static final int MAX_WEIGHT = 1_000_000;
    private static final byte[] NONE = new byte[0];

    private final ServicePrefix prefix;
    private final int cost;
    private final int weight;
    private final byte[] authorization;

    /**
     * @param prefix        the prefix
     * @param cost          0 to {@link #MAX_COST}
     * @param authorization opaque SPA authorization, empty if none; copied
     */
    public PrefixEntry(ServicePrefix prefix, int cost, byte[] authorization) {
        this(prefix, cost, 1, authorization);
    }

    /**
     * @param prefix        the prefix
     * @param cost          0 to {@link #MAX_COST}
     * @param weight        1 to {@link #MAX_WEIGHT}
     * @param authorization opaque SPA authorization, empty if none; copied
     */
    public PrefixEntry(ServicePrefix prefix, int cost, int weight, byte[] authorization) {
        if (weight < 1 || weight > MAX_WEIGHT) {
            throw new IllegalArgumentException("weight: " + weight + " (expected: 1.." + MAX_WEIGHT + ")");
        }
        this.weight = weight;
        if (prefix == null) {
            throw new IllegalArgumentException("prefix: null (expected: a service prefix)");
        }
        if (cost < 0 || cost > MAX_COST) {
            throw new IllegalArgumentException("cost: " + cost + " (expected: 0.." + MAX_COST + ")");
        }
        this.prefix = prefix;
        this.cost = cost;
        this.authorization = authorization == null || authorization.length == 0 ? NONE : authorization.clone();
    }

    /**
     * @param prefix the prefix
     * @param cost   0 to {@link #MAX_COST}
     * @return an entry without authorization
     */
    public static PrefixEntry of(ServicePrefix prefix, int cost) {
        return new PrefixEntry(prefix, cost, NONE);
    }

    /** @return the prefix */
    public ServicePrefix prefix() {
        return prefix;
    }

    /** @return the cost added to the path cost towards the origin */
    public int cost() {
        return cost;
    }

    /** @return the share of new calls asked for among equal-cost origins, 1 by default */
    public int weight() {
        return weight;
    }

    /** @return a copy of the authorization bytes */
    public byte[] authorization() {
        return authorization.clone();
    }

    /** @return the authorization length in bytes */
    public int authorizationLength() {
        return authorization.length;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof PrefixEntry)) {
            return false;
        }
        PrefixEntry e = (PrefixEntry) o;
        return cost == e.cost && weight == e.weight && prefix.equals(e.prefix)
                && Arrays.equals(authorization, e.authorization);
    }

    @Override
    public int hashCode() {
        return prefix.hashCode() * 31 + cost;
    }

    @Override
    public String toString() {
        return prefix + " cost " + cost + (weight == 1 ? "" : " weight " + weight);
    }
}
