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
    public final long id() {
        return id;
    }

    @Override
    public String toString() {
        return scheme + "#" + id + (outbound ? "->" : "<-") + remoteAddress();
    }
}
