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
 * @param podTls                transport security of the pod-facing port
 * @param qosProbeIntervalMs    period of the path probes, 0 for none
 * @param podPort               connection limits of the pod-facing and upstream ports
 * @param adaptiveAdmission     shed new calls to a target at once while its answers slow down
 *                              (an adaptive bound on the calls waiting for a first answer); false
 *                              keeps only {@code maxCallsInFlight}
 */
public record GatewayConfig(String pod, List<UpstreamConfig> upstreams, long healthCheckIntervalMs,
                            int streamWindowBytes, int maxMessageBytes, List<RetryPolicyConfig> retryPolicies,
                            RetryBudgetConfig retryBudget, int maxTransparentRetries, int maxCallsInFlight,
                            SpaClientConfig spa, PodTls podTls, long qosProbeIntervalMs, PodPort podPort,
                            boolean adaptiveAdmission) {
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

    /**
     * Connection limits of each pod-facing and upstream port ({@code gateway.podPort}): what one
     * misbehaving or hostile client on the pod network can hold.
     *
     * @param handshakeTimeoutMs  a connection that has not finished its TLS handshake and HTTP/2
     *                            preface by then is closed
     * @param maxConnections      connections open at once on one port; more are closed at once
     * @param maxConnectionIdleMs a connection without calls for that long is closed with GOAWAY; 0 for never
     * @param maxMetadataBytes    largest header block of a call; larger calls are refused
     */
    public record PodPort(long handshakeTimeoutMs, int maxConnections, long maxConnectionIdleMs,
                          int maxMetadataBytes) {
        /** Default: 10 s to finish the handshake, 10,000 connections, never idle-closed, 8 KiB headers. */
        public static final PodPort DEFAULTS = new PodPort(10_000, 10_000, 0, 8 * 1024);

        /** Validates the fields. */
        public PodPort {
            if (handshakeTimeoutMs < 1) {
                throw new IllegalArgumentException("handshakeTimeoutMs: " + handshakeTimeoutMs + " (expected: > 0)");
            }
            if (maxConnections < 1) {
                throw new IllegalArgumentException("maxConnections: " + maxConnections + " (expected: > 0)");
            }
            if (maxConnectionIdleMs < 0) {
                throw new IllegalArgumentException("maxConnectionIdleMs: " + maxConnectionIdleMs
                        + " (expected: 0 for never, or > 0)");
            }
            if (maxMetadataBytes < 1024) {
                throw new IllegalArgumentException("maxMetadataBytes: " + maxMetadataBytes + " (expected: >= 1024)");
            }
        }
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
        Objects.requireNonNull(podPort, "podPort");
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
                DEFAULT_QOS_PROBE_INTERVAL_MS, PodPort.DEFAULTS, false);
    }

    /**
     * @param address pod-facing address
     * @return a copy listening elsewhere
     */
    public GatewayConfig withPod(String address) {
        return new GatewayConfig(address, upstreams, healthCheckIntervalMs, streamWindowBytes, maxMessageBytes,
                retryPolicies, retryBudget, maxTransparentRetries, maxCallsInFlight, spa, podTls,
                qosProbeIntervalMs, podPort, adaptiveAdmission);
    }

    /**
     * @param value upstream ports
     * @return a copy with other upstreams
     */
    public GatewayConfig withUpstreams(List<UpstreamConfig> value) {
        return new GatewayConfig(pod, value, healthCheckIntervalMs, streamWindowBytes, maxMessageBytes,
                retryPolicies, retryBudget, maxTransparentRetries, maxCallsInFlight, spa, podTls,
                qosProbeIntervalMs, podPort, adaptiveAdmission);
    }

    /**
     * @param value retry policies
     * @return a copy with other policies
     */
    public GatewayConfig withRetryPolicies(List<RetryPolicyConfig> value) {
        return new GatewayConfig(pod, upstreams, healthCheckIntervalMs, streamWindowBytes, maxMessageBytes,
                value, retryBudget, maxTransparentRetries, maxCallsInFlight, spa, podTls, qosProbeIntervalMs, podPort, adaptiveAdmission);
    }

    /**
     * @param intervalMs health check period
     * @return a copy with another period
     */
    public GatewayConfig withHealthCheckIntervalMs(long intervalMs) {
        return new GatewayConfig(pod, upstreams, intervalMs, streamWindowBytes, maxMessageBytes,
                retryPolicies, retryBudget, maxTransparentRetries, maxCallsInFlight, spa, podTls,
                qosProbeIntervalMs, podPort, adaptiveAdmission);
    }

    /**
     * @param intervalMs period of the path probes, 0 for none
     * @return a copy with another period
     */
    public GatewayConfig withQosProbeIntervalMs(long intervalMs) {
        return new GatewayConfig(pod, upstreams, healthCheckIntervalMs, streamWindowBytes, maxMessageBytes,
                retryPolicies, retryBudget, maxTransparentRetries, maxCallsInFlight, spa, podTls, intervalMs, podPort, adaptiveAdmission);
    }

    /**
     * @param value pod-facing transport security
     * @return a copy with another setting
     */
    public GatewayConfig withPodTls(PodTls value) {
        return new GatewayConfig(pod, upstreams, healthCheckIntervalMs, streamWindowBytes, maxMessageBytes,
                retryPolicies, retryBudget, maxTransparentRetries, maxCallsInFlight, spa, value,
                qosProbeIntervalMs, podPort, adaptiveAdmission);
    }

    /**
     * @param value connection limits of the pod-facing and upstream ports
     * @return a copy with other limits
     */
    public GatewayConfig withPodPort(PodPort value) {
        return new GatewayConfig(pod, upstreams, healthCheckIntervalMs, streamWindowBytes, maxMessageBytes,
                retryPolicies, retryBudget, maxTransparentRetries, maxCallsInFlight, spa, podTls, qosProbeIntervalMs,
                value, adaptiveAdmission);
    }

    /**
     * @param value whether new calls are shed while a target's answers slow down
     * @return a copy with adaptive admission on or off
     */
    public GatewayConfig withAdaptiveAdmission(boolean value) {
        return new GatewayConfig(pod, upstreams, healthCheckIntervalMs, streamWindowBytes, maxMessageBytes,
                retryPolicies, retryBudget, maxTransparentRetries, maxCallsInFlight, spa, podTls, qosProbeIntervalMs,
                podPort, value);
    }

    /**
     * @param value SPA client settings, or null
     * @return a copy with other SPA settings
     */
    public GatewayConfig withSpa(SpaClientConfig value) {
        return new GatewayConfig(pod, upstreams, healthCheckIntervalMs, streamWindowBytes, maxMessageBytes,
                retryPolicies, retryBudget, maxTransparentRetries, maxCallsInFlight, value, podTls,
                qosProbeIntervalMs, podPort, adaptiveAdmission);
    }
}
