package io.dmsc.gateway.pod;

import io.dmsc.wire.ServicePrefix;
import java.util.Objects;

/**
 * One accepted announcement: the pod {@code podId} serves {@code prefix} at {@code endpoint}.
 * Immutable.
 *
 * @param prefix   the announced service prefix
 * @param endpoint the pod's gRPC server, {@code host:port} (normalized)
 * @param podId    the announcing pod
 * @param weight   relative share of calls among the local endpoints of the same prefix, >= 1
 *                 (an announced 0 is stored as 1)
 * @param zone     placement label, empty if none
 * @param version  version label, empty if none
 */
public record PodEndpoint(ServicePrefix prefix, String endpoint, String podId, int weight, String zone,
        String version) {
    /** Validates the fields. */
    public PodEndpoint {
        Objects.requireNonNull(prefix, "prefix");
        Objects.requireNonNull(endpoint, "endpoint");
        Objects.requireNonNull(podId, "podId");
        Objects.requireNonNull(zone, "zone");
        Objects.requireNonNull(version, "version");
        if (weight < 1) {
            throw new IllegalArgumentException("weight: " + weight + " (expected: >= 1)");
        }
    }
}
