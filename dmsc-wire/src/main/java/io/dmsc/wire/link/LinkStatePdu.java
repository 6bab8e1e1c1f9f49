package io.dmsc.wire.link;

import java.util.List;

/**
 * One fragment of a node's link-state PDU (signal type 2). Fragment 0 carries the neighbours,
 * the role and the overload flag; every fragment may carry prefixes. Immutable.
 *
 * @param id                 origin and fragment
 * @param sequence           64-bit sequence number, compared unsigned; never 0
 * @param remainingLifetimeS seconds until the LSP expires; 0 is a purge
 * @param overload           the origin must not be used for transit
 * @param role               SG or SR
 * @param neighbors          two-way adjacencies of the origin
 * @param prefixes           service prefixes the origin reaches
 */
public record LinkStatePdu(LspId id, long sequence, int remainingLifetimeS, boolean overload, NodeRole role,
                           List<NeighborEntry> neighbors, List<PrefixEntry> prefixes) implements LinkMessage {
    /** Largest remaining lifetime, as IS-IS (16 bits of seconds). */
    public static final int MAX_LIFETIME_S = 65_535;

    /** Validates the fields and copies the lists. */
    public LinkStatePdu {
        if (id == null) {
            throw new IllegalArgumentException("id: null (expected: an LSP id)");
        }
        if (sequence == 0) {
            throw new IllegalArgumentException("sequence: 0 (expected: 1..2^64-1)");
        }
        if (remainingLifetimeS < 0 || remainingLifetimeS > MAX_LIFETIME_S) {
            throw new IllegalArgumentException("remainingLifetimeS: " + remainingLifetimeS
                    + " (expected: 0.." + MAX_LIFETIME_S + ")");
        }
        if (role == null) {
            throw new IllegalArgumentException("role: null (expected: sg or sr)");
        }
        neighbors = List.copyOf(neighbors);
        prefixes = List.copyOf(prefixes);
    }

    /** @return true if this is a purge (remaining lifetime 0) */
    public boolean isPurge() {
        return remainingLifetimeS == 0;
    }

    /** @return the header as a summary entry */
    public LspSummary summary() {
        return new LspSummary(id, sequence, remainingLifetimeS);
    }

    /**
     * @param lifetimeS remaining lifetime to carry
     * @return a copy with another remaining lifetime
     */
    public LinkStatePdu withLifetime(int lifetimeS) {
        return new LinkStatePdu(id, sequence, lifetimeS, overload, role, neighbors, prefixes);
    }

    /**
     * A purge keeps the header only, as IS-IS purges do.
     *
     * @return a copy with lifetime 0 and no content
     */
    public LinkStatePdu asPurge() {
        return new LinkStatePdu(id, sequence, 0, false, role, List.of(), List.of());
    }
}
