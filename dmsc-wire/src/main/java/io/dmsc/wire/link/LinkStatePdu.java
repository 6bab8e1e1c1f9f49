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
 * @param signature          the origin's signature (the purger's, for a purge), or null when unsigned
 */
public record LinkStatePdu(LspId id, long sequence, int remainingLifetimeS, boolean overload, NodeRole role,
                           List<NeighborEntry> neighbors, List<PrefixEntry> prefixes, LspSignature signature)
        implements LinkMessage {
    /** Domain label of the signed bytes. */
    public static final String SIGNATURE_DOMAIN = "dmsc-lsp-v1";
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

    /** An unsigned LSP. */
    public LinkStatePdu(LspId id, long sequence, int remainingLifetimeS, boolean overload, NodeRole role,
                        List<NeighborEntry> neighbors, List<PrefixEntry> prefixes) {
        this(id, sequence, remainingLifetimeS, overload, role, neighbors, prefixes, null);
    }

    /**
     * What a signature covers: the domain label, the id, the sequence number, whether it is a
     * purge, and the content. Not the remaining lifetime, which every hop decrements (as the
     * IS-IS checksum leaves it out).
     *
     * @return the bytes to sign or verify
     */
    public byte[] signedBytes() {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(256 + 64 * prefixes.size());
        java.io.DataOutputStream d = new java.io.DataOutputStream(out);
        try {
            d.write((SIGNATURE_DOMAIN + '\0').getBytes(StandardCharsets.US_ASCII));
            writeText(d, id.origin());
            d.writeShort(id.fragment());
            d.writeLong(sequence);
            d.writeBoolean(isPurge());
            writeText(d, role.code());
            d.writeBoolean(overload);
            d.writeInt(neighbors.size());
            for (NeighborEntry n : neighbors) {
                writeText(d, n.nodeId());
                d.writeInt(n.metric());
            }
            d.writeInt(prefixes.size());
            for (PrefixEntry p : prefixes) {
                writeText(d, p.prefix().toString());
                d.writeInt(p.cost());
                d.writeInt(p.weight());
                d.writeInt(p.authorizationLength());
                d.write(p.authorization());
            }
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e); // in-memory stream
        }
        return out.toByteArray();
    }

    private static void writeText(java.io.DataOutputStream d, String text) throws java.io.IOException {
        byte[] b = text.getBytes(StandardCharsets.US_ASCII);
        d.writeShort(b.length);
        d.write(b);
    }

    /**
     * @param value a signature, or null
     * @return a copy carrying it
     */
    public LinkStatePdu withSignature(LspSignature value) {
        return new LinkStatePdu(id, sequence, remainingLifetimeS, overload, role, neighbors, prefixes, value);
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
            update(crc, scratch, p.weight());
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
        // The lifetime is not signed: the signature stays valid.
        return new LinkStatePdu(id, sequence, lifetimeS, overload, role, neighbors, prefixes, signature);
    }

    /**
     * A purge keeps the header only, as IS-IS purges do. Unsigned: the purging node signs it.
     *
     * @return a copy with lifetime 0, no content and no signature
     */
    public LinkStatePdu asPurge() {
        return new LinkStatePdu(id, sequence, 0, false, role, List.of(), List.of());
    }
}
