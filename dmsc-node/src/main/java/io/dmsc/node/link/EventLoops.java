package io.dmsc.node.link;

import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;

/**
 * Netty event loops for links (and, later, gRPC): native epoll where available, NIO otherwise.
 */
public final class EventLoops {
    private EventLoops() {
    }

    /** @return true if native epoll is used */
    public static boolean nativeTransport() {
        return Epoll.isAvailable();
    }

    /**
     * @param threads number of event loops
     * @param name    thread name prefix
     * @return a new group; the caller shuts it down
     */
    public static EventLoopGroup newGroup(int threads, String name) {
        DefaultThreadFactory factory = new DefaultThreadFactory(name, true);
        return new MultiThreadIoEventLoopGroup(threads, factory,
                nativeTransport() ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
    }

    /** @return the socket channel class matching {@link #newGroup} */
    public static Class<? extends Channel> socketChannel() {
        return nativeTransport() ? EpollSocketChannel.class : NioSocketChannel.class;
    }

    /** @return the server channel class matching {@link #newGroup} */
    public static Class<? extends ServerChannel> serverChannel() {
        return nativeTransport() ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
    }
}
