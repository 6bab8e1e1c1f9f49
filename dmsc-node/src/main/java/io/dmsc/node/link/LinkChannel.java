package io.dmsc.node.link;

import io.dmsc.wire.link.LinkMessage;
import io.netty.buffer.ByteBuf;

/**
 * One connection to a neighbour, as seen by the conductor. Implementations are thread-safe:
 * {@link #send} may be called from the conductor thread and hands the write to the
 * transport's own thread.
 */
public interface LinkChannel {
    /**
     * Queues a message. When the connection is not writable (its outbound buffer is above the
     * high-water mark), the message is dropped and false is returned: link-state flooding
     * retransmits, so nothing grows without bound.
     *
     * @param message the message
     * @return true if queued, false if dropped
     */
    boolean send(LinkMessage message);

    /**
     * Queues a data frame (whole frame, length field included). Unlike {@link #send}, data frames
     * are not dropped when the link is congested: the data plane watches {@link #isWritable()}
     * and stops reading its sources instead, and end-to-end credit bounds each stream.
     *
     * @param frame the frame; ownership passes to this method (released if the link is closed)
     * @return false if the link is closed
     */
    boolean sendData(ByteBuf frame);

    /** @return true while the outbound buffer is below its high-water mark */
    boolean isWritable();

    /**
     * Impairs the frames sent on this connection from now on (tests, drills, the demo), or
     * clears the impairment: frames still held then leave at once, in order. Applied on the
     * transport's thread shortly after the call; a link that was never impaired pays nothing.
     *
     * @param impairment what to apply; null or {@link LinkImpairment#isNone()} clears
     * @param drops      told of every frame the impairment drops, on the transport's thread
     * @throws UnsupportedOperationException if this transport cannot impair links
     */
    default void impair(LinkImpairment impairment, ImpairmentShaper.DropListener drops) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " cannot impair links "
                + "(expected: a TCP link, or an in-memory link of a transport built with an event loop)");
    }

    /** @return true while reading is stopped by {@link #setReadable(boolean)} */
    boolean isReadPaused();

    /**
     * Stops or resumes reading from the connection (per-link back-pressure).
     *
     * @param readable false to stop reading
     */
    void setReadable(boolean readable);

    /**
     * @return {@link System#nanoTime()} of the last read from the connection (any frame, data
     *         frames included), 0 if none: proof the neighbour is alive when its hellos queue
     *         behind data
     */
    long lastReceivedNs();

    /** Closes the connection; the handler's {@code onClosed} follows. */
    void close();

    /** @return true if this side dialed the connection */
    boolean isOutbound();

    /** @return the remote address, for logs and status */
    String remoteAddress();

    /** @return what the dialer attached (the configured neighbour), null for inbound links */
    Object attachment();

    /** @return a process-unique id, for logs */
    long id();

    /**
     * The node id the peer proved with its TLS certificate, or null on a link without TLS. A
     * hello on a TLS link must claim exactly this id.
     *
     * @return the proven node id, or null
     */
    default String peerIdentity() {
        return null;
    }
}
