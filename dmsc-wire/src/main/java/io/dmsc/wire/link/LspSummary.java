package io.dmsc.wire.link;

/**
 * An LSP header as listed in a partial or complete summary. A sequence of 0 means "I do not
 * have this LSP" and is used to request it.
 *
 * @param id                 the LSP
 * @param sequence           its sequence number, compared unsigned
 * @param remainingLifetimeS its remaining lifetime in seconds
 * @param checksum           {@link LinkStatePdu#checksum()} of the content, or 0 if not given
 */
public record LspSummary(LspId id, long sequence, int remainingLifetimeS, int checksum) {
    /** Validates the fields. */
    public LspSummary {
        if (id == null) {
            throw new IllegalArgumentException("id: null (expected: an LSP id)");
        }
        if (remainingLifetimeS < 0 || remainingLifetimeS > LinkStatePdu.MAX_LIFETIME_S) {
            throw new IllegalArgumentException("remainingLifetimeS: " + remainingLifetimeS
                    + " (expected: 0.." + LinkStatePdu.MAX_LIFETIME_S + ")");
        }
    }

    /**
     * A header without checksum (a request, or from a sender that does not give one).
     *
     * @param id                 the LSP
     * @param sequence           its sequence number, compared unsigned
     * @param remainingLifetimeS its remaining lifetime in seconds
     */
    public LspSummary(LspId id, long sequence, int remainingLifetimeS) {
        this(id, sequence, remainingLifetimeS, 0);
    }
}
