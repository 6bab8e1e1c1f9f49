package io.dmsc.node;

import io.dmsc.node.config.NodeConfig;

/**
 * Creates the Scheduling Center that runs on a node of role SCSC. Found with
 * {@link java.util.ServiceLoader}: the {@code dmsc-scsc} module provides it, so the node runtime
 * does not depend on it.
 */
public interface SchedulerLauncher {
    /** The Scheduling Center as a node extension. */
    interface Scheduler extends NodeExtension {
        /** @return the bound gRPC address nodes report to, {@code host:port} (after start) */
        String address();
    }

    /**
     * @param config the SCSC node's settings ({@link NodeConfig#scheduler()} set)
     * @return the Scheduling Center, not started
     */
    Scheduler create(NodeConfig config);
}
