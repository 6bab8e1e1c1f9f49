package io.dmsc.node.link;

/** A link could not be set up (address in use, unresolvable host). */
public final class LinkException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /**
     * @param message what failed and what was expected
     * @param cause   the underlying error, may be null
     */
    public LinkException(String message, Throwable cause) {
        super(message, cause);
    }
}
