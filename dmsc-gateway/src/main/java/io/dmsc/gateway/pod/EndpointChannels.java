package io.dmsc.gateway.pod;

import io.dmsc.node.link.EventLoops;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.netty.channel.EventLoop;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One plaintext gRPC channel per announced pod endpoint, shared by the health checks and the
 * egress of calls to pods. A channel exists while at least one announcement references its
 * endpoint and is shut down (gracefully: calls in flight finish) when the last one goes.
 *
 * <p>Threading: channels are created and shut down on the owning {@link PodRegistry}'s event
 * loop, which is also the channels' transport loop. {@link #channel(String)} may be called from
 * any thread.
 */
public final class EndpointChannels {
    private final EventLoop loop;
    /** Written on {@code loop} only; read from any thread by {@link #channel(String)}. */
    private final Map<String, ManagedChannel> channels = new ConcurrentHashMap<>();
    /** Announcements referencing each endpoint. Accessed on {@code loop} only. */
    private final Map<String, Integer> references = new HashMap<>();

    /**
     * @param loop the owning event loop; the channels' I/O runs on it
     */
    EndpointChannels(EventLoop loop) {
        this.loop = loop;
    }

    /**
     * The channel to an announced endpoint. Cheap: one map lookup. Calls on it may fail with
     * UNAVAILABLE if the endpoint is being withdrawn at the same time.
     *
     * @param endpoint {@code host:port} as published in {@link PodEndpoint#endpoint()}
     * @return the channel, or null if no announcement references the endpoint
     */
    public ManagedChannel channel(String endpoint) {
        return channels.get(endpoint);
    }

    /**
     * Adds a reference to an endpoint, creating its channel on the first one. Must be called on
     * the owning loop.
     *
     * @param endpoint normalized {@code host:port}
     * @return the channel
     * @throws IllegalArgumentException if gRPC cannot build a channel to the endpoint
     */
    ManagedChannel acquire(String endpoint) {
        assert loop.inEventLoop();
        ManagedChannel channel = channels.get(endpoint);
        if (channel == null) {
            channel = NettyChannelBuilder.forTarget(endpoint)
                    .eventLoopGroup(loop)
                    .channelType(EventLoops.socketChannel())
                    .directExecutor()
                    .usePlaintext()
                    .build();
            channels.put(endpoint, channel);
        }
        references.merge(endpoint, 1, Integer::sum);
        return channel;
    }

    /**
     * Drops a reference to an endpoint; shuts its channel down when none is left. Must be called
     * on the owning loop.
     *
     * @param endpoint normalized {@code host:port}
     * @return true if this was the last reference
     */
    boolean release(String endpoint) {
        assert loop.inEventLoop();
        Integer left = references.computeIfPresent(endpoint, (e, n) -> n == 1 ? null : n - 1);
        if (left != null) {
            return false;
        }
        ManagedChannel channel = channels.remove(endpoint);
        if (channel != null) {
            channel.shutdown();
        }
        return true;
    }

    /** Shuts every channel down. Must be called on the owning loop. */
    void close() {
        assert loop.inEventLoop();
        channels.values().forEach(ManagedChannel::shutdown);
        channels.clear();
        references.clear();
    }

    @Override
    public String toString() {
        return "EndpointChannels" + channels.keySet();
    }
}
