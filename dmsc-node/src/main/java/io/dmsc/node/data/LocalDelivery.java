package io.dmsc.node.data;

import io.netty.buffer.ByteBuf;

/**
 * Where a node hands the streams it is the egress of (the SG's pods). Data-plane event loop only.
 */
public interface LocalDelivery {
    /**
     * A stream whose routed name's longest match is local arrived. The flow already exists:
     * {@code upstream} sends towards the caller, and may be used (for example to CLOSE with an
     * error) before this method returns.
     *
     * @param open     the OPEN frame; ownership passes to this method
     * @param upstream sends towards the caller
     * @return the stream that receives the flow's later frames
     */
    LocalStream accept(ByteBuf open, FlowHandle upstream);
}
