package io.dmsc.node.config;

import io.dmsc.node.admin.AdminHttpSettings;
import io.dmsc.routing.LsdbLimits;

/**
 * Bounds on the state outsiders can make a node hold (the {@code limits:} block of a node, or of
 * a topology for every node). Each limit refuses with a reason to whoever hit it, counts a
 * metric and logs once per cause and interval; docs/OPERATIONS.md lists them.
 *
 * @param maxLsdbOrigins        origins the LSDB holds at once; LSPs of more are refused
 * @param maxLsdbOriginBytes    bytes of one origin's fragments; beyond, its LSPs are refused
 * @param maxLsdbBytes          bytes of the whole LSDB
 * @param maxFlows              flow entries (calls through this node) at once; more OPENs are
 *                              answered RESOURCE_EXHAUSTED
 * @param maxPods               pods attached to an SG at once; more get RESOURCE_EXHAUSTED
 * @param maxAnnouncementsPerPod announcements one pod holds or has awaiting authorization
 * @param maxPendingAdmissions  announcements awaiting the SPA at one SG, over all its pods
 * @param podPrefixSharePercent the share of an SG's LSP room one pod's prefixes may take
 * @param maxPolicies           forwarding policies a node holds; more are refused, the SCSC told why
 * @param adminHttp             bounds of the admin HTTP port (the {@code admin*} keys)
 * @param maxGrpcConnections    connections open at once on the gRPC port of an SPA or of the SCSC's
 *                              scheduler; more are closed at once
 * @param grpcHandshakeTimeoutMs time a connection to that port has for its TLS handshake and HTTP/2
 *                              preface before it is closed
 */
public record LimitsConfig(int maxLsdbOrigins, long maxLsdbOriginBytes, long maxLsdbBytes, int maxFlows,
                           int maxPods, int maxAnnouncementsPerPod, int maxPendingAdmissions,
                           int podPrefixSharePercent, int maxPolicies, AdminHttpSettings adminHttp,
                           int maxGrpcConnections, long grpcHandshakeTimeoutMs) {
    /** Keys an SPA's {@code limits} takes: its admin HTTP port's bounds and its gRPC port's. */
    public static final String[] SPA_KEYS = {"adminRequestTimeoutMs", "adminIdleTimeoutMs",
        "maxAdminRequestLineBytes", "maxAdminHeaderBytes", "maxAdminBodyBytes", "maxAdminConnections",
        "maxGrpcConnections", "grpcHandshakeTimeoutMs"};
    /** Default connections on an SPA's or the scheduler's gRPC port. */
    public static final int DEFAULT_MAX_GRPC_CONNECTIONS = 10_000;
    /** Default handshake timeout of an SPA's or the scheduler's gRPC port. */
    public static final long DEFAULT_GRPC_HANDSHAKE_TIMEOUT_MS = 10_000;
    /** Keys of a {@code limits} mapping. */
    public static final String[] KEYS = {"maxLsdbOrigins", "maxLsdbOriginBytes", "maxLsdbBytes", "maxFlows",
        "maxPods", "maxAnnouncementsPerPod", "maxPendingAdmissions", "podPrefixSharePercent", "maxPolicies",
        "adminRequestTimeoutMs", "adminIdleTimeoutMs", "maxAdminRequestLineBytes", "maxAdminHeaderBytes",
        "maxAdminBodyBytes", "maxAdminConnections", "maxGrpcConnections", "grpcHandshakeTimeoutMs"};
    /** Default forwarding policies per node. */
    public static final int DEFAULT_MAX_POLICIES = 10_000;
    /** Default flow entries. */
    public static final int DEFAULT_MAX_FLOWS = 100_000;
    /** Default pods per SG. */
    public static final int DEFAULT_MAX_PODS = 4096;
    /** Default announcements per pod. */
    public static final int DEFAULT_MAX_ANNOUNCEMENTS_PER_POD = 1024;
    /** Default announcements awaiting authorization per SG. */
    public static final int DEFAULT_MAX_PENDING_ADMISSIONS = 4096;
    /** Default share of the LSP room per pod. */
    public static final int DEFAULT_POD_PREFIX_SHARE_PERCENT = 25;
    /** The defaults. */
    public static final LimitsConfig DEFAULT = new LimitsConfig(LsdbLimits.DEFAULT_MAX_ORIGINS,
            LsdbLimits.DEFAULT_MAX_ORIGIN_BYTES, LsdbLimits.DEFAULT_MAX_TOTAL_BYTES, DEFAULT_MAX_FLOWS,
            DEFAULT_MAX_PODS, DEFAULT_MAX_ANNOUNCEMENTS_PER_POD, DEFAULT_MAX_PENDING_ADMISSIONS,
            DEFAULT_POD_PREFIX_SHARE_PERCENT, DEFAULT_MAX_POLICIES, AdminHttpSettings.DEFAULTS,
            DEFAULT_MAX_GRPC_CONNECTIONS, DEFAULT_GRPC_HANDSHAKE_TIMEOUT_MS);

    /** Validates. */
    public LimitsConfig {
        lsdb(maxLsdbOrigins, maxLsdbOriginBytes, maxLsdbBytes);
        if (maxFlows < 1 || maxPods < 1 || maxAnnouncementsPerPod < 1 || maxPendingAdmissions < 1
                || maxPolicies < 1) {
            throw new IllegalArgumentException("maxFlows " + maxFlows + ", maxPods " + maxPods
                    + ", maxAnnouncementsPerPod " + maxAnnouncementsPerPod + ", maxPendingAdmissions "
                    + maxPendingAdmissions + ", maxPolicies " + maxPolicies + " (expected: each > 0)");
        }
        java.util.Objects.requireNonNull(adminHttp, "adminHttp");
        if (maxGrpcConnections < 1 || grpcHandshakeTimeoutMs < 1) {
            throw new IllegalArgumentException("maxGrpcConnections " + maxGrpcConnections + ", grpcHandshakeTimeoutMs "
                    + grpcHandshakeTimeoutMs + " (expected: each > 0)");
        }
        if (podPrefixSharePercent < 1 || podPrefixSharePercent > 100) {
            throw new IllegalArgumentException("podPrefixSharePercent: " + podPrefixSharePercent
                    + " (expected: 1 to 100)");
        }
    }

    private static LsdbLimits lsdb(int origins, long originBytes, long bytes) {
        return new LsdbLimits(origins, originBytes, bytes);
    }

    /**
     * @param value bounds of the admin HTTP port
     * @return a copy with other admin bounds
     */
    public LimitsConfig withAdminHttp(AdminHttpSettings value) {
        return new LimitsConfig(maxLsdbOrigins, maxLsdbOriginBytes, maxLsdbBytes, maxFlows, maxPods,
                maxAnnouncementsPerPod, maxPendingAdmissions, podPrefixSharePercent, maxPolicies, value,
                maxGrpcConnections, grpcHandshakeTimeoutMs);
    }

    /** @return the LSDB's bounds */
    public LsdbLimits lsdb() {
        return lsdb(maxLsdbOrigins, maxLsdbOriginBytes, maxLsdbBytes);
    }
}
