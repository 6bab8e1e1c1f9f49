package io.dmsc.routing;

import io.dmsc.wire.link.LinkStatePdu;
import io.dmsc.wire.link.LspId;
import io.dmsc.wire.link.LspSummary;
import java.util.Collection;
import java.util.Collections;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * Link-state database: every LSP fragment this node holds, keyed and sorted by id (sorted so
 * complete summaries can cover ranges). Owned by the conductor thread of its node.
 */
public final class Lsdb {
    private final NavigableMap<LspId, LsdbEntry> entries = new TreeMap<>();

    /**
     * Outcome of comparing a received LSP (or summary) with the held copy, from the point of
     * view of the received one (ISO 10589 section 7.3.16).
     */
    public enum Freshness {
        /** The received copy is newer: install it. */
        NEWER,
        /** Same sequence number and same purge state. */
        SAME,
        /** The held copy is newer: send it back. */
        OLDER
    }

    /**
     * Compares sequence numbers and lifetimes as IS-IS does: a higher sequence number is newer;
     * at equal sequence numbers a purge (lifetime 0) is newer than a live copy.
     *
     * @param seq      received sequence number (unsigned); 0 means "absent"
     * @param lifetime received remaining lifetime
     * @param held     held entry or null
     * @param nowNs    current time
     * @return freshness of the received copy
     */
    public static Freshness compare(long seq, int lifetime, LsdbEntry held, long nowNs) {
        return compare(seq, lifetime, 0, held, nowNs);
    }

    /**
     * Compares as {@link #compare(long, int, LsdbEntry, long)}, and at equal sequence numbers and
     * purge states of two live copies also by content checksum: a restarted originator may
     * count up to a number it used before, with other content. The larger checksum counts as
     * newer (OSPF's rule, RFC 2328 section 13.1), so every node keeps the same copy, and the
     * originator, seeing a copy of its own LSP "newer" than its own, jumps past it.
     *
     * @param seq      received sequence number (unsigned); 0 means "absent"
     * @param lifetime received remaining lifetime
     * @param checksum received {@link LinkStatePdu#checksum()}, or 0 if unknown (matches any)
     * @param held     held entry or null
     * @param nowNs    current time
     * @return freshness of the received copy
     */
    public static Freshness compare(long seq, int lifetime, int checksum, LsdbEntry held, long nowNs) {
        if (held == null) {
            return seq == 0 ? Freshness.SAME : Freshness.NEWER;
        }
        int c = Long.compareUnsigned(seq, held.pdu().sequence());
        if (c > 0) {
            return Freshness.NEWER;
        }
        if (c < 0) {
            return Freshness.OLDER;
        }
        boolean receivedPurge = lifetime == 0;
        boolean heldPurge = held.purged() || held.remainingLifetimeS(nowNs) == 0;
        if (receivedPurge != heldPurge) {
            return receivedPurge ? Freshness.NEWER : Freshness.OLDER;
        }
        if (receivedPurge || checksum == 0) {
            return Freshness.SAME;
        }
        int c2 = Integer.compareUnsigned(checksum, held.pdu().checksum());
        return c2 == 0 ? Freshness.SAME : c2 > 0 ? Freshness.NEWER : Freshness.OLDER;
    }

    /**
     * @param id an LSP id
     * @return the held entry or null
     */
    public LsdbEntry get(LspId id) {
        return entries.get(id);
    }

    void put(LsdbEntry entry) {
        LsdbEntry old = entries.put(entry.pdu().id(), entry);
        if (old != null) {
            account(old.pdu(), -1);
        }
        account(entry.pdu(), 1);
    }

    LsdbEntry remove(LspId id) {
        LsdbEntry old = entries.remove(id);
        if (old != null) {
            account(old.pdu(), -1);
        }
        return old;
    }

    /** Fragments and bytes held per origin. */
    private static final class OriginUse {
        int fragments;
        long bytes;
    }

    private final java.util.Map<String, OriginUse> origins = new java.util.HashMap<>();
    private long totalBytes;

    private void account(io.dmsc.wire.link.LinkStatePdu pdu, int sign) {
        long bytes = sizeOf(pdu);
        String origin = pdu.id().origin();
        OriginUse u = origins.computeIfAbsent(origin, o -> new OriginUse());
        u.fragments += sign;
        u.bytes += sign * bytes;
        totalBytes += sign * bytes;
        if (u.fragments == 0) {
            origins.remove(origin);
        }
    }

    /**
     * The bytes an LSP takes here: its names, neighbours, authorizations, signature and
     * certificate, plus a fixed header. Cheap: nothing is encoded.
     *
     * @param pdu an LSP
     * @return its size in bytes
     */
    public static long sizeOf(io.dmsc.wire.link.LinkStatePdu pdu) {
        long bytes = 48 + pdu.id().origin().length();
        for (io.dmsc.wire.link.NeighborEntry n : pdu.neighbors()) {
            bytes += n.nodeId().length() + AdvertisementBudget.NEIGHBOUR_OVERHEAD_BYTES;
        }
        for (io.dmsc.wire.link.PrefixEntry e : pdu.prefixes()) {
            bytes += AdvertisementBudget.entryBytes(e);
        }
        if (pdu.signature() != null) {
            bytes += pdu.signature().signature().length + pdu.signature().certificate().length;
        }
        return bytes;
    }

    /**
     * Whether holding {@code pdu} (in place of what is held under its id) would cross a limit.
     *
     * @param pdu    an LSP about to be installed
     * @param limits the bounds
     * @return null if it may be installed, else the bound it crosses
     */
    public LsdbLimits.Refusal refusal(io.dmsc.wire.link.LinkStatePdu pdu, LsdbLimits limits) {
        LsdbEntry held = entries.get(pdu.id());
        long delta = sizeOf(pdu) - (held == null ? 0 : sizeOf(held.pdu()));
        OriginUse u = origins.get(pdu.id().origin());
        if (u == null && origins.size() >= limits.maxOrigins()) {
            return LsdbLimits.Refusal.ORIGINS;
        }
        if (delta > 0 && (u == null ? 0 : u.bytes) + delta > limits.maxOriginBytes()) {
            return LsdbLimits.Refusal.ORIGIN_BYTES;
        }
        if (delta > 0 && totalBytes + delta > limits.maxTotalBytes()) {
            return LsdbLimits.Refusal.TOTAL_BYTES;
        }
        return null;
    }

    /** @return origins with at least one fragment held */
    public int origins() {
        return origins.size();
    }

    /** @return bytes held ({@link #sizeOf} of every entry) */
    public long bytes() {
        return totalBytes;
    }

    /**
     * @param origin a node id
     * @return bytes of its fragments held, 0 if none
     */
    public long bytesOf(String origin) {
        OriginUse u = origins.get(origin);
        return u == null ? 0 : u.bytes;
    }

    /** @return every entry, sorted by id; a read-only live view for the owner thread */
    public Collection<LsdbEntry> entries() {
        return Collections.unmodifiableCollection(entries.values());
    }

    /**
     * @param from first id, inclusive
     * @param to   last id, inclusive
     * @return entries in the range, sorted
     */
    public Collection<LsdbEntry> range(LspId from, LspId to) {
        return entries.subMap(from, true, to, true).values();
    }

    /** @return number of fragments held, purged ones included */
    public int size() {
        return entries.size();
    }

    /**
     * @param entry an entry
     * @param nowNs current time
     * @return its header as a summary, with the content checksum
     */
    public static LspSummary summary(LsdbEntry entry, long nowNs) {
        LinkStatePdu p = entry.pdu();
        return new LspSummary(p.id(), p.sequence(), entry.remainingLifetimeS(nowNs), p.checksum());
    }
}
