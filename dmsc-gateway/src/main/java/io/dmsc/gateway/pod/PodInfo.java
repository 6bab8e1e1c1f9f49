package io.dmsc.gateway.pod;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * What an operator sees of one attached pod. Immutable snapshot.
 *
 * @param podId         the pod id from its Hello
 * @param remoteAddress where the pod's attach stream comes from, or {@code "unknown"}
 * @param attachedSince when the SG welcomed the pod
 * @param provenBy      how the pod proves itself to the SPA: its certificate identity
 *                      ({@code spiffe://MESH/pod/ID}), {@code token} or {@code none}
 * @param announcements the pod's accepted announcements, in the order they were first accepted
 */
public record PodInfo(String podId, String remoteAddress, Instant attachedSince, String provenBy,
                      List<Announcement> announcements) {
    /** Validates the fields and copies the list. */
    public PodInfo {
        Objects.requireNonNull(podId, "podId");
        Objects.requireNonNull(remoteAddress, "remoteAddress");
        Objects.requireNonNull(attachedSince, "attachedSince");
        Objects.requireNonNull(provenBy, "provenBy");
        announcements = List.copyOf(announcements);
    }

    /**
     * One accepted announcement with the verdict of its endpoint's health check.
     *
     * @param endpoint     the announcement
     * @param healthy      true if calls may be routed to the endpoint
     * @param healthDetail the last health check's verdict, e.g. {@code "grpc.health.v1 SERVING"},
     *                     or {@code "not checked yet"}
     * @param calls        calls the SG handed to the endpoint that ended
     * @param errors       of those, the ones that did not end OK
     * @param latencyMs    their smoothed duration (EWMA, 1/8), NaN before the first
     */
    public record Announcement(PodEndpoint endpoint, boolean healthy, String healthDetail, long calls, long errors,
                               double latencyMs) {
        /** Validates the fields. */
        public Announcement {
            Objects.requireNonNull(endpoint, "endpoint");
            Objects.requireNonNull(healthDetail, "healthDetail");
        }
    }
}
