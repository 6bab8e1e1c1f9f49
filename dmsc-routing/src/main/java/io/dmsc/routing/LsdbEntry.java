package io.dmsc.routing;

import io.dmsc.wire.link.LinkStatePdu;
import java.util.concurrent.TimeUnit;

/**
 * One LSP as held in the {@link Lsdb}: the PDU as received plus the time it expires. A purged
 * entry (lifetime reached 0 or a purge was received) keeps its header until the zero-age
 * lifetime passes, so that late copies of the old LSP are recognised as older. Immutable.
 *
 * @param pdu        the PDU; for a purged entry, its header only
 * @param expiresNs  when the remaining lifetime reaches 0 (for a purged entry: when the
 *                   header is deleted)
 * @param purged     true once the lifetime reached 0 or a purge was installed
 * @param installedNs when this copy was installed
 */
public record LsdbEntry(LinkStatePdu pdu, long expiresNs, boolean purged, long installedNs) {
    /**
     * @param nowNs current time
     * @return remaining lifetime in seconds, rounded up, 0 for a purged entry
     */
    public int remainingLifetimeS(long nowNs) {
        if (purged) {
            return 0;
        }
        long leftNs = expiresNs - nowNs;
        if (leftNs <= 0) {
            return 0;
        }
        long s = (leftNs + TimeUnit.SECONDS.toNanos(1) - 1) / TimeUnit.SECONDS.toNanos(1);
        return (int) Math.min(s, LinkStatePdu.MAX_LIFETIME_S);
    }

    /**
     * @param nowNs current time
     * @return the PDU with its current remaining lifetime, as it is flooded
     */
    public LinkStatePdu current(long nowNs) {
        int lifetime = remainingLifetimeS(nowNs);
        return lifetime == pdu.remainingLifetimeS() ? pdu : pdu.withLifetime(lifetime);
    }
}
