package io.dmsc.gateway.pod;

import io.dmsc.wire.ServicePrefix;
import io.dmsc.wire.proto.attach.v1.RejectReason;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * Asynchronous authorization of an announced prefix: may this pod, proving itself with this
 * credential, serve this prefix at this endpoint? Asked for every announcement that passed the
 * name, namespace, endpoint and limit checks, and again to renew a grant at half-life. The
 * Service Prefix Authentication (SPA) client plugs in here.
 *
 * <p>Implementations must be thread-safe and must not block: {@link #admit} is called on the
 * SG's data-plane event loop. The returned future may complete on any thread. A future that
 * completes exceptionally means no SPA could be reached ({@link RejectReason#SPA_UNREACHABLE}):
 * the SG keeps retrying. Implementations must never log the credential.
 */
@FunctionalInterface
public interface PrefixAdmission {

    /**
     * What is asked.
     *
     * @param podId         the pod id from the pod's Hello; empty for the SG's own static prefixes
     * @param credential    the credential from the pod's Hello (a secret: never log it)
     * @param prefix        the prefix, already valid and outside the reserved namespace
     * @param endpoint      {@code host:port} the pod serves it at; empty for static prefixes
     * @param endpointIsOwn true if the endpoint's host is the pod's own address (the attach
     *                      stream's peer address, or loopback for a pod on the SG's host)
     * @param certificateIdentity the identity the pod proved with its TLS client certificate
     *                      ({@code spiffe://MESH/pod/ID}; for static prefixes the SG's own), or
     *                      empty; when set it is the credential asked for, instead of the token
     */
    record Request(String podId, String credential, ServicePrefix prefix, String endpoint, boolean endpointIsOwn,
                   String certificateIdentity) {
        /** Validates the fields. */
        public Request {
            Objects.requireNonNull(podId, "podId");
            Objects.requireNonNull(credential, "credential");
            Objects.requireNonNull(prefix, "prefix");
            Objects.requireNonNull(endpoint, "endpoint");
            Objects.requireNonNull(certificateIdentity, "certificateIdentity");
        }

        /** A request proven by a token only. */
        public Request(String podId, String credential, ServicePrefix prefix, String endpoint, boolean endpointIsOwn) {
            this(podId, credential, prefix, endpoint, endpointIsOwn, "");
        }

        @Override
        public String toString() {
            return "Request{" + (podId.isEmpty() ? "(the SG)" : podId) + " " + prefix + " at " + endpoint + '}';
        }
    }

    /**
     * Decides whether a pod may serve a prefix.
     *
     * @param request what is asked
     * @return the decision, completed on any thread; exceptionally if no SPA answered
     */
    CompletableFuture<Decision> admit(Request request);

    /**
     * An admission that grants every prefix without authorization: for a mesh without SPA, and
     * for tests.
     *
     * @return the admission
     */
    static PrefixAdmission allowAll() {
        CompletableFuture<Decision> granted = CompletableFuture.completedFuture(Decision.grant());
        return request -> granted;
    }

    /**
     * The answer of a {@link PrefixAdmission}.
     *
     * @param granted           true if the pod may serve the prefix
     * @param reason            why not ({@link RejectReason#REJECT_REASON_UNSPECIFIED} when granted)
     * @param message           what was wrong and what is expected, for the pod (empty when granted)
     * @param authorization     the signed authorization to advertise (granted by an SPA), else empty
     * @param authorizedUntilMs its end of validity, ms since the epoch; 0 when it has none
     */
    record Decision(boolean granted, RejectReason reason, String message, byte[] authorization,
                    long authorizedUntilMs) {
        private static final byte[] NONE = new byte[0];
        private static final Decision GRANTED = new Decision(true, RejectReason.REJECT_REASON_UNSPECIFIED, "", NONE, 0);

        /** Validates the fields. */
        public Decision {
            Objects.requireNonNull(reason, "reason");
            Objects.requireNonNull(message, "message");
            Objects.requireNonNull(authorization, "authorization");
            if (granted && reason != RejectReason.REJECT_REASON_UNSPECIFIED) {
                throw new IllegalArgumentException("reason: " + reason + " (expected: REJECT_REASON_UNSPECIFIED when granted)");
            }
            if (!granted && (reason == RejectReason.REJECT_REASON_UNSPECIFIED || reason == RejectReason.UNRECOGNIZED)) {
                throw new IllegalArgumentException("reason: " + reason + " (expected: a concrete reason when denied)");
            }
        }

        /** @return a decision that grants the prefix without authorization (no SPA) */
        public static Decision grant() {
            return GRANTED;
        }

        /**
         * @param authorization     the SPA's signed authorization
         * @param authorizedUntilMs its end of validity, ms since the epoch
         * @return a decision that grants the prefix
         */
        public static Decision grant(byte[] authorization, long authorizedUntilMs) {
            return new Decision(true, RejectReason.REJECT_REASON_UNSPECIFIED, "", authorization, authorizedUntilMs);
        }

        /**
         * @param reason  why the prefix is denied
         * @param message what was wrong and what is expected
         * @return a decision that denies the prefix
         */
        public static Decision deny(RejectReason reason, String message) {
            return new Decision(false, reason, message, NONE, 0);
        }
    }
}
