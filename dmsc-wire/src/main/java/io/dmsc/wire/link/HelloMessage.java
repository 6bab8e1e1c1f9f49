package io.dmsc.wire.link;

import io.dmsc.wire.NodeIds;

/**
 * Hello sent on every link every hello interval.
 *
 * @param protocolVersion link protocol version of the sender
 * @param nodeId          the sender
 * @param holdTimeMs      how long the receiver keeps the adjacency without another hello
 * @param heardNodeId     the node id the sender heard on this link, empty if none yet
 * @param role            SG or SR
 */
public record HelloMessage(int protocolVersion, String nodeId, int holdTimeMs, String heardNodeId, NodeRole role)
        implements LinkMessage {
    /** Validates the fields. */
    public HelloMessage {
        NodeIds.check(nodeId);
        if (!heardNodeId.isEmpty()) {
            NodeIds.check(heardNodeId);
        }
        if (holdTimeMs < 1) {
            throw new IllegalArgumentException("holdTimeMs: " + holdTimeMs + " (expected: > 0)");
        }
        if (role == null) {
            throw new IllegalArgumentException("role: null (expected: sg or sr)");
        }
    }
}
