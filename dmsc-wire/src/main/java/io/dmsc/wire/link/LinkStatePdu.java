package io.dmsc.wire.link;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.zip.CRC32C;

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

    /** @return the header as a summary entry, with the content checksum */
    public LspSummary summary() {
        return new LspSummary(id, sequence, remainingLifetimeS, checksum());
    }

    /**
     * Checksum of the content: role, overload flag, neighbours and prefixes (not the id, the
     * sequence number or the lifetime). Two LSPs with one id and one sequence number but other
     * content have, but for a 2^-32 chance, different checksums; at equal sequence numbers the
     * larger checksum counts as newer, so every node keeps the same copy (as OSPF does, RFC 2328
     * section 13.1). Computed on each call.
     *
     * @return a CRC-32C of the content, never 0 (0 means "no checksum" in a summary)
     */
    public int checksum() {
        CRC32C crc = new CRC32C();
        ByteBuffer scratch = ByteBuffer.allocate(Integer.BYTES);
        update(crc, role.code());
        crc.update(overload ? 1 : 0);
        update(crc, scratch, neighbors.size());
        for (NeighborEntry n : neighbors) {
            update(crc, n.nodeId());
            update(crc, scratch, n.metric());
        }
        for (PrefixEntry p : prefixes) {
            update(crc, p.prefix().toString());
            update(crc, scratch, p.cost());
            update(crc, scratch, p.authorizationLength());
            crc.update(p.authorization());
        }
        int value = (int) crc.getValue();
        return value == 0 ? 1 : value;
    }

    private static void update(CRC32C crc, String text) {
        // Names are ASCII; a 0 byte ends each one, so "ab","c" and "a","bc" differ.
        crc.update(text.getBytes(StandardCharsets.US_ASCII));
        crc.update(0);
    }

    private static void update(CRC32C crc, ByteBuffer scratch, int value) {
        scratch.clear();
        scratch.putInt(value).flip();
        crc.update(scratch);
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
