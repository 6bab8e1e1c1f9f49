package io.dmsc.gateway;

import io.dmsc.node.config.GatewayConfig;
import io.dmsc.node.data.DataPlaneMetrics;
import io.dmsc.node.data.Forwarder;
import io.grpc.Channel;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.EventLoop;

/** What ingress and egress calls need of their gateway. Data-plane loop only. */
interface GatewayContext {
    /** @return the node id */
    String nodeId();

    /** @return the gateway settings */
    GatewayConfig config();

    /** @return the data-plane loop */
    EventLoop loop();

    /** @return the node's forwarder */
    Forwarder forwarder();

    /** @return the data-plane counters */
    DataPlaneMetrics forwarderMetrics();

    /** @return call counters */
    GatewayMetrics metrics();

    /** @return retry policies and budget */
    RetryPolicies retryPolicies();

    /**
     * Admits a new ingress call.
     *
     * @return true if under the gateway's limit of calls in flight; the caller then owes one
     *         {@link #callEnded()}
     */
    boolean callStarted();

    /** An admitted ingress call ended. */
    void callEnded();

    /** @return the frame allocator */
    ByteBufAllocator alloc();

    /**
     * @param fullName {@code pkg.Service/Method}
     * @return a raw-bytes descriptor of it (cached)
     */
    io.grpc.MethodDescriptor<byte[], byte[]> method(String fullName);

    /**
     * @param routedName the name a call is routed on
     * @return the endpoint ({@code host:port}) of a healthy local pod serving the longest match, or null
     */
    String selectEndpoint(String routedName);

    /**
     * @param endpoint {@code host:port} that answered a call (passive health)
     */
    void endpointAnswered(String endpoint);

    /**
     * Counts a call the egress handed to a local endpoint once it ended.
     *
     * @param endpoint   the endpoint
     * @param ok         true if it ended with status OK
     * @param durationNs from hand-over to the end
     */
    void endpointCallEnded(String endpoint, boolean ok, long durationNs);

    /**
     * @param endpoint {@code host:port}
     * @return the channel to it
     */
    Channel endpointChannel(String endpoint);

    /**
     * Chooses the replica of a new call (or attempt): one of the egress SGs that announce the
     * longest matching prefix at the best cost, in turn, so that equal-cost replicas get equal
     * shares of new calls whatever the paths to them look like.
     *
     * @param name the routed name
     * @return the egress node to pin the OPEN to, or null to route by the name (one egress, or
     *         this SG serves the prefix itself)
     */
    String chooseEgress(String name);

    /**
     * @param name a routed name
     * @return the egress SG it is routed to when there is exactly one, else null
     */
    String soleEgress(String name);

    /**
     * Counts the observed throughput towards an egress SG (for the path measurement).
     *
     * @param egress   the egress SG, or null when unknown
     * @param opened   1 for a new call or attempt, else 0
     * @param sent     request payload bytes
     * @param received response payload bytes
     */
    void egressTraffic(String egress, int opened, long sent, long received);
}
