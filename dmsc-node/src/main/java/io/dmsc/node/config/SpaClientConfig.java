package io.dmsc.node.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * How a Service Gateway reaches its Service Prefix Authentication entities (signal type 3).
 *
 * @param servers   the SPAs in order of preference (its own first, then fail-over), at least one
 * @param tokenFile the SG's own token, for its static prefixes (identity {@code kind: node}); null
 *                  when the SG has no static prefixes to authorize
 * @param timeoutMs how long one SPA is given to answer before the next is asked
 */
public record SpaClientConfig(List<Server> servers, Path tokenFile, long timeoutMs) {
    /** Default time one SPA is given to answer. */
    public static final long DEFAULT_TIMEOUT_MS = 2000;

    /**
     * One SPA.
     *
     * @param id      its id when named by id in a topology file (resolved to its address by
     *                {@link io.dmsc.node.Mesh}), else null
     * @param address its gRPC address {@code host:port}
     */
    public record Server(String id, String address) {
        /** Validates the address. */
        public Server {
            Objects.requireNonNull(address, "address");
        }

        @Override
        public String toString() {
            return id == null ? address : id + "@" + address;
        }
    }

    /** Validates and copies. */
    public SpaClientConfig {
        servers = List.copyOf(servers);
        if (servers.isEmpty()) {
            throw new IllegalArgumentException("servers: empty (expected: at least one SPA)");
        }
        if (timeoutMs < 10 || timeoutMs > 60_000) {
            throw new IllegalArgumentException("timeoutMs: " + timeoutMs + " (expected: 10..60000)");
        }
    }

    /**
     * @param value servers
     * @return a copy with other servers (resolved addresses)
     */
    public SpaClientConfig withServers(List<Server> value) {
        return new SpaClientConfig(value, tokenFile, timeoutMs);
    }
}
