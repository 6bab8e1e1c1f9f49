package io.dmsc.node.link;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dmsc.wire.link.HelloMessage;
import io.dmsc.wire.link.LinkFrameCodec;
import io.dmsc.wire.link.NodeRole;
import io.dmsc.wire.link.PartialSummary;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The behaviour every {@link LinkTransport} must have, run against each implementation (as
 * grpc-java's AbstractTransportTest does).
 */
abstract class LinkTransportContractTest {
    private LinkTransport server;
    private LinkTransport client;

    protected abstract LinkTransport newTransport();

    protected abstract String anyAddress();

    protected abstract String unusedAddress();

    @BeforeEach
    void createTransports() {
        server = newTransport();
        client = newTransport();
    }

    @AfterEach
    void closeTransports() {
        client.close();
        server.close();
    }

    private static HelloMessage hello(String id) {
        return new HelloMessage(LinkFrameCodec.VERSION, id, 3000, "", NodeRole.SR);
    }

    @Test
    void shouldCarryMessagesInOrderBothWays() throws Exception {
        RecordingHandler serverEvents = new RecordingHandler();
        RecordingHandler clientEvents = new RecordingHandler();
        String address = server.listen(anyAddress(), serverEvents);
        client.dial(address, "attached", clientEvents);

        RecordingHandler.Event clientOpen = clientEvents.next();
        RecordingHandler.Event serverOpen = serverEvents.next();
        assertThat(clientOpen.kind()).isEqualTo("open");
        assertThat(serverOpen.kind()).isEqualTo("open");
        assertThat(clientOpen.channel().isOutbound()).isTrue();
        assertThat(clientOpen.channel().attachment()).isEqualTo("attached");
        assertThat(serverOpen.channel().isOutbound()).isFalse();
        assertThat(serverOpen.channel().attachment()).isNull();

        for (int i = 0; i < 100; i++) {
            assertThat(clientOpen.channel().send(hello("n" + i))).isTrue();
        }
        for (int i = 0; i < 100; i++) {
            RecordingHandler.Event e = serverEvents.next();
            assertThat(e.kind()).isEqualTo("message");
            assertThat(((HelloMessage) e.detail()).nodeId()).isEqualTo("n" + i);
        }
        serverOpen.channel().send(new PartialSummary(List.of()));
        RecordingHandler.Event back = clientEvents.next();
        assertThat(back.detail()).isEqualTo(new PartialSummary(List.of()));
    }

    @Test
    void shouldCarryDataFramesBothWaysByteForByte() throws Exception {
        RecordingHandler serverEvents = new RecordingHandler();
        RecordingHandler clientEvents = new RecordingHandler();
        client.dial(server.listen(anyAddress(), serverEvents), null, clientEvents);
        LinkChannel c = clientEvents.next().channel();
        LinkChannel s = serverEvents.next().channel();
        for (int i = 0; i < 50; i++) {
            io.netty.buffer.ByteBuf fromClient = io.dmsc.wire.data.DataFrames.windowUpdate(
                    io.netty.buffer.ByteBufAllocator.DEFAULT, i, 1000 + i);
            byte[] expected = io.netty.buffer.ByteBufUtil.getBytes(fromClient);
            assertThat(c.sendData(fromClient)).isTrue();
            RecordingHandler.Event atServer = serverEvents.next();
            assertThat(atServer.kind()).isEqualTo("data");
            assertThat((byte[]) atServer.detail()).isEqualTo(expected);
            io.netty.buffer.ByteBuf fromServer = io.dmsc.wire.data.DataFrames.empty(
                    io.netty.buffer.ByteBufAllocator.DEFAULT, io.dmsc.wire.data.DataFrames.HALF_CLOSE, i);
            byte[] back = io.netty.buffer.ByteBufUtil.getBytes(fromServer);
            assertThat(s.sendData(fromServer)).isTrue();
            RecordingHandler.Event atClient = clientEvents.next();
            assertThat(atClient.kind()).isEqualTo("data");
            assertThat((byte[]) atClient.detail()).isEqualTo(back);
        }
    }

    /** A connected pair: [0] dialed by the client, [1] accepted by the server. */
    private LinkChannel[] connect(RecordingHandler serverEvents, RecordingHandler clientEvents) throws Exception {
        client.dial(server.listen(anyAddress(), serverEvents), null, clientEvents);
        LinkChannel c = clientEvents.next().channel();
        LinkChannel s = serverEvents.next().channel();
        return new LinkChannel[] {c, s};
    }

    private static io.netty.buffer.ByteBuf windowUpdate(int word) {
        return io.dmsc.wire.data.DataFrames.windowUpdate(io.netty.buffer.ByteBufAllocator.DEFAULT, word, 1000);
    }

    /** @return the stream word of a data event, or -1 for a hello */
    private static int word(RecordingHandler.Event e) {
        if (e.kind().equals("message")) {
            return -1;
        }
        assertThat(e.kind()).isEqualTo("data");
        return io.netty.buffer.Unpooled.wrappedBuffer((byte[]) e.detail())
                .getInt(io.dmsc.wire.data.DataFrames.STREAM_OFFSET);
    }

    @Test
    void shouldDelayTheFramesOfAnImpairedLinkAndNeverReorderThem() throws Exception {
        RecordingHandler serverEvents = new RecordingHandler();
        LinkChannel c = connect(serverEvents, new RecordingHandler())[0];
        c.impair(new LinkImpairment(60, 40, 0, 0), ImpairmentShaper.DropListener.NONE);
        long sentNs = System.nanoTime();
        for (int i = 0; i < 50; i++) {
            if (i % 5 == 0) {
                assertThat(c.send(hello("n" + i))).isTrue();
            } else {
                assertThat(c.sendData(windowUpdate(i))).isTrue();
            }
        }
        RecordingHandler.Event first = serverEvents.next();
        assertThat(System.nanoTime() - sentNs).as("delay less jitter").isGreaterThanOrEqualTo(
                java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(20));
        assertThat(((HelloMessage) first.detail()).nodeId()).isEqualTo("n0");
        for (int i = 1; i < 50; i++) {
            RecordingHandler.Event e = serverEvents.next();
            if (i % 5 == 0) {
                assertThat(((HelloMessage) e.detail()).nodeId()).isEqualTo("n" + i);
            } else {
                assertThat(word(e)).isEqualTo(i);
            }
        }
    }

    @Test
    void shouldDropDataFramesButNotHellosAtFullLoss() throws Exception {
        RecordingHandler serverEvents = new RecordingHandler();
        LinkChannel c = connect(serverEvents, new RecordingHandler())[0];
        java.util.concurrent.atomic.AtomicInteger dropped = new java.util.concurrent.atomic.AtomicInteger();
        c.impair(new LinkImpairment(0, 0, 100, 0), reason -> dropped.incrementAndGet());
        c.sendData(windowUpdate(1));
        c.send(hello("a"));
        c.sendData(windowUpdate(2));
        c.send(hello("b"));
        c.impair(null, ImpairmentShaper.DropListener.NONE);
        c.sendData(windowUpdate(3));
        // In order: had the first two data frames not been dropped, they would come first.
        assertThat(((HelloMessage) serverEvents.next().detail()).nodeId()).isEqualTo("a");
        assertThat(((HelloMessage) serverEvents.next().detail()).nodeId()).isEqualTo("b");
        assertThat(word(serverEvents.next())).isEqualTo(3);
        assertThat(dropped.get()).isEqualTo(2);
    }

    @Test
    void shouldSendHeldFramesAtOnceAndInOrderWhenTheImpairmentIsCleared() throws Exception {
        RecordingHandler serverEvents = new RecordingHandler();
        LinkChannel c = connect(serverEvents, new RecordingHandler())[0];
        c.impair(LinkImpairment.delay(LinkImpairment.MAX_DELAY_MS), ImpairmentShaper.DropListener.NONE);
        c.sendData(windowUpdate(1));
        c.send(hello("a"));
        c.sendData(windowUpdate(2));
        c.impair(null, ImpairmentShaper.DropListener.NONE);
        c.sendData(windowUpdate(3));
        // Well within the 60 s delay (next() waits 10 s at most).
        assertThat(word(serverEvents.next())).isEqualTo(1);
        assertThat(word(serverEvents.next())).isEqualTo(-1);
        assertThat(word(serverEvents.next())).isEqualTo(2);
        assertThat(word(serverEvents.next())).isEqualTo(3);
    }

    @Test
    void shouldReleaseHeldFramesWhenTheLinkCloses() throws Exception {
        RecordingHandler serverEvents = new RecordingHandler();
        RecordingHandler clientEvents = new RecordingHandler();
        LinkChannel c = connect(serverEvents, clientEvents)[0];
        c.impair(LinkImpairment.delay(LinkImpairment.MAX_DELAY_MS), ImpairmentShaper.DropListener.NONE);
        List<io.netty.buffer.ByteBuf> frames = new java.util.ArrayList<>();
        for (int i = 0; i < 3; i++) {
            io.netty.buffer.ByteBuf f = windowUpdate(i);
            frames.add(f.retain());
            c.sendData(f);
        }
        c.close();
        assertThat(clientEvents.next().kind()).isEqualTo("closed");
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(5))
                .until(() -> frames.stream().allMatch(f -> f.refCnt() == 1));
        frames.forEach(io.netty.buffer.ByteBuf::release);
    }

    @Test
    void shouldReportCloseAtBothEnds() throws Exception {
        RecordingHandler serverEvents = new RecordingHandler();
        RecordingHandler clientEvents = new RecordingHandler();
        client.dial(server.listen(anyAddress(), serverEvents), null, clientEvents);
        LinkChannel c = clientEvents.next().channel();
        serverEvents.next();
        c.close();
        assertThat(clientEvents.next().kind()).isEqualTo("closed");
        assertThat(serverEvents.next().kind()).isEqualTo("closed");
        assertThat(c.send(hello("late"))).isFalse();
    }

    @Test
    void shouldReportDialFailureWithTheAttachment() throws Exception {
        RecordingHandler clientEvents = new RecordingHandler();
        client.dial(unusedAddress(), "sr-9", clientEvents);
        RecordingHandler.Event e = clientEvents.next();
        assertThat(e.kind()).isEqualTo("dialFailed");
        assertThat(e.detail()).isEqualTo("sr-9");
    }

    @Test
    void shouldRefuseAnAddressInUse() {
        String address = server.listen(anyAddress(), new RecordingHandler());
        LinkTransport other = newTransport();
        try {
            assertThatThrownBy(() -> other.listen(address, new RecordingHandler()))
                    .isInstanceOf(LinkException.class).hasMessageContaining(address);
        } finally {
            other.close();
        }
    }
}
