package io.dmsc.node;

import io.dmsc.node.config.NodeConfig;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * A component that runs inside a node on top of its runtime, such as the Service Gateway's
 * pod-facing side. Started after the node's links, conductor and data plane, closed before them.
 */
public interface NodeExtension extends AutoCloseable {
    /**
     * Starts the extension.
     *
     * @param node the running node
     */
    void start(DmscNode node);

    /**
     * @return sections added to the node's {@code /status} JSON (e.g. "pods", "upstreams")
     */
    default CompletableFuture<Map<String, Object>> status() {
        return CompletableFuture.completedFuture(Map.of());
    }

    /** Stops the extension and frees what it holds. */
    @Override
    void close();

    /** Creates the extensions of a node from its settings. */
    @FunctionalInterface
    interface Factory {
        /** No extensions: a plain link-state router. */
        Factory NONE = config -> List.of();

        /**
         * @param config the node's settings
         * @return its extensions, in start order
         */
        List<NodeExtension> create(NodeConfig config);
    }
}
