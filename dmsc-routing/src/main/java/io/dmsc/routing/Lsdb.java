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
        entries.put(entry.pdu().id(), entry);
    }

    LsdbEntry remove(LspId id) {
        return entries.remove(id);
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
