package io.dmsc.gateway;

import io.grpc.Attributes;
import io.grpc.Grpc;
import io.grpc.ServerTransportFilter;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.net.SocketAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Caps the connections open at once on one pod-facing or upstream port, and counts the ones the
 * gRPC server closed because they never finished the handshake. grpc-java has no connection cap
 * of its own: this handler sits in the pipeline of the port's listening channel, ahead of Netty's
 * acceptor, so it sees every accepted connection before gRPC does and closes the excess before
 * any of its buffers exist. It is also the port's {@link ServerTransportFilter}, told when a
 * connection's HTTP/2 preface arrived, so a connection that closes without one after the
 * handshake timeout is counted as timed out.
 *
 * <p>Thread: {@link #channelRead} runs on the listening channel's loop; the close listeners and
 * the transport filter on the connections' loops (the same loop in a gateway, but nothing here
 * relies on it).
 */
@ChannelHandler.Sharable
final class ConnectionLimitHandler extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(ConnectionLimitHandler.class);
    private static final long LOG_INTERVAL_NS = 10_000_000_000L;

    private final String nodeId;
    private final String port;
    private final int maxConnections;
    private final long handshakeTimeoutNs;
    private final AtomicInteger open = new AtomicInteger();
    /** Accepted connections whose HTTP/2 preface has not arrived yet: remote address to accept time. */
    private final Map<SocketAddress, Long> handshaking = new ConcurrentHashMap<>();
    private final Counter refused;
    private final Counter timedOut;
    private final AtomicLong lastLimitLogNs = new AtomicLong(System.nanoTime() - LOG_INTERVAL_NS);
    private final AtomicLong lastTimeoutLogNs = new AtomicLong(System.nanoTime() - LOG_INTERVAL_NS);

    /**
     * @param nodeId             the SG, for messages
     * @param port               which port ("pod-facing", "upstream /B"), for messages and metrics
     * @param maxConnections     connections open at once; more are closed at once
     * @param handshakeTimeoutMs the gRPC server's handshake timeout, to tell a timeout from a hang-up
     * @param registry           where {@code dmsc_pod_connections_closed} and {@code dmsc_pod_connections} go
     */
    ConnectionLimitHandler(String nodeId, String port, int maxConnections, long handshakeTimeoutMs,
                           MeterRegistry registry) {
        this.nodeId = nodeId;
        this.port = port;
        this.maxConnections = maxConnections;
        this.handshakeTimeoutNs = handshakeTimeoutMs * 1_000_000L;
        refused = Counter.builder("dmsc_pod_connections_closed").tag("port", port).tag("reason", "limit")
                .description("Pod-port connections closed by the SG: over maxConnections, or no HTTP/2 preface "
                        + "within handshakeTimeoutMs").register(registry);
        timedOut = Counter.builder("dmsc_pod_connections_closed").tag("port", port).tag("reason", "handshake_timeout")
                .description("Pod-port connections closed by the SG: over maxConnections, or no HTTP/2 preface "
                        + "within handshakeTimeoutMs").register(registry);
        Gauge.builder("dmsc_pod_connections", open, AtomicInteger::get).tag("port", port)
                .description("Connections open on a pod-facing or upstream port").register(registry);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof Channel child)) {
            ctx.fireChannelRead(msg);
            return;
        }
        if (open.incrementAndGet() > maxConnections) {
            open.decrementAndGet();
            refused.increment();
            if (due(lastLimitLogNs)) {
                LOG.warn("{}: {} port has {} connections, its limit (gateway.podPort.maxConnections): closing new "
                        + "ones from {} and others ({} so far)", nodeId, port, maxConnections, child.remoteAddress(),
                        (long) refused.count());
            }
            // Not registered yet: nothing to flush, no loop to hand it to (as Netty's own acceptor does).
            child.unsafe().closeForcibly();
            return;
        }
        SocketAddress remote = child.remoteAddress();
        long acceptedNs = System.nanoTime();
        if (remote != null) {
            handshaking.put(remote, acceptedNs);
        }
        child.closeFuture().addListener(f -> {
            open.decrementAndGet();
            if (remote != null && handshaking.remove(remote) != null
                    && System.nanoTime() - acceptedNs >= handshakeTimeoutNs) {
                timedOut.increment();
                if (due(lastTimeoutLogNs)) {
                    LOG.warn("{}: {} port closed a connection from {} that sent no HTTP/2 preface within {} ms "
                            + "(gateway.podPort.handshakeTimeoutMs; {} so far)", nodeId, port, remote,
                            handshakeTimeoutNs / 1_000_000, (long) timedOut.count());
                }
            }
        });
        ctx.fireChannelRead(child);
    }

    /** At most one log line per cause per {@link #LOG_INTERVAL_NS}; the counters have the rest. */
    private static boolean due(AtomicLong lastNs) {
        long now = System.nanoTime();
        long last = lastNs.get();
        return now - last >= LOG_INTERVAL_NS && lastNs.compareAndSet(last, now);
    }

    /** @return the filter that marks a connection's preface as arrived; add it to the port's server */
    ServerTransportFilter transportFilter() {
        return new ServerTransportFilter() {
            @Override
            public Attributes transportReady(Attributes attributes) {
                SocketAddress remote = attributes.get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
                if (remote != null) {
                    handshaking.remove(remote);
                }
                return attributes;
            }
        };
    }
}
