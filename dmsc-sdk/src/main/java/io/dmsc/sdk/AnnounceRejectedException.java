package io.dmsc.sdk;

import io.dmsc.wire.proto.attach.v1.AnnounceResult;
import io.dmsc.wire.proto.attach.v1.RejectReason;

/**
 * The Service Gateway rejected an announcement; {@link #reason()} says why and the message says
 * what was wrong and what is expected. Fails the future returned by {@link DmscMesh#serve} or
 * {@link DmscMesh#announce}.
 */
public final class AnnounceRejectedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final transient AnnounceResult result;

    /**
     * Creates the exception from the gateway's answer.
     *
     * @param result a rejected {@link AnnounceResult}
     */
    public AnnounceRejectedException(AnnounceResult result) {
        super("gateway rejected " + result.getPrefix() + " at " + result.getEndpoint() + ": "
                + result.getReason() + (result.getMessage().isEmpty() ? "" : ": " + result.getMessage()));
        this.result = result;
    }

    /**
     * Returns why the gateway rejected the announcement.
     *
     * @return the reason
     */
    public RejectReason reason() {
        return result.getReason();
    }

    /**
     * Returns the gateway's explanation.
     *
     * @return the message of the {@link AnnounceResult}, maybe empty
     */
    public String gatewayMessage() {
        return result.getMessage();
    }

    /**
     * Returns the gateway's whole answer.
     *
     * @return the answer
     */
    public AnnounceResult result() {
        return result;
    }
}
