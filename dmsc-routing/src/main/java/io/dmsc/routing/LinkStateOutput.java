package io.dmsc.routing;

import io.dmsc.wire.link.LinkMessage;

/**
 * Where a {@link LinkStateProtocol} sends its effects. Called on the protocol's owner thread;
 * implementations must not block.
 */
public interface LinkStateOutput {
    /**
     * Sends a message to an adjacent node.
     *
     * @param neighborId the neighbour
     * @param message    the message
     */
    void send(String neighborId, LinkMessage message);

    /**
     * The routes changed and a new FIB snapshot is ready to publish.
     *
     * @param fib the new snapshot
     */
    default void routesChanged(Fib fib) {
    }

    /**
     * A route calculation ran.
     *
     * @param full       true for a full SPF, false for a prefix-only partial calculation
     * @param durationNs how long it took (by the protocol's duration clock)
     * @param nodes      nodes in the graph
     */
    default void calculationRan(boolean full, long durationNs, int nodes) {
    }
}
