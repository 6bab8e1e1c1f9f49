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

    /** @return the node's current FIB (a new object after every route change) */
    io.dmsc.routing.Fib fib();

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

    /** @return the adaptive bound on calls waiting for a first answer, per target */
    AdmissionLimiter limiter();

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
     * Where a new call (or attempt) goes.
     *
     * @param egress  the egress SG, or null when unknown (no route, or this SG serves the prefix)
     * @param pin     true to pin the OPEN to it: one of several best-cost replicas was chosen
     * @param traffic the counter of calls towards it, or null when it is not measured
     * @param policy  the SCSC policy that chose it (its path is stamped into the OPEN), or null
     */
    record EgressChoice(String egress, boolean pin, EgressTraffic traffic,
                        io.dmsc.node.policy.ForwardingPolicy policy) {
        static final EgressChoice NONE = new EgressChoice(null, false, null, null);
    }

    /**
     * Chooses the egress of a new call (or attempt): the replica and path of the SCSC's policy for
     * the longest matching prefix when one holds, else the only egress SG of that prefix, or one of
     * several at the best cost, in turn and in proportion to their advertised weights, so that
     * equal-cost replicas get their shares of new calls whatever the paths to them look like.
     *
     * @param name the routed name
     * @return the choice; {@link EgressChoice#NONE} when there is no remote egress
     */
    EgressChoice chooseEgress(String name);
}
