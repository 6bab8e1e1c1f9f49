package io.dmsc.sdk;

import io.dmsc.wire.proto.attach.v1.AnnounceResult;
import io.dmsc.wire.proto.attach.v1.EndpointHealth;
import io.dmsc.wire.proto.attach.v1.WithdrawResult;
import io.grpc.Status;

/**
 * Callback for what happens on a {@link DmscMesh}'s attach stream. Every method has an empty
 * default. Callbacks of one mesh run one at a time, in the order the events happened, on the
 * mesh's callback executor; they should not block.
 */
public interface AttachListener {
    /**
     * The attach state changed.
     *
     * @param state the new state
     * @param cause why: {@link Status#OK} when attached or closed, else the status the stream ended with
     */
    default void onStateChanged(AttachState state, Status cause) {
    }

    /**
     * The gateway answered an announcement, including the re-announcements after a reconnect.
     *
     * @param result the answer
     */
    default void onAnnounceResult(AnnounceResult result) {
    }

    /**
     * The gateway answered a withdrawal.
     *
     * @param result the answer
     */
    default void onWithdrawResult(WithdrawResult result) {
    }

    /**
     * The gateway's health check of one of this pod's endpoints changed its verdict.
     *
     * @param health the new verdict
     */
    default void onEndpointHealth(EndpointHealth health) {
    }

    /**
     * The gateway withdrew an accepted announcement: the prefix authority denied its renewal, or
     * its authorization expired while none could be reached.
     *
     * @param revoked what and why
     */
    default void onPrefixRevoked(io.dmsc.wire.proto.attach.v1.PrefixRevoked revoked) {
    }
}
