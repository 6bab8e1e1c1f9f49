package io.dmsc.gateway;

/**
 * The observed throughput of this SG's calls towards one egress SG: calls opened and payload
 * bytes each way. Held by the ingress calls routed there and written per frame without a
 * lookup; read by {@link QosMonitor} once per interval. Data-plane loop only.
 */
final class EgressTraffic {
    long calls;
    long bytesSent;
    long bytesReceived;
}
