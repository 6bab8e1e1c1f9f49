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
 * @param authorization     the SPA's signed authorization of the prefix for this pod, empty in a
 *                          mesh without SPA (never modified: shared, not copied)
 * @param authorizedUntilMs end of the authorization's validity, ms since the epoch; 0 without SPA
 */
public record PodEndpoint(ServicePrefix prefix, String endpoint, String podId, int weight, String zone,
        String version, byte[] authorization, long authorizedUntilMs) {
    private static final byte[] NONE = new byte[0];

    /** An endpoint without authorization (a mesh without SPA). */
    public PodEndpoint(ServicePrefix prefix, String endpoint, String podId, int weight, String zone, String version) {
        this(prefix, endpoint, podId, weight, zone, version, NONE, 0);
    }

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
        Objects.requireNonNull(authorization, "authorization");
    }

    /**
     * @param value    the signed authorization
     * @param untilMs  its end of validity, ms since the epoch
     * @return a copy carrying it
     */
    public PodEndpoint withAuthorization(byte[] value, long untilMs) {
        return new PodEndpoint(prefix, endpoint, podId, weight, zone, version, value, untilMs);
    }
}
