package io.dmsc.wire;

/**
 * Thrown when a text is not a valid service prefix or node id. The message says what was
 * wrong and what is allowed.
 */
public final class InvalidNameException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message what was wrong and what is allowed
     */
    public InvalidNameException(String message) {
        super(message);
    }
}
