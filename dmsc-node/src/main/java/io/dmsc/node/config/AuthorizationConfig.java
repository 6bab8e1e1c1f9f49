package io.dmsc.node.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * How a node treats prefix authorizations (signal type 3).
 *
 * @param mode         {@link Mode#REQUIRED}: a prefix enters the RIB only with a valid, unexpired
 *                     authorization signed by a trust anchor and bound to the LSP's origin;
 *                     {@link Mode#OPEN}: every prefix installs (a mesh without SPA)
 * @param trustAnchors SPA public key files (PEM); several at once during a key rotation
 */
public record AuthorizationConfig(Mode mode, List<Path> trustAnchors) {
    /** The two modes. */
    public enum Mode {
        /** Authorizations are checked. */
        REQUIRED,
        /** Authorizations are ignored; said loudly at start and in {@code /status}. */
        OPEN;

        /** @return the name as written in config */
        public String code() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** No SPA: everything installs. */
    public static final AuthorizationConfig OPEN = new AuthorizationConfig(Mode.OPEN, List.of());

    /** Validates and copies. */
    public AuthorizationConfig {
        Objects.requireNonNull(mode, "mode");
        trustAnchors = List.copyOf(trustAnchors);
        if (mode == Mode.REQUIRED && trustAnchors.isEmpty()) {
            throw new IllegalArgumentException("trustAnchors: empty with mode required (expected: at least one SPA "
                    + "public key file, or mode open)");
        }
    }
}
