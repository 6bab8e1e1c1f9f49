package io.dmsc.node.config;

import io.dmsc.wire.NodeIds;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Validated settings of one Service Prefix Authentication entity (signal type 3). Replicas of
 * one mesh share the policy and the signing key; each has its own id and addresses.
 *
 * @param id               SPA id (like a node id), e.g. {@code spa-1}
 * @param listen           gRPC address of the PrefixAuthority service {@code host:port} (port 0: any)
 * @param admin            admin HTTP address, or null for none
 * @param policyFile       the policy YAML (identities, credentials, prefix patterns); hot-reloaded
 * @param signingKeyFile   the Ed25519 signing key written by {@code dmsc spa keygen}; hot-reloaded
 * @param lifetimeS        validity of each authorization granted
 * @param reloadIntervalMs how often the policy and key files are checked for changes
 * @param security         TLS of the gRPC port with the SPA's node certificate ({@code
 *                         spiffe://MESH/node/ID}): SGs that present theirs are known by it, and only
 *                         they may ask with a pod's certificate identity; off for plaintext
 * @param limits           bounds of the admin HTTP and gRPC ports ({@code limits:} of the SPA's entry;
 *                         the other limits do not apply to an SPA)
 */
public record SpaConfig(String id, String listen, String admin, Path policyFile, Path signingKeyFile, int lifetimeS,
                        long reloadIntervalMs, SecurityConfig security, LimitsConfig limits) {
    /** Default validity of an authorization: 10 minutes, renewed by the SG at half-life. */
    public static final int DEFAULT_LIFETIME_S = 600;
    /** Default interval between two checks of the policy and key files. */
    public static final long DEFAULT_RELOAD_INTERVAL_MS = 1000;

    /**
     * One line per address of this SPA bound to the wildcard address (0.0.0.0, ::), as
     * {@link NodeConfig#exposureWarnings()}.
     *
     * @return the warnings, empty if every address names an interface
     */
    public java.util.List<String> exposureWarnings() {
        java.util.List<String> out = new java.util.ArrayList<>();
        if (NodeConfig.isWildcard(listen)) {
            out.add(id + ": listen listens on " + listen + ": every host that reaches this machine can ask it for "
                    + "prefix authorizations (each needs a token or certificate); bind it to the fabric network's address");
        }
        if (NodeConfig.isWildcard(admin)) {
            out.add(id + ": admin listens on " + admin + ": every host that reaches this machine can read its status; "
                    + "bind it to loopback or a management network");
        }
        return out;
    }

    /** Validates the fields. */
    public SpaConfig {
        NodeIds.check(id);
        Objects.requireNonNull(listen, "listen");
        Objects.requireNonNull(policyFile, "policyFile");
        Objects.requireNonNull(signingKeyFile, "signingKeyFile");
        if (lifetimeS < 2 || lifetimeS > 7 * 86_400) {
            throw new IllegalArgumentException("lifetimeS: " + lifetimeS + " (expected: 2..604800)");
        }
        if (reloadIntervalMs < 10) {
            throw new IllegalArgumentException("reloadIntervalMs: " + reloadIntervalMs + " (expected: >= 10)");
        }
        Objects.requireNonNull(security, "security");
        Objects.requireNonNull(limits, "limits");
    }

    /** Plaintext settings. */
    public SpaConfig(String id, String listen, String admin, Path policyFile, Path signingKeyFile, int lifetimeS,
                     long reloadIntervalMs) {
        this(id, listen, admin, policyFile, signingKeyFile, lifetimeS, reloadIntervalMs, SecurityConfig.OFF,
                LimitsConfig.DEFAULT);
    }

    /**
     * @param value transport security
     * @return a copy with other security
     */
    public SpaConfig withSecurity(SecurityConfig value) {
        return new SpaConfig(id, listen, admin, policyFile, signingKeyFile, lifetimeS, reloadIntervalMs, value, limits);
    }

    /**
     * @param address gRPC address
     * @return a copy listening elsewhere
     */
    public SpaConfig withListen(String address) {
        return new SpaConfig(id, address, admin, policyFile, signingKeyFile, lifetimeS, reloadIntervalMs, security, limits);
    }

    /**
     * @param address admin address or null
     * @return a copy with another admin address
     */
    public SpaConfig withAdmin(String address) {
        return new SpaConfig(id, listen, address, policyFile, signingKeyFile, lifetimeS, reloadIntervalMs, security,
                limits);
    }

    /**
     * @param value bounds of the admin HTTP and gRPC ports
     * @return a copy with other bounds
     */
    public SpaConfig withLimits(LimitsConfig value) {
        return new SpaConfig(id, listen, admin, policyFile, signingKeyFile, lifetimeS, reloadIntervalMs, security,
                value);
    }
}
