package io.dmsc.node.link;

import io.dmsc.wire.link.LinkFrameCodec;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;

class InMemoryLinkTransportTest extends LinkTransportContractTest {
    private static final AtomicInteger NAMES = new AtomicInteger();
    private final InMemoryLinkNetwork network = new InMemoryLinkNetwork();

    @AfterEach
    void closeNetwork() {
        network.close();
    }

    @Override
    protected LinkTransport newTransport() {
        return new InMemoryLinkTransport(network, LinkFrameCodec.DEFAULT_MAX_FRAME_LENGTH);
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
