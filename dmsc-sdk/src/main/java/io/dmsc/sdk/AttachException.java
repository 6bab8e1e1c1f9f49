package io.dmsc.sdk;

/**
 * {@link DmscMesh#connect()} failed: the gateway is unreachable, refused the Hello, or did not
 * answer in time. The message names the gateway and the cause.
 */
public final class AttachException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message what failed, naming the gateway
     * @param cause the underlying failure, or null
     */
    public AttachException(String message, Throwable cause) {
        super(message, cause);
    }
}
