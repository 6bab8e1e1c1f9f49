package io.dmsc.node.link;

import io.dmsc.wire.link.LinkMessage;
import io.dmsc.wire.link.MalformedFrameException;

/**
 * Receives the events of a {@link LinkTransport}. Called on a transport thread (a Netty event
 * loop or the in-memory delivery thread), in order per channel; implementations must not block
 * (the conductor only enqueues).
 */
public interface LinkHandler {
    /**
     * A connection is open (inbound accepted, or outbound dial succeeded).
     *
     * @param channel the connection
     */
    void onOpen(LinkChannel channel);

    /**
     * A message arrived.
     *
     * @param channel the connection
     * @param message the decoded message
     */
    void onMessage(LinkChannel channel, LinkMessage message);

    /**
     * A frame could not be decoded; the transport closes the connection next.
     *
     * @param channel the connection
     * @param error   what was wrong
     */
    void onMalformed(LinkChannel channel, MalformedFrameException error);

    /**
     * The connection closed, for any reason.
     *
     * @param channel the connection
     */
    void onClosed(LinkChannel channel);

    /**
     * A dial failed.
     *
     * @param address    the address dialed
     * @param attachment what the dialer attached
     * @param cause      why
     */
    void onDialFailed(String address, Object attachment, Throwable cause);
}
