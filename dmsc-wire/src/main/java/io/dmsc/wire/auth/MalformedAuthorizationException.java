package io.dmsc.wire.auth;

/** A prefix authorization whose bytes do not follow the layout; the message says what is wrong. */
public final class MalformedAuthorizationException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    /** @param message what is wrong and what is expected */
    public MalformedAuthorizationException(String message) {
        super("malformed prefix authorization: " + message);
    }
}
