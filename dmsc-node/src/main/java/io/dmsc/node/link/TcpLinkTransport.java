package io.dmsc.node.link;

import io.dmsc.wire.link.LinkFrameDecoder;
import io.dmsc.wire.link.LinkFrameEncoder;
import io.dmsc.wire.link.LinkMessage;
import io.dmsc.wire.link.MalformedFrameException;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.netty.buffer.ByteBuf;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.handler.codec.DecoderException;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;

/**
 * Link transport over TCP with Netty: length-prefixed frames ({@code LinkFrameCodec}), a maximum
 * frame size, per-link write-buffer water marks. Events reach the {@link LinkHandler} on the
 * channel's event loop. An impaired link ({@link LinkChannel#impair}) gets a
 * {@link TcpImpairmentHandler} in its pipeline for as long as the impairment lasts. Thread-safe.
 */
public final class TcpLinkTransport implements LinkTransport {
    private static final int CONNECT_TIMEOUT_MS = 2000;
    private static final WriteBufferWaterMark WATER_MARK = new WriteBufferWaterMark(256 * 1024, 1024 * 1024);
    /** Name of the encoder in the pipeline; an impaired link's {@link TcpImpairmentHandler} goes before it. */
    private static final String FRAME_ENCODER = "frameEncoder";

    private final EventLoopGroup group;
    private final int maxFrameLength;
    private final ChannelGroup channels = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
    /** Read for every new connection; replaced when certificates rotate. */
    private volatile io.dmsc.node.security.LinkTls tls;
    private volatile boolean closed;

    /**
     * Plaintext links.
     *
     * @param group          event loops to run on (shared with other transports of the JVM; not
     *                       shut down by {@link #close()})
     * @param maxFrameLength largest frame accepted, bytes after the length field
     */
    public TcpLinkTransport(EventLoopGroup group, int maxFrameLength) {
        this(group, maxFrameLength, null);
    }

    /**
     * Links with mutual TLS when {@code tls} is given: a link opens for the {@link LinkHandler}
     * only after its handshake, with the peer's proven node id ({@link LinkChannel#peerIdentity}).
     *
     * @param group          event loops to run on (not shut down by {@link #close()})
     * @param maxFrameLength largest frame accepted, bytes after the length field
     * @param tls            this node's TLS, or null for plaintext; failed handshakes are
     *                       reported to {@link LinkHandler#onTlsFailure}
     */
    public TcpLinkTransport(EventLoopGroup group, int maxFrameLength, io.dmsc.node.security.LinkTls tls) {
        this.group = group;
        this.maxFrameLength = maxFrameLength;
        this.tls = tls;
    }

    /** @return true if links use TLS */
    public boolean secured() {
        return tls != null;
    }

    /**
     * Uses new TLS material (rotated certificates) for every connection from now on; established
     * links keep theirs until they reconnect.
     *
     * @param value the new TLS of this node
     * @throws IllegalStateException if the transport was built without TLS
     */
    public void setTls(io.dmsc.node.security.LinkTls value) {
        if (tls == null) {
            throw new IllegalStateException("links are plaintext (expected: a transport built with TLS)");
        }
        tls = java.util.Objects.requireNonNull(value, "value");
    }

    @Override
    public String listen(String address, LinkHandler handler) {
        HostPort hp = HostPort.parse(address);
        ServerBootstrap b = new ServerBootstrap()
                .group(group)
                .channel(EventLoops.serverChannel())
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.SO_KEEPALIVE, true)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, WATER_MARK)
                .childHandler(initializer(handler, false, null));
        ChannelFuture f = b.bind(hp.host(), hp.port()).awaitUninterruptibly();
        if (!f.isSuccess()) {
            throw new LinkException("cannot listen on " + address + ": " + f.cause().getMessage()
                    + " (expected: a free local address)", f.cause());
        }
        channels.add(f.channel());
        InetSocketAddress bound = (InetSocketAddress) f.channel().localAddress();
        return new HostPort(hp.host(), bound.getPort()).toString();
    }

    @Override
    public void dial(String address, Object attachment, LinkHandler handler) {
        if (closed) {
            handler.onDialFailed(address, attachment, new LinkException("transport closed", null));
            return;
        }
        HostPort hp;
        try {
            hp = HostPort.parse(address);
        } catch (IllegalArgumentException e) {
            handler.onDialFailed(address, attachment, e);
            return;
        }
        Bootstrap b = new Bootstrap()
                .group(group)
                .channel(EventLoops.socketChannel())
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.SO_KEEPALIVE, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, CONNECT_TIMEOUT_MS)
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK, WATER_MARK)
                .handler(initializer(handler, true, attachment));
        b.connect(hp.host(), hp.port()).addListener((ChannelFuture f) -> {
            if (!f.isSuccess()) {
                handler.onDialFailed(address, attachment, f.cause());
            }
        });
    }

    private ChannelInitializer<Channel> initializer(LinkHandler handler, boolean outbound, Object attachment) {
        return new ChannelInitializer<>() {
            @Override
            protected void initChannel(Channel ch) {
                if (closed) {
                    ch.close();
                    return;
                }
                channels.add(ch);
                TcpLinkChannel link = new TcpLinkChannel(ch, outbound, attachment);
                io.dmsc.node.security.LinkTls current = tls;
                if (current != null) {
                    ch.pipeline().addLast("tls", current.newHandler(ch.alloc(), outbound));
                }
                ch.pipeline()
                        .addLast("flush", new FlushConsolidationHandler(256, true))
                        .addLast("frameDecoder", new LinkFrameDecoder(maxFrameLength))
                        .addLast(FRAME_ENCODER, LinkFrameEncoder.INSTANCE)
                        .addLast("link", new LinkInboundHandler(link, handler, current));
            }
        };
    }

    @Override
    public void close() {
        closed = true;
        channels.close().awaitUninterruptibly();
    }

    /** Bridges one Netty channel to the {@link LinkHandler}. Runs on the channel's event loop. */
    private static final class LinkInboundHandler extends ChannelInboundHandlerAdapter {
        private final TcpLinkChannel link;
        private final LinkHandler handler;
        private final io.dmsc.node.security.LinkTls tls;
        /** True once the handler was told the link is open (at once, or after the TLS handshake). */
        private boolean opened;

        LinkInboundHandler(TcpLinkChannel link, LinkHandler handler, io.dmsc.node.security.LinkTls tls) {
            this.link = link;
            this.handler = handler;
            this.tls = tls;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            if (tls == null) {
                opened = true;
                handler.onOpen(link);
            }
            ctx.fireChannelActive();
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
            if (evt instanceof io.netty.handler.ssl.SslHandshakeCompletionEvent done && tls != null && !opened) {
                if (!done.isSuccess()) {
                    handler.onTlsFailure(link.remoteAddress(), io.dmsc.node.security.LinkTls.reason(done.cause()),
                            String.valueOf(done.cause().getMessage()));
                    ctx.close();
                    return;
                }
                io.netty.handler.ssl.SslHandler ssl = ctx.pipeline().get(io.netty.handler.ssl.SslHandler.class);
                try {
                    link.peerIdentity(tls.peerIdentity(ssl.engine().getSession()).id());
                } catch (IllegalArgumentException e) {
                    handler.onTlsFailure(link.remoteAddress(), "bad_identity", e.getMessage());
                    ctx.close();
                    return;
                }
                opened = true;
                handler.onOpen(link);
            }
            ctx.fireUserEventTriggered(evt);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (!opened) {
                io.netty.util.ReferenceCountUtil.release(msg);
                return;
            }
            if (msg instanceof ByteBuf frame) {
                // Probes (ping, path and neighbour measurement) are small and periodic: they do not
                // keep the adjacency alive, so a neighbour whose routing stalled is still declared down.
                live |= io.dmsc.wire.data.DataFrames.type(frame) != io.dmsc.wire.data.DataFrames.PROBE;
                handler.onData(link, frame);
            } else if (msg instanceof LinkMessage m) {
                live = true;
                handler.onMessage(link, m);
            }
        }

        /** A frame other than a probe arrived in the current read batch. */
        private boolean live;

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            // Once per read batch, not per frame: enough for a hold time of seconds.
            if (live) {
                live = false;
                link.received(System.nanoTime());
            }
            ctx.fireChannelReadComplete();
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            handler.onWritabilityChanged(link, ctx.channel().isWritable());
            ctx.fireChannelWritabilityChanged();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (opened) {
                handler.onClosed(link);
            } else if (link.attachment() != null) {
                // A dial whose TLS handshake never completed: the dialer must learn it failed.
                handler.onDialFailed(link.remoteAddress(), link.attachment(), new LinkException(
                        "the connection closed before the TLS handshake completed", null));
            }
            ctx.fireChannelInactive();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            Throwable root = cause instanceof DecoderException && cause.getCause() != null ? cause.getCause() : cause;
            if (root instanceof MalformedFrameException && opened) {
                handler.onMalformed(link, (MalformedFrameException) root);
            }
            ctx.close();
        }
    }

    /** A Netty channel as a {@link LinkChannel}. */
    private static final class TcpLinkChannel extends AbstractLinkChannel {
        private final Channel channel;

        TcpLinkChannel(Channel channel, boolean outbound, Object attachment) {
            super("tcp", outbound, attachment);
            this.channel = channel;
        }

        @Override
        public boolean send(LinkMessage message) {
            // Hellos go even when the link is congested: a few bytes a second, and dropping them
            // would let a busy link's neighbour declare it dead. Other control messages are
            // recovered by retransmission.
            if (!channel.isActive() || (!channel.isWritable() && !(message instanceof io.dmsc.wire.link.HelloMessage))) {
                return false;
            }
            // Writes are handed to the channel's own event loop, never performed from here.
            channel.eventLoop().execute(() -> channel.writeAndFlush(message, channel.voidPromise()));
            return true;
        }

        @Override
        public boolean sendData(ByteBuf frame) {
            if (!channel.isActive()) {
                frame.release();
                return false;
            }
            if (channel.eventLoop().inEventLoop()) {
                // Flushes are coalesced per read batch by the FlushConsolidationHandler.
                channel.writeAndFlush(frame, channel.voidPromise());
            } else {
                channel.eventLoop().execute(() -> channel.writeAndFlush(frame, channel.voidPromise()));
            }
            return true;
        }

        @Override
        public boolean isWritable() {
            return channel.isWritable();
        }

        @Override
        public void impair(LinkImpairment impairment, ImpairmentShaper.DropListener drops) {
            if (channel.eventLoop().inEventLoop()) {
                applyImpairment(impairment, drops);
                return;
            }
            try {
                channel.eventLoop().execute(() -> applyImpairment(impairment, drops));
            } catch (java.util.concurrent.RejectedExecutionException e) {
                // The loop is shutting down with the node, and the link with it.
            }
        }

        /**
         * Adds, updates or removes the impairment handler. On the event loop, like every write, so
         * that no frame overtakes a held one when the impairment changes or goes.
         */
        private void applyImpairment(LinkImpairment impairment, ImpairmentShaper.DropListener drops) {
            io.netty.channel.ChannelPipeline p = channel.pipeline();
            TcpImpairmentHandler current = p.get(TcpImpairmentHandler.class);
            if (impairment == null || impairment.isNone()) {
                if (current != null) {
                    current.sendAllNow();
                    p.remove(current);
                }
            } else if (current != null) {
                current.update(impairment);
            } else if (channel.isActive() && p.get(FRAME_ENCODER) != null) {
                // Between the encoder and TLS: it sees every frame encoded, and in plaintext.
                p.addBefore(FRAME_ENCODER, TcpImpairmentHandler.NAME,
                        new TcpImpairmentHandler(ImpairmentShaper.create(impairment, drops)));
            }
        }

        @Override
        public void setReadable(boolean readable) {
            readPaused(!readable);
            channel.config().setAutoRead(readable);
        }

        @Override
        public void close() {
            channel.close();
        }

        @Override
        public String remoteAddress() {
            return channel.remoteAddress() instanceof InetSocketAddress a
                    ? new HostPort(a.getHostString(), a.getPort()).toString() : String.valueOf(channel.remoteAddress());
        }
    }
}
