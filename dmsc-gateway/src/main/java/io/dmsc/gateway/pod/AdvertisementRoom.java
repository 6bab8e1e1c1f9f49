package io.dmsc.gateway.pod;

import io.dmsc.routing.AdvertisementBudget;
import io.dmsc.wire.ServicePrefix;
import java.util.HashMap;
import java.util.Map;

/**
 * What the SG's LSP still has room for: the distinct prefixes its pods hold (an anycast prefix
 * of several pods counts once), on top of what is reserved for its own node prefix and its
 * static prefixes, which always come first. An announcement that would not fit, or that would
 * take a pod past its share of the room, is refused with a reason; one already held is never
 * pushed out by a newcomer.
 *
 * <p>Threading: confined to the registry's event loop.
 */
final class AdvertisementRoom {
    /** Default share of the room one pod may take, in percent. */
    static final int DEFAULT_POD_SHARE_PERCENT = 25;

    /** Per distinct prefix: how many announcements hold it and the bytes of its entry. */
    private static final class Held {
        int holders;
        int bytes;
    }

    private String gatewayId = "this gateway";
    private final Map<ServicePrefix, Held> held = new HashMap<>();
    private AdvertisementBudget budget;
    private int podSharePercent = DEFAULT_POD_SHARE_PERCENT;
    private long heldBytes;
    private int largestHeld;
    private long reservedBytes;
    private int reservedLargest;
    private long refusedFull;
    private long refusedShare;

    /** Sets the budget (null: unlimited) and the share of it one pod may take. */
    void limit(String gatewayId, AdvertisementBudget budget, int podSharePercent) {
        if (podSharePercent < 1 || podSharePercent > 100) {
            throw new IllegalArgumentException("podPrefixSharePercent: " + podSharePercent + " (expected: 1 to 100)");
        }
        this.gatewayId = gatewayId;
        this.budget = budget;
        this.podSharePercent = podSharePercent;
    }

    /** The bytes the node prefix and the static prefixes take, and the largest of them. */
    void reserve(long bytes, int largest) {
        reservedBytes = bytes;
        reservedLargest = largest;
    }

    /**
     * @param prefix  the prefix a pod asks to hold
     * @param bytes   its entry's size ({@link AdvertisementBudget#entryBytes})
     * @param podId   the pod
     * @param podHeld the bytes of the distinct prefixes that pod holds now
     * @return null if it fits, else why not (for the pod)
     */
    String refusal(ServicePrefix prefix, int bytes, String podId, long podHeld) {
        if (budget == null) {
            return null;
        }
        int largest = Math.max(bytes, Math.max(largestHeld, reservedLargest));
        long room = budget.capacityBytes(largest) - reservedBytes;
        long share = room * podSharePercent / 100;
        if (podHeld + bytes > share) {
            refusedShare++;
            return "gateway " + gatewayId + " cannot advertise " + prefix + " for pod '" + podId + "': the pod's "
                    + "prefixes take " + podHeld + " bytes of its share of " + share + " bytes of the link-state "
                    + "PDU and this one needs " + bytes + " (expected: fewer or shorter prefixes per pod, or a larger "
                    + "gateway.podPrefixSharePercent)";
        }
        if (held.containsKey(prefix)) {
            return null; // anycast: another pod's announcement already pays for the entry
        }
        if (heldBytes + bytes > room) {
            refusedFull++;
            return "gateway " + gatewayId + " cannot advertise " + prefix + ": its link-state PDU has room for "
                    + Math.max(0, room - heldBytes) + " more bytes of prefixes and this one needs " + bytes
                    + " (expected: announce it at another gateway, or withdraw others first)";
        }
        return null;
    }

    /** An announcement of the prefix is held from now on. */
    void add(ServicePrefix prefix, int bytes) {
        Held h = held.computeIfAbsent(prefix, p -> new Held());
        if (h.holders++ == 0) {
            h.bytes = bytes;
            heldBytes += bytes;
            largestHeld = Math.max(largestHeld, bytes);
        }
    }

    /** An announcement of the prefix is no longer held. */
    void remove(ServicePrefix prefix) {
        Held h = held.get(prefix);
        if (h == null) {
            return;
        }
        if (--h.holders == 0) {
            held.remove(prefix);
            heldBytes -= h.bytes;
            if (h.bytes == largestHeld) {
                largestHeld = 0;
                for (Held other : held.values()) {
                    largestHeld = Math.max(largestHeld, other.bytes);
                }
            }
        }
    }

    /** @return the entry size the prefix is accounted with, or 0 if no announcement holds it */
    int bytesOf(ServicePrefix prefix) {
        Held h = held.get(prefix);
        return h == null ? 0 : h.bytes;
    }

    long heldBytes() {
        return heldBytes;
    }

    long refusedFull() {
        return refusedFull;
    }

    long refusedShare() {
        return refusedShare;
    }

    /** @return the room for pods' prefixes now, or -1 when unlimited */
    long roomBytes() {
        return budget == null ? -1 : budget.capacityBytes(Math.max(largestHeld, reservedLargest)) - reservedBytes;
    }
}
