package io.dmsc.node;

import io.dmsc.node.config.SpaConfig;

/**
 * Starts a Service Prefix Authentication entity for a topology run in one JVM ({@link Mesh},
 * {@code dmsc up}). Found with {@link java.util.ServiceLoader}: the {@code dmsc-spa} module
 * provides it, so the node runtime does not depend on the SPA.
 */
public interface SpaLauncher {
    /** A running SPA. */
    interface Running extends AutoCloseable {
        /** @return the bound gRPC address {@code host:port} */
        String address();

        /** @return the bound admin address, or null */
        String adminAddress();

        /** Stops it. */
        @Override
        void close();
    }

    /**
     * Starts one SPA.
     *
     * @param config its settings (port 0 allowed)
     * @return the running SPA
     * @throws RuntimeException saying what is wrong (a policy or key that cannot be read, a port in use)
     */
    Running start(SpaConfig config);
}
