package io.dmsc.routing;

/**
 * Bounds on what other nodes can make this node store: a neighbour relaying a bloated or
 * runaway origin's LSPs (a compromised node, a misconfigured one with thousands of prefixes)
 * must not grow the LSDB without end. An LSP that would cross a bound is not installed, not
 * flooded and not acknowledged (like a forged one), counted by reason and logged once per origin
 * and interval by the node; everything the LSDB held stays. Sizes are those of the encoded
 * content (names, neighbours, authorizations, signature, certificate).
 *
 * @param maxOrigins     distinct origins held at once
 * @param maxOriginBytes bytes of all fragments of one origin
 * @param maxTotalBytes  bytes of the whole LSDB
 */
public record LsdbLimits(int maxOrigins, long maxOriginBytes, long maxTotalBytes) {
    /** Default origins: a large mesh of SGs and SRs, with room. */
    public static final int DEFAULT_MAX_ORIGINS = 20_000;
    /** Default bytes per origin: its 256 fragments at the default 16 KiB each. */
    public static final long DEFAULT_MAX_ORIGIN_BYTES = 4L << 20;
    /** Default bytes of the LSDB. */
    public static final long DEFAULT_MAX_TOTAL_BYTES = 512L << 20;
    /** The defaults. */
    public static final LsdbLimits DEFAULT = new LsdbLimits(DEFAULT_MAX_ORIGINS, DEFAULT_MAX_ORIGIN_BYTES,
            DEFAULT_MAX_TOTAL_BYTES);

    /** Validates. */
    public LsdbLimits {
        if (maxOrigins < 1 || maxOriginBytes < 1024 || maxTotalBytes < maxOriginBytes) {
            throw new IllegalArgumentException("LSDB limits maxOrigins " + maxOrigins + ", maxOriginBytes "
                    + maxOriginBytes + ", maxTotalBytes " + maxTotalBytes + " (expected: maxOrigins >= 1, "
                    + "maxOriginBytes >= 1024, maxTotalBytes >= maxOriginBytes)");
        }
    }

    /** Why an LSP was refused. */
    public enum Refusal {
        /** A new origin, with as many origins held as allowed. */
        ORIGINS("too_many_origins"),
        /** Its origin's fragments would take more than allowed. */
        ORIGIN_BYTES("origin_too_large"),
        /** The LSDB would take more than allowed. */
        TOTAL_BYTES("lsdb_full");

        private final String label;

        Refusal(String label) {
            this.label = label;
        }

        /** @return the metric tag */
        public String label() {
            return label;
        }
    }
}
