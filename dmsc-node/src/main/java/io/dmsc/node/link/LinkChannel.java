package io.dmsc.node.link;

import io.dmsc.wire.link.LinkMessage;

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
}
