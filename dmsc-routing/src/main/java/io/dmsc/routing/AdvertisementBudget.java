package io.dmsc.routing;

import io.dmsc.wire.link.LspId;
import io.dmsc.wire.link.PrefixEntry;

/**
 * The room a node's own LSP has for prefixes: {@link LspId#MAX_FRAGMENT} + 1 fragments of at most
 * {@link RoutingConfig#maxLspBytes()} each, less what every fragment spends on its header and
 * signature and what fragment 0 spends on the neighbour list. Lets an owner (the SG) refuse an
 * announcement that would not fit before it is made, instead of the protocol leaving it out.
 *
 * <p>Fragments are filled in order, each up to the first entry that does not fit. So every full
 * fragment holds more than {@code fragmentBytes - largest} bytes, where {@code largest} is the
 * largest entry: a set of entries totalling at most {@code fragments * (fragmentBytes - largest)
 * - neighbourBytes} always fits, whatever their order. {@link #fits} checks that bound.
 *
 * @param fragments      fragments an origin may use
 * @param fragmentBytes  bytes of prefix entries one fragment takes
 * @param neighbourBytes bytes of fragment 0 the neighbour list may take (all configured neighbours)
 */
public record AdvertisementBudget(int fragments, int fragmentBytes, int neighbourBytes) {
    /** Bytes a fragment spends besides its entries, before the authenticator's share. */
    static final int FRAGMENT_HEADER_BYTES = 32;
    /** Bytes a prefix entry spends besides its name and authorization. */
    static final int ENTRY_OVERHEAD_BYTES = 16;
    /** Bytes a neighbour entry spends besides its node id. */
    static final int NEIGHBOUR_OVERHEAD_BYTES = 8;

    /**
     * The budget of one node.
     *
     * @param config        its routing settings
     * @param overheadBytes what its authenticator adds to each fragment
     * @param neighbourIds  the ids of every neighbour it may list
     * @return the budget
     */
    public static AdvertisementBudget of(RoutingConfig config, int overheadBytes, Iterable<String> neighbourIds) {
        int neighbours = 0;
        for (String id : neighbourIds) {
            neighbours += id.length() + NEIGHBOUR_OVERHEAD_BYTES;
        }
        return new AdvertisementBudget(LspId.MAX_FRAGMENT + 1,
                config.maxLspBytes() - FRAGMENT_HEADER_BYTES - config.nodeId().length() - overheadBytes, neighbours);
    }

    /**
     * @param e a prefix entry
     * @return the bytes it takes in a fragment
     */
    public static int entryBytes(PrefixEntry e) {
        return entryBytes(e.prefix(), e.authorizationLength());
    }

    /**
     * @param prefix              a prefix
     * @param authorizationLength the bytes of its authorization (0 for none)
     * @return the bytes its entry takes in a fragment
     */
    public static int entryBytes(io.dmsc.wire.ServicePrefix prefix, int authorizationLength) {
        return prefix.toString().length() + authorizationLength + ENTRY_OVERHEAD_BYTES;
    }

    /**
     * Whether entries totalling {@code totalBytes}, none larger than {@code largestEntryBytes}, are
     * sure to fit.
     *
     * @param totalBytes        the sum of {@link #entryBytes} of every entry
     * @param largestEntryBytes the largest of them
     * @return true if they fit in any order
     */
    public boolean fits(long totalBytes, int largestEntryBytes) {
        return totalBytes <= capacityBytes(largestEntryBytes);
    }

    /**
     * @param largestEntryBytes the largest entry that will be held
     * @return the total bytes of entries sure to fit
     */
    public long capacityBytes(int largestEntryBytes) {
        return Math.max(0, (long) fragments * (fragmentBytes - largestEntryBytes) - neighbourBytes);
    }
}
