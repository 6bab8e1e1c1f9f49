package io.dmsc.node.config;

import io.dmsc.wire.ServicePrefix;

/**
 * A local port of a Service Gateway bound to a target prefix: any gRPC call arriving there is
 * routed to {@code target} (for clients that cannot set the {@code dmsc-target} metadata).
 *
 * @param listen {@code host:port}
 * @param target the prefix calls are sent to
 */
public record UpstreamConfig(String listen, ServicePrefix target) {
}
