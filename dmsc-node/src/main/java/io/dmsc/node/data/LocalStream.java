package io.dmsc.node.data;

import io.netty.buffer.ByteBuf;

/**
 * An end of a flow that lives in this node: a gateway's ingress call (the caller side) or
 * egress call (the pod side). Called on the data-plane event loop only.
 */
public interface LocalStream {
    /**
     * A frame from the other end of the flow. After a CLOSE or CANCEL frame the flow is gone and
     * nothing more arrives.
     *
     * @param frame whole data frame; ownership passes to this method
     */
    void onFrame(ByteBuf frame);
}
