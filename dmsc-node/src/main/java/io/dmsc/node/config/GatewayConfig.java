package io.dmsc.node.config;

import java.util.List;
import java.util.Objects;

/**
 * Settings of a Service Gateway's pod-facing side.
 *
 * @param pod                   pod-facing gRPC address (attach API, ingress, diagnostics); port 0 for any
 * @param upstreams             local ports bound to a target prefix
 * @param healthCheckIntervalMs period of the grpc.health.v1 checks of pod endpoints
 * @param streamWindowBytes     end-to-end credit of each stream, bytes
 * @param maxMessageBytes       largest gRPC message carried, bytes
 * @param retryPolicies         per-prefix retry policies, longest prefix first
 * @param retryBudget           bounds the retries of policies
 * @param maxTransparentRetries attempts after the first for calls that failed before a pod got them
 * @param maxCallsInFlight      ingress calls admitted at once; more get RESOURCE_EXHAUSTED at once
 * @param spa                   the SPAs that authorize announced and static prefixes, or null for
 *                              none (every announcement accepted, prefixes advertised unsigned)
 */
public record GatewayConfig(String pod, List<UpstreamConfig> upstreams, long healthCheckIntervalMs,
                            int streamWindowBytes, int maxMessageBytes, List<RetryPolicyConfig> retryPolicies,
                            RetryBudgetConfig retryBudget, int maxTransparentRetries, int maxCallsInFlight,
                            SpaClientConfig spa, PodTls podTls, long qosProbeIntervalMs) {
    /** Transport security of the pod-facing port. */
    public enum PodTls {
        /** TLS when the node has certificate files ({@code security: {ca, ...}}), else plaintext. */
        DEFAULT,
        /** Plaintext: only on a loopback address when the node has certificates. */
        PLAINTEXT,
        /** TLS with the SG's node certificate; pods may present a pod certificate, or a token. */
        TLS,
        /** TLS, and every pod must present a pod certificate of the mesh CA. */
        MUTUAL
    }

    /** Default limit of ingress calls in flight. */
    public static final int DEFAULT_MAX_CALLS_IN_FLIGHT = 20_000;
    /** Default end-to-end stream window. */
    public static final int DEFAULT_STREAM_WINDOW = 256 * 1024;
    /** Default period of the path probes. */
    public static final long DEFAULT_QOS_PROBE_INTERVAL_MS = 1000;
    /** Default largest message. */
    public static final int DEFAULT_MAX_MESSAGE = 16 * 1024 * 1024;

    /** Validates and copies. */
    public GatewayConfig {
        upstreams = List.copyOf(upstreams);
        Objects.requireNonNull(podTls, "podTls");
        if (qosProbeIntervalMs != 0 && qosProbeIntervalMs < 100) {
            throw new IllegalArgumentException("qos.probeIntervalMs: " + qosProbeIntervalMs
                    + " (expected: 0 for off, or >= 100)");
        }
        retryPolicies = retryPolicies.stream()
                .sorted((a, b) -> Integer.compare(b.prefix().size(), a.prefix().size())).toList();
        if (healthCheckIntervalMs < 10) {
            throw new IllegalArgumentException("healthCheckIntervalMs: " + healthCheckIntervalMs + " (expected: >= 10)");
        }
        if (streamWindowBytes < 16 * 1024) {
            throw new IllegalArgumentException("streamWindowBytes: " + streamWindowBytes + " (expected: >= 16384)");
        }
        if (maxMessageBytes < 1024) {
            throw new IllegalArgumentException("maxMessageBytes: " + maxMessageBytes + " (expected: >= 1024)");
        }
        if (maxCallsInFlight < 1) {
            throw new IllegalArgumentException("maxCallsInFlight: " + maxCallsInFlight + " (expected: > 0)");
        }
        if (maxTransparentRetries < 0) {
            throw new IllegalArgumentException("maxTransparentRetries: " + maxTransparentRetries + " (expected: >= 0)");
        }
    }

    /**
     * @param pod pod-facing address
     * @return defaults everywhere else
     */
    public static GatewayConfig of(String pod) {
        return new GatewayConfig(pod, List.of(), 2000, DEFAULT_STREAM_WINDOW, DEFAULT_MAX_MESSAGE, List.of(),
                RetryBudgetConfig.DEFAULT, 3, DEFAULT_MAX_CALLS_IN_FLIGHT, null, PodTls.DEFAULT,
                DEFAULT_QOS_PROBE_INTERVAL_MS);
    }

    /**
     * @param address pod-facing address
     * @return a copy listening elsewhere
     */
    public GatewayConfig withPod(String address) {
        return new GatewayConfig(address, upstreams, healthCheckIntervalMs, streamWindowBytes, maxMessageBytes,
                retryPolicies, retryBudget, maxTransparentRetries, maxCallsInFlight, spa, podTls, qosProbeIntervalMs);
    }

    /**
     * @param value upstream ports
     * @return a copy with other upstreams
     */
    public GatewayConfig withUpstreams(List<UpstreamConfig> value) {
        return new GatewayConfig(pod, value, healthCheckIntervalMs, streamWindowBytes, maxMessageBytes,
                retryPolicies, retryBudget, maxTransparentRetries, maxCallsInFlight, spa, podTls, qosProbeIntervalMs);
    }

    /**
     * @param value retry policies
     * @return a copy with other policies
     */
    public GatewayConfig withRetryPolicies(List<RetryPolicyConfig> value) {
        return new GatewayConfig(pod, upstreams, healthCheckIntervalMs, streamWindowBytes, maxMessageBytes,
                value, retryBudget, maxTransparentRetries, maxCallsInFlight, spa, podTls, qosProbeIntervalMs);
    }

    /**
     * @param intervalMs health check period
     * @return a copy with another period
     */
    public GatewayConfig withHealthCheckIntervalMs(long intervalMs) {
        return new GatewayConfig(pod, upstreams, intervalMs, streamWindowBytes, maxMessageBytes,
                retryPolicies, retryBudget, maxTransparentRetries, maxCallsInFlight, spa, podTls, qosProbeIntervalMs);
    }

    /**
     * @param intervalMs period of the path probes, 0 for none
     * @return a copy with another period
     */
    public GatewayConfig withQosProbeIntervalMs(long intervalMs) {
        return new GatewayConfig(pod, upstreams, healthCheckIntervalMs, streamWindowBytes, maxMessageBytes,
                retryPolicies, retryBudget, maxTransparentRetries, maxCallsInFlight, spa, podTls, intervalMs);
    }

    /**
     * @param value pod-facing transport security
     * @return a copy with another setting
     */
    public GatewayConfig withPodTls(PodTls value) {
        return new GatewayConfig(pod, upstreams, healthCheckIntervalMs, streamWindowBytes, maxMessageBytes,
                retryPolicies, retryBudget, maxTransparentRetries, maxCallsInFlight, spa, value, qosProbeIntervalMs);
    }

    /**
     * @param value SPA client settings, or null
     * @return a copy with other SPA settings
     */
    public GatewayConfig withSpa(SpaClientConfig value) {
        return new GatewayConfig(pod, upstreams, healthCheckIntervalMs, streamWindowBytes, maxMessageBytes,
                retryPolicies, retryBudget, maxTransparentRetries, maxCallsInFlight, value, podTls, qosProbeIntervalMs);
    }
}
