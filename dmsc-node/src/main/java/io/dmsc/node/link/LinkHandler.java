package io.dmsc.node.link;

import io.dmsc.wire.link.LinkMessage;
import io.dmsc.wire.link.MalformedFrameException;
import io.netty.buffer.ByteBuf;

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
     * A data frame arrived (types 16 and up; header already validated).
     *
     * @param channel the connection
     * @param frame   whole frame, length field included; ownership passes to the handler
     */
    default void onData(LinkChannel channel, ByteBuf frame) {
        frame.release();
    }

    /**
     * The connection's outbound buffer crossed a water mark.
     *
     * @param channel  the connection
     * @param writable true if it drained below the low-water mark
     */
    default void onWritabilityChanged(LinkChannel channel, boolean writable) {
    }

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

    /**
     * A TLS handshake failed, or the peer's certificate is not a node of this mesh; the
     * connection is closed. On the connection's event loop.
     *
     * @param remoteAddress the peer's address
     * @param reason        plaintext, expired, not_yet_valid, untrusted, no_certificate, timeout,
     *                      bad_identity or other
     * @param detail        what happened
     */
    default void onTlsFailure(String remoteAddress, String reason, String detail) {
    }
}
