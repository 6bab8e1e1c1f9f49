package io.dmsc.wire.link;

import io.dmsc.wire.ServicePrefix;
import java.util.Arrays;

/**
 * A service prefix listed in an LSP with its cost and SPA authorization. Immutable.
 */
public final class PrefixEntry {
    /** Largest prefix cost. */
    public static final int MAX_COST = 0xFF_FFFF;
    private static final byte[] NONE = new byte[0];

    private final ServicePrefix prefix;
    private final int cost;
    private final byte[] authorization;

    /**
     * @param prefix        the prefix
     * @param cost          0 to {@link #MAX_COST}
     * @param authorization opaque SPA authorization, empty if none; copied
     */
    public PrefixEntry(ServicePrefix prefix, int cost, byte[] authorization) {
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
        return cost == e.cost && prefix.equals(e.prefix) && Arrays.equals(authorization, e.authorization);
    }

    @Override
    public int hashCode() {
        return prefix.hashCode() * 31 + cost;
    }

    @Override
    public String toString() {
        return prefix + " cost " + cost;
    }
}
