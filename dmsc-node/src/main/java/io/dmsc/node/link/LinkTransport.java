package io.dmsc.node.link;

/**
 * Carries link frames between nodes. Two implementations share one contract test: TCP (Netty,
 * real sockets) and in-memory (for large simulated meshes); both run every frame through the
 * same codec.
 */
public interface LinkTransport extends AutoCloseable {
    /**
     * Starts accepting connections.
     *
     * @param address {@code host:port} (port 0 picks a free port) or, in memory, any unique name
     * @param handler receives events of accepted connections
     * @return the address actually bound
     * @throws LinkException if the address cannot be bound
     */
    String listen(String address, LinkHandler handler);

    /**
     * Dials a neighbour asynchronously; the handler gets {@code onOpen} or {@code onDialFailed}.
     *
     * @param address    where to dial
     * @param attachment returned by {@link LinkChannel#attachment()}
     * @param handler    receives events of this connection
     */
    void dial(String address, Object attachment, LinkHandler handler);

    /** Stops listening and closes every connection. */
    @Override
    void close();
}
