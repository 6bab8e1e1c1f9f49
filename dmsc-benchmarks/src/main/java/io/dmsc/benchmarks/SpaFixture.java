package io.dmsc.benchmarks;

import io.dmsc.wire.ServicePrefix;
import io.dmsc.wire.auth.PrefixAuthorization;
import io.dmsc.wire.auth.SpaKeys;
import io.dmsc.wire.auth.TrustAnchors;
import java.security.KeyPair;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A stand-in for the Service Prefix Authentication entity of the authorization benchmarks: one
 * freshly generated Ed25519 key, the trust anchors that trust it, and genuine signed prefix
 * authorizations (signal type 3) valid from an hour ago to a day from now by the wall clock.
 * Immutable once built; thread-safe.
 */
final class SpaFixture {
    private static final long VALID_BEFORE_MS = TimeUnit.HOURS.toMillis(1);
    private static final long VALID_AFTER_MS = TimeUnit.DAYS.toMillis(1);

    private final KeyPair key = SpaKeys.generate();
    private final byte[] keyId = SpaKeys.keyId(key.getPublic());
    private final TrustAnchors anchors = new TrustAnchors(List.of(key.getPublic()));
    private final long issuedAtMs = System.currentTimeMillis();

    /** @return the trust anchors: the fixture's key only */
    TrustAnchors anchors() {
        return anchors;
    }

    /** @return the signing key pair */
    KeyPair key() {
        return key;
    }

    /**
     * Signs an authorization as an SPA would.
     *
     * @param prefix the prefix
     * @param podId  the owning pod
     * @param sgId   the SG that advertises it
     * @param serial the serial number
     * @return the signed authorization
     */
    PrefixAuthorization authorize(ServicePrefix prefix, String podId, String sgId, long serial) {
        PrefixAuthorization unsigned = new PrefixAuthorization(keyId, issuedAtMs - VALID_BEFORE_MS,
                issuedAtMs + VALID_AFTER_MS, serial, prefix, podId, sgId, null);
        return unsigned.withSignature(SpaKeys.sign(key.getPrivate(), unsigned.signedBytes()));
    }
}
