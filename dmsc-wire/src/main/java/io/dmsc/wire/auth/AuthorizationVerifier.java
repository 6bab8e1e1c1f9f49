package io.dmsc.wire.auth;

import io.dmsc.wire.ServicePrefix;
import java.security.PublicKey;
import java.util.Objects;

/**
 * Checks the parts of a prefix authorization that do not depend on time: structure, a trusted
 * key, the signature, the prefix and the SG it is bound to. Validity times are left to the
 * caller, which owns the clock. Stateless; thread-safe.
 */
public final class AuthorizationVerifier {
    /** Why an authorization does not verify. */
    public enum Failure {
        /** The prefix entry carries no authorization. */
        UNSIGNED,
        /** The bytes do not follow the layout. */
        MALFORMED,
        /** Signed by a key that is not a trust anchor. */
        UNKNOWN_KEY,
        /** The signature does not match the content. */
        BAD_SIGNATURE,
        /** Issued for another prefix than the entry's. */
        PREFIX_MISMATCH,
        /** Issued for another SG than the LSP's origin. */
        ORIGIN_MISMATCH
    }

    /**
     * The outcome.
     *
     * @param authorization the decoded authorization, or null if it could not be decoded
     * @param failure       why it does not verify, or null if it does
     * @param detail        a sentence for operators (empty when it verifies)
     */
    public record Result(PrefixAuthorization authorization, Failure failure, String detail) {
        /** @return true if the authorization verifies */
        public boolean verified() {
            return failure == null;
        }
    }

    private final TrustAnchors anchors;

    /** @param anchors the trusted keys */
    public AuthorizationVerifier(TrustAnchors anchors) {
        this.anchors = Objects.requireNonNull(anchors, "anchors");
    }

    /** @return the trusted keys */
    public TrustAnchors anchors() {
        return anchors;
    }

    /**
     * @param bytes  the authorization of a prefix entry (empty: none)
     * @param prefix the entry's prefix
     * @param origin the origin of the LSP that carries the entry
     * @return the result
     */
    public Result verify(byte[] bytes, ServicePrefix prefix, String origin) {
        if (bytes.length == 0) {
            return new Result(null, Failure.UNSIGNED, "no authorization (expected: one signed by a prefix authority)");
        }
        PrefixAuthorization a;
        try {
            a = PrefixAuthorization.decode(bytes);
        } catch (MalformedAuthorizationException e) {
            return new Result(null, Failure.MALFORMED, e.getMessage());
        }
        PublicKey key = anchors.key(a.keyId());
        if (key == null) {
            return new Result(a, Failure.UNKNOWN_KEY, "signed by key " + a.keyIdHex() + " (expected one of "
                    + anchors.keyIds() + ")");
        }
        if (!SpaKeys.verify(key, a.signedBytes(), a.signature())) {
            return new Result(a, Failure.BAD_SIGNATURE, "the signature of key " + a.keyIdHex()
                    + " does not match the content");
        }
        if (!a.prefix().equals(prefix)) {
            return new Result(a, Failure.PREFIX_MISMATCH, "issued for " + a.prefix() + " (expected: " + prefix + ")");
        }
        if (!a.sgId().equals(origin)) {
            return new Result(a, Failure.ORIGIN_MISMATCH, "issued for SG " + a.sgId() + " but advertised by "
                    + origin);
        }
        return new Result(a, null, "");
    }
}
