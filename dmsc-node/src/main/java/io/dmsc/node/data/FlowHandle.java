package io.dmsc.node.data;

import io.netty.buffer.ByteBuf;

/**
 * How a {@link LocalStream} sends frames into its flow. Data-plane event loop only.
 */
public interface FlowHandle {
    /**
     * Sends a frame to the other end of the flow; its stream id is rewritten as needed. Sending
     * CLOSE or CANCEL ends the flow.
     *
     * @param frame whole data frame; ownership passes to this method (released if the flow is gone)
     * @return false if the flow is gone
     */
    boolean send(ByteBuf frame);

    /** @return false while the link towards the other end is congested; stop producing until true */
    boolean isWritable();

    /** @return the neighbour the flow leaves through, or "local" */
    String peer();

    /** @return true once the flow ended */
    boolean isClosed();
}
