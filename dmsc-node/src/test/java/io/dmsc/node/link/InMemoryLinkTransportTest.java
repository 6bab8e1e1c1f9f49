package io.dmsc.node.link;

import io.dmsc.wire.link.LinkFrameCodec;
import io.netty.channel.EventLoopGroup;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;

class InMemoryLinkTransportTest extends LinkTransportContractTest {
    private static final AtomicInteger NAMES = new AtomicInteger();
    /** Where impaired links hold their frames, as a node's data-plane loop does. */
    private static EventLoopGroup loop;
    private final InMemoryLinkNetwork network = new InMemoryLinkNetwork();

    @BeforeAll
    static void startLoop() {
        loop = EventLoops.newGroup(1, "test-impairment");
    }

    @AfterAll
    static void stopLoop() {
        loop.shutdownGracefully().awaitUninterruptibly();
    }

    @AfterEach
    void closeNetwork() {
        network.close();
    }

    @Override
    protected LinkTransport newTransport() {
        return new InMemoryLinkTransport(network, LinkFrameCodec.DEFAULT_MAX_FRAME_LENGTH, loop.next());
    }

    @Override
    protected String anyAddress() {
        return "mem:" + NAMES.incrementAndGet();
    }

    @Override
    protected String unusedAddress() {
        return "mem:nobody";
    }
}
