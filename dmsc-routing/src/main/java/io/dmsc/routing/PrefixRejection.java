package io.dmsc.routing;

/** Why an advertised prefix is not installed in the RIB. */
public enum PrefixRejection {
    /** No authorization, and authorization is required. */
    UNSIGNED,
    /** The authorization bytes do not follow the layout. */
    MALFORMED,
    /** Signed by a key that is not a trust anchor of this node. */
    UNKNOWN_KEY,
    /** The signature does not match the content (altered on the way, or forged). */
    BAD_SIGNATURE,
    /** Issued for another prefix. */
    PREFIX_MISMATCH,
    /** Issued for another SG than the LSP's origin (replayed by a different origin). */
    ORIGIN_MISMATCH,
    /** Validity has not started yet. */
    NOT_YET_VALID,
    /** Validity has ended. */
    EXPIRED,
    /** A {@code /_dmsc} prefix other than the origin's own {@code /_dmsc/node/<origin>}. */
    RESERVED_NAMESPACE;

    /** @return the name in lower case with dashes, as metrics and {@code dmsc show} print it */
    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }
}
