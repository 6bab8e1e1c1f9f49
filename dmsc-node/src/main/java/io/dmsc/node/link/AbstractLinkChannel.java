package io.dmsc.node.link;

import java.util.concurrent.atomic.AtomicLong;

/**
 * What every {@link LinkChannel} implementation shares: a process-unique id, the direction and
 * the dialer's attachment. Immutable state; thread-safe.
 */
abstract class AbstractLinkChannel implements LinkChannel {
    private static final AtomicLong IDS = new AtomicLong();

    private final String scheme;
    private final boolean outbound;
    private final Object attachment;
    private final long id = IDS.incrementAndGet();
    /** Written by the transport's thread after each read, read by the conductor. */
    private volatile long lastReceivedNs;
    /** Written by the data plane's thread, read by the conductor. */
    private volatile boolean readPaused;
    private volatile String peerIdentity;

    /**
     * @param scheme     prefix of {@link #toString()}, e.g. "tcp"
     * @param outbound   true if this side dialed
     * @param attachment what the dialer attached, null for inbound links
     */
    AbstractLinkChannel(String scheme, boolean outbound, Object attachment) {
        this.scheme = scheme;
        this.outbound = outbound;
        this.attachment = attachment;
    }

    @Override
    public final boolean isOutbound() {
        return outbound;
    }

    @Override
    public final Object attachment() {
        return attachment;
    }

    @Override
    public final long lastReceivedNs() {
        return lastReceivedNs;
    }

    @Override
    public final boolean isReadPaused() {
        return readPaused;
    }

    /** @param paused whether reading is stopped by back-pressure */
    final void readPaused(boolean paused) {
        readPaused = paused;
    }

    /** @param nowNs when the transport last read from the connection */
    final void received(long nowNs) {
        lastReceivedNs = nowNs;
    }

    @Override
    public final String peerIdentity() {
        return peerIdentity;
    }

    final void peerIdentity(String nodeId) {
        peerIdentity = nodeId;
    }

    @Override
    public final long id() {
        return id;
    }

    @Override
    public String toString() {
        return scheme + (peerIdentity == null ? "" : "+tls") + "#" + id + (outbound ? "->" : "<-") + remoteAddress();
    }
}
