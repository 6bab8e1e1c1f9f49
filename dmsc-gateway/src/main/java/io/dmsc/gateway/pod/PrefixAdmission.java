package io.dmsc.gateway.pod;

import io.dmsc.wire.ServicePrefix;
import io.dmsc.wire.proto.attach.v1.RejectReason;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * Asynchronous authorization of an announced prefix: may this pod, proving itself with this
 * credential, serve this prefix? Asked for every announcement that passed the name, namespace,
 * endpoint and limit checks. The Service Prefix Authentication (SPA) client plugs in here and
 * answers {@link RejectReason#SPA_DENIED} or {@link RejectReason#SPA_UNREACHABLE}.
 *
 * <p>Implementations must be thread-safe and must not block: {@link #admit} is called on the
 * SG's data-plane event loop. The returned future may complete on any thread. A future that
 * completes exceptionally counts as {@link RejectReason#SPA_UNREACHABLE}. Implementations must
 * never log the credential.
 */
@FunctionalInterface
public interface PrefixAdmission {

    /**
     * Decides whether a pod may serve a prefix.
     *
     * @param podId      the pod id from the pod's Hello
     * @param credential the credential from the pod's Hello (a secret: never log it)
     * @param prefix     the announced prefix, already valid and outside the reserved namespace
     * @return the decision, completed on any thread
     */
    CompletableFuture<Decision> admit(String podId, String credential, ServicePrefix prefix);

    /**
     * An admission that grants every prefix: for a mesh without SPA, and for tests.
     *
     * @return the admission
     */
    static PrefixAdmission allowAll() {
        CompletableFuture<Decision> granted = CompletableFuture.completedFuture(Decision.grant());
        return (podId, credential, prefix) -> granted;
    }

    /**
     * The answer of a {@link PrefixAdmission}.
     *
     * @param granted true if the pod may serve the prefix
     * @param reason  why not ({@link RejectReason#REJECT_REASON_UNSPECIFIED} when granted)
     * @param message what was wrong and what is expected, for the pod (empty when granted)
     */
    record Decision(boolean granted, RejectReason reason, String message) {
        private static final Decision GRANTED = new Decision(true, RejectReason.REJECT_REASON_UNSPECIFIED, "");

        /** Validates the fields. */
        public Decision {
            Objects.requireNonNull(reason, "reason");
            Objects.requireNonNull(message, "message");
            if (granted && reason != RejectReason.REJECT_REASON_UNSPECIFIED) {
                throw new IllegalArgumentException("reason: " + reason + " (expected: REJECT_REASON_UNSPECIFIED when granted)");
            }
            if (!granted && (reason == RejectReason.REJECT_REASON_UNSPECIFIED || reason == RejectReason.UNRECOGNIZED)) {
                throw new IllegalArgumentException("reason: " + reason + " (expected: a concrete reason when denied)");
            }
        }

        /** @return a decision that grants the prefix */
        public static Decision grant() {
            return GRANTED;
        }

        /**
         * @param reason  why the prefix is denied
         * @param message what was wrong and what is expected
         * @return a decision that denies the prefix
         */
        public static Decision deny(RejectReason reason, String message) {
            return new Decision(false, reason, message);
        }
    }
}
