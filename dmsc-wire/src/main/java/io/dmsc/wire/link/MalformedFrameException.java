package io.dmsc.wire.link;

/**
 * A link frame that cannot be decoded: bad length, oversize, unknown type, wrong version,
 * truncated or garbage body. The link that sent it is closed.
 */
public final class MalformedFrameException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final String kind;

    /**
     * @param kind    short label for metrics ("oversize", "version", "type", "body", "length")
     * @param message what was wrong and what was expected
     */
    public MalformedFrameException(String kind, String message) {
        super(message, null, false, false);
        this.kind = kind;
    }

    /** @return the short label used as a metric tag */
    public String kind() {
        return kind;
    }
}
