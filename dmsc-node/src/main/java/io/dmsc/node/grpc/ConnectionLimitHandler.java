package io.dmsc.node.grpc;

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
 * Caps the connections open at once on one gRPC port (an SG's pod-facing and upstream ports, an
 * SPA's, the SCSC's), and counts the ones the gRPC server closed because they never finished the
 * handshake. grpc-java has no connection cap
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
public final class ConnectionLimitHandler extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(ConnectionLimitHandler.class);
    private static final long LOG_INTERVAL_NS = 10_000_000_000L;

    private final String nodeId;
    private final String port;
    private final String setting;
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
     * @param nodeId             the node or SPA, for messages
     * @param port               which port ("pod-facing", "upstream /B", "spa"), for messages and metrics
     * @param setting            where the two bounds are set, for messages ("gateway.podPort", "limits")
     * @param metric             name of the gauge of open connections; the counter of closed ones is
     *                           {@code metric + "_closed"} ({@code dmsc_pod_connections} on an SG)
     * @param maxConnections     connections open at once; more are closed at once
     * @param handshakeTimeoutMs the gRPC server's handshake timeout, to tell a timeout from a hang-up
     * @param registry           where the metrics go
     */
    public ConnectionLimitHandler(String nodeId, String port, String setting, String metric, int maxConnections,
                                  long handshakeTimeoutMs, MeterRegistry registry) {
        this.nodeId = nodeId;
        this.port = port;
        this.setting = setting;
        this.maxConnections = maxConnections;
        this.handshakeTimeoutNs = handshakeTimeoutMs * 1_000_000L;
        String closed = "Connections closed: over " + limitKey() + ", or no HTTP/2 preface within "
                + timeoutKey();
        refused = Counter.builder(metric + "_closed").tag("port", port).tag("reason", "limit")
                .description(closed).register(registry);
        timedOut = Counter.builder(metric + "_closed").tag("port", port).tag("reason", "handshake_timeout")
                .description(closed).register(registry);
        Gauge.builder(metric, open, AtomicInteger::get).tag("port", port)
                .description("Connections open on a gRPC port").register(registry);
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
                LOG.warn("{}: {} port has {} connections, its limit ({}): closing new ones from {} and others "
                        + "({} so far)", nodeId, port, maxConnections, limitKey(), child.remoteAddress(),
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
                            + "({}; {} so far)", nodeId, port, remote, handshakeTimeoutNs / 1_000_000, timeoutKey(),
                            (long) timedOut.count());
                }
            }
        });
        ctx.fireChannelRead(child);
    }

    private String limitKey() {
        return setting.equals("limits") ? "limits.maxGrpcConnections" : setting + ".maxConnections";
    }

    private String timeoutKey() {
        return setting.equals("limits") ? "limits.grpcHandshakeTimeoutMs" : setting + ".handshakeTimeoutMs";
    }

    /** At most one log line per cause per {@link #LOG_INTERVAL_NS}; the counters have the rest. */
    private static boolean due(AtomicLong lastNs) {
        long now = System.nanoTime();
        long last = lastNs.get();
        return now - last >= LOG_INTERVAL_NS && lastNs.compareAndSet(last, now);
    }

    /**
     * Puts this handler into the server's listening channel, ahead of the acceptor that bootstrap
     * adds on registration, so it sees each connection before gRPC does; adds its transport filter
     * and the handshake timeout. A custom channel factory needs the caller's own boss and worker
     * groups ({@link io.dmsc.node.link.EventLoops#newGroup}).
     *
     * @param b the server being built
     * @return {@code b}
     */
    public io.grpc.netty.NettyServerBuilder applyTo(io.grpc.netty.NettyServerBuilder b) {
        io.netty.channel.ChannelFactory<io.netty.channel.ServerChannel> channels =
                new io.netty.channel.ReflectiveChannelFactory<>(io.dmsc.node.link.EventLoops.serverChannel());
        return b.channelFactory(() -> {
            io.netty.channel.ServerChannel ch = channels.newChannel();
            ch.pipeline().addLast(this);
            return ch;
        }).addTransportFilter(transportFilter())
                // Until a client's TLS handshake and HTTP/2 preface are in; grpc's default is 120 s.
                .handshakeTimeout(handshakeTimeoutNs, java.util.concurrent.TimeUnit.NANOSECONDS);
    }

    /** @return the filter that marks a connection's preface as arrived; add it to the port's server */
    public ServerTransportFilter transportFilter() {
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
