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
