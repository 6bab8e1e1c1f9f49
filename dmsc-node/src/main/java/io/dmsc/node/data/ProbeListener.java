package io.dmsc.node.data;

import io.dmsc.wire.proto.data.v1.Probe;

/** Receives probe replies addressed to this node. Data-plane event loop only. */
public interface ProbeListener {
    /**
     * @param reply  an ECHO_REPLY, TIME_EXCEEDED or UNREACHABLE probe whose origin is this node
     * @param nowNs  when it arrived, {@link System#nanoTime()}
     */
    void onProbeReply(Probe reply, long nowNs);
}
