package io.dmsc.node.link;

import io.dmsc.wire.link.LinkFrameCodec;
import io.netty.channel.EventLoopGroup;
import java.io.IOException;
import java.net.ServerSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

class TcpLinkTransportTest extends LinkTransportContractTest {
    private static EventLoopGroup group;

    @BeforeAll
    static void startLoops() {
        group = EventLoops.newGroup(1, "test-links");
    }

    @AfterAll
    static void stopLoops() {
        group.shutdownGracefully().awaitUninterruptibly();
    }

    @Override
    protected LinkTransport newTransport() {
        return new TcpLinkTransport(group, LinkFrameCodec.DEFAULT_MAX_FRAME_LENGTH);
    }

    @Override
    protected String anyAddress() {
        return "127.0.0.1:0";
    }

    @Override
    protected String unusedAddress() {
        // A port that was free a moment ago: nothing listens there.
        try (ServerSocket s = new ServerSocket(0)) {
            return "127.0.0.1:" + s.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
