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
 * channel's event loop. Thread-safe.
 */
public final class TcpLinkTransport implements LinkTransport {
    private static final int CONNECT_TIMEOUT_MS = 2000;
    private static final WriteBufferWaterMark WATER_MARK = new WriteBufferWaterMark(256 * 1024, 1024 * 1024);

    private final EventLoopGroup group;
    private final int maxFrameLength;
    private final ChannelGroup channels = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
    private volatile boolean closed;

    /**
     * @param group          event loops to run on (shared with other transports of the JVM; not
     *                       shut down by {@link #close()})
     * @param maxFrameLength largest frame accepted, bytes after the length field
     */
    public TcpLinkTransport(EventLoopGroup group, int maxFrameLength) {
        this.group = group;
        this.maxFrameLength = maxFrameLength;
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
                ch.pipeline()
                        .addLast("flush", new FlushConsolidationHandler(256, true))
                        .addLast("frameDecoder", new LinkFrameDecoder(maxFrameLength))
                        .addLast("frameEncoder", LinkFrameEncoder.INSTANCE)
                        .addLast("link", new LinkInboundHandler(link, handler));
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

        LinkInboundHandler(TcpLinkChannel link, LinkHandler handler) {
            this.link = link;
            this.handler = handler;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            handler.onOpen(link);
            ctx.fireChannelActive();
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof ByteBuf frame) {
                handler.onData(link, frame);
            } else if (msg instanceof LinkMessage m) {
                handler.onMessage(link, m);
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            // Once per read batch, not per frame: enough for a hold time of seconds.
            link.received(System.nanoTime());
            ctx.fireChannelReadComplete();
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            handler.onWritabilityChanged(link, ctx.channel().isWritable());
            ctx.fireChannelWritabilityChanged();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            handler.onClosed(link);
            ctx.fireChannelInactive();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            Throwable root = cause instanceof DecoderException && cause.getCause() != null ? cause.getCause() : cause;
            if (root instanceof MalformedFrameException) {
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
            if (!channel.isActive() || !channel.isWritable()) {
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
