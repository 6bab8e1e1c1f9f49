package io.dmsc.node.config;

import io.dmsc.node.security.Credentials;
import io.dmsc.node.security.LinkTls;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Transport security of a node's fabric links.
 *
 * @param mode        off (plaintext), files (certificates made by {@code dmsc ca}) or auto (an
 *                    ephemeral mesh CA made for one {@code dmsc up} run)
 * @param caFile      the trusted CA certificates (files mode), else null
 * @param certFile    this node's certificate chain (files mode), else null
 * @param keyFile     this node's private key (files mode), else null
 * @param credentials the loaded or issued material; null when off, or auto before the mesh issued it
 */
public record SecurityConfig(Mode mode, Path caFile, Path certFile, Path keyFile, Credentials credentials) {
    /** How links are secured. */
    public enum Mode {
        /** Plaintext links (development only). */
        OFF,
        /** Mutual TLS with files made by {@code dmsc ca}. */
        FILES,
        /** Mutual TLS with an in-memory CA made for this run by {@code dmsc up}. */
        AUTO
    }

    /** Plaintext. */
    public static final SecurityConfig OFF = new SecurityConfig(Mode.OFF, null, null, null, null);
    /** An ephemeral CA for this run. */
    public static final SecurityConfig AUTO = new SecurityConfig(Mode.AUTO, null, null, null, null);

    /** Validates the fields. */
    public SecurityConfig {
        Objects.requireNonNull(mode, "mode");
        if (mode == Mode.FILES && credentials == null) {
            throw new IllegalArgumentException("files mode without credentials (expected: ca, cert and key loaded)");
        }
    }

    /**
     * @param c credentials issued for this node
     * @return a copy holding them
     */
    public SecurityConfig withCredentials(Credentials c) {
        return new SecurityConfig(mode, caFile, certFile, keyFile, c);
    }

    /**
     * @param nodeId the node these settings are for
     * @return its link TLS, or null when off
     * @throws IllegalStateException if auto and no credentials were issued (outside {@code dmsc up})
     */
    public LinkTls linkTls(String nodeId) {
        if (mode == Mode.OFF) {
            return null;
        }
        if (credentials == null) {
            throw new IllegalStateException(nodeId + ": security: auto needs the whole mesh in one process (dmsc up); "
                    + "for one process per node make certificates with 'dmsc ca init' and 'dmsc ca issue' and set "
                    + "security: {ca, certDir}");
        }
        return new LinkTls(credentials);
    }
}
