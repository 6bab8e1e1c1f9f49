package io.dmsc.routing;

import java.util.Objects;

/**
 * What a {@link PrefixAuthorizer} found about one prefix entry, apart from time: either a
 * rejection, or a validity window (in the protocol's {@code nowNs} timebase) and an owner.
 * Immutable.
 *
 * @param rejection       why the entry can never be installed, or null if its authorization verifies
 * @param detail          a sentence for operators (empty when it verifies)
 * @param owner           owner of the prefix (pod id, or the SG for its own prefixes); empty if unknown
 * @param notBeforeNs     start of validity ({@code Long.MIN_VALUE}: always)
 * @param notAfterNs      end of validity ({@code Long.MAX_VALUE}: never)
 * @param notAfterEpochMs end of validity in ms since the epoch, for display (0: never)
 */
public record AuthorizationVerdict(PrefixRejection rejection, String detail, String owner, long notBeforeNs,
        long notAfterNs, long notAfterEpochMs) {
    /** The verdict of a mesh without authorization: valid forever, owner unknown. */
    public static final AuthorizationVerdict OPEN = new AuthorizationVerdict(null, "", "", Long.MIN_VALUE,
            Long.MAX_VALUE, 0);

    /** Validates the fields. */
    public AuthorizationVerdict {
        Objects.requireNonNull(detail, "detail");
        Objects.requireNonNull(owner, "owner");
    }

    /**
     * @param rejection why
     * @param detail    a sentence for operators
     * @return a verdict that never installs
     */
    public static AuthorizationVerdict reject(PrefixRejection rejection, String detail) {
        return new AuthorizationVerdict(Objects.requireNonNull(rejection, "rejection"), detail, "", Long.MIN_VALUE,
                Long.MIN_VALUE, 0);
    }

    /**
     * @param owner           owner of the prefix
     * @param notBeforeNs     start of validity
     * @param notAfterNs      end of validity
     * @param notAfterEpochMs end of validity, ms since the epoch
     * @return a verdict that installs inside the window
     */
    public static AuthorizationVerdict valid(String owner, long notBeforeNs, long notAfterNs, long notAfterEpochMs) {
        return new AuthorizationVerdict(null, "", owner, notBeforeNs, notAfterNs, notAfterEpochMs);
    }

    /**
     * @param nowNs current time
     * @return why the entry is not installable now, or null if it is
     */
    public PrefixRejection rejectionAt(long nowNs) {
        if (rejection != null) {
            return rejection;
        }
        if (notBeforeNs != Long.MIN_VALUE && nowNs - notBeforeNs < 0) {
            return PrefixRejection.NOT_YET_VALID;
        }
        if (notAfterNs != Long.MAX_VALUE && nowNs - notAfterNs >= 0) {
            return PrefixRejection.EXPIRED;
        }
        return null;
    }

    /**
     * @param nowNs current time
     * @return the next time the verdict changes state, or {@code Long.MAX_VALUE}
     */
    public long nextChangeNs(long nowNs) {
        if (rejection != null) {
            return Long.MAX_VALUE;
        }
        if (notBeforeNs != Long.MIN_VALUE && nowNs - notBeforeNs < 0) {
            return notBeforeNs;
        }
        if (notAfterNs != Long.MAX_VALUE && nowNs - notAfterNs < 0) {
            return notAfterNs;
        }
        return Long.MAX_VALUE;
    }
}
