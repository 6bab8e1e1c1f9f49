package io.dmsc.node.link;

import static org.assertj.core.api.Assertions.assertThat;

import io.dmsc.wire.data.DataFrames;
import io.dmsc.wire.link.HelloMessage;
import io.dmsc.wire.link.LinkFrameCodec;
import io.dmsc.wire.link.NodeRole;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.concurrent.MockTicker;
import io.netty.util.concurrent.Ticker;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The TCP link's impairment handler on an embedded channel whose clock the test moves. */
class TcpImpairmentHandlerTest {
    private final MockTicker ticker = Ticker.newMockTicker();
    private final List<ImpairmentShaper.DropReason> drops = new ArrayList<>();
    private final List<ByteBuf> written = new ArrayList<>();
    private EmbeddedChannel channel;
    private TcpImpairmentHandler handler;

    private void start(LinkImpairment impairment) {
        handler = new TcpImpairmentHandler(new ImpairmentShaper(impairment, new SplittableRandom(7), drops::add,
                ImpairmentShaper.DEFAULT_MAX_HELD_BYTES, ImpairmentShaper.DEFAULT_MAX_HELD_FRAMES));
        channel = EmbeddedChannel.builder().ticker(ticker).handlers(handler).build();
    }

    @AfterEach
    void releaseEverything() {
        channel.finishAndReleaseAll();
        for (ByteBuf b : written) {
            assertThat(b.refCnt()).as("every frame released").isZero();
        }
    }

    private ByteBuf data(int word) {
        ByteBuf b = DataFrames.windowUpdate(ByteBufAllocator.DEFAULT, word, 1000);
        written.add(b);
        return b;
    }

    private ByteBuf hello(String id) {
        ByteBuf b = LinkFrameCodec.encode(new HelloMessage(LinkFrameCodec.VERSION, id, 3000, "", NodeRole.SR),
                ByteBufAllocator.DEFAULT);
        written.add(b);
        return b;
    }

    /** Writes as the link does: with the void promise (the writer does not wait), then flushes. */
    private void send(ByteBuf... frames) {
        for (ByteBuf f : frames) {
            channel.write(f, channel.voidPromise());
        }
        channel.flush();
    }

    /** Moves the clock and runs the timers that became due. */
    private void advanceMs(long ms) {
        ticker.advance(ms, TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();
    }

    /** @return the stream words of the data frames that reached the socket, releasing them */
    private List<Integer> sent() {
        List<Integer> out = new ArrayList<>();
        ByteBuf b;
        while ((b = channel.readOutbound()) != null) {
            out.add(DataFrames.type(b) == DataFrames.WINDOW_UPDATE ? DataFrames.streamWord(b) : -1);
            b.release();
        }
        return out;
    }

    @Test
    void shouldHoldFramesForTheDelayAndKeepTheirOrderUnderJitter() {
        start(new LinkImpairment(50, 50, 0, 0));
        for (int i = 0; i < 200; i++) {
            channel.write(data(i), channel.voidPromise());
            if (i % 20 == 19) {
                channel.flush();
                advanceMs(1);
            }
        }
        channel.flush();
        List<Integer> all = new ArrayList<>();
        for (int ms = 0; ms <= 150; ms++) {
            all.addAll(sent());
            advanceMs(1);
        }
        all.addAll(sent());
        assertThat(all).hasSize(200).isSorted();
        assertThat(handler.heldFrames()).isZero();
    }

    @Test
    void shouldSendNothingBeforeTheDelayHasPassed() {
        start(LinkImpairment.delay(50));
        send(hello("a"));
        send(data(1));
        assertThat(sent()).isEmpty();
        advanceMs(49);
        assertThat(sent()).isEmpty();
        advanceMs(1);
        assertThat(sent()).containsExactly(-1, 1);
    }

    @Test
    void shouldCountHeldBytesAgainstTheWriteBufferSoTheLinkTurnsUnwritable() {
        start(LinkImpairment.delay(100));
        int frames = 0;
        while (channel.isWritable()) {
            send(data(frames++));
            assertThat(frames).as("frames held before the link turned unwritable").isLessThan(100_000);
        }
        assertThat(handler.heldFrames()).isEqualTo(frames);
        advanceMs(100);
        assertThat(channel.isWritable()).isTrue();
        assertThat(sent()).hasSize(frames);
    }

    @Test
    void shouldDropDataFramesButPassHellosAtFullLoss() {
        start(new LinkImpairment(0, 0, 100, 0));
        ByteBuf d = data(1);
        send(d, hello("a"), data(2), hello("b"));
        assertThat(sent()).containsExactly(-1, -1);
        assertThat(d.refCnt()).as("a dropped frame is released at once").isZero();
        assertThat(drops).containsExactly(ImpairmentShaper.DropReason.LOSS, ImpairmentShaper.DropReason.LOSS);
    }

    @Test
    void shouldPaceFramesToTheRateLimit() {
        // 80 kbit/s = 10,000 bytes/s; window updates are 15 bytes: 1.5 ms each.
        start(new LinkImpairment(0, 0, 0, 80));
        for (int i = 0; i < 1000; i++) {
            channel.write(data(i), channel.voidPromise());
        }
        channel.flush();
        int after100ms = 0;
        for (int ms = 0; ms < 100; ms++) {
            after100ms += sent().size();
            advanceMs(1);
        }
        after100ms += sent().size();
        // 100 ms at 10,000 bytes/s is 1,000 bytes (66 frames) plus the bucket's 10 ms (6 frames).
        assertThat(after100ms).isBetween(66, 76);
        advanceMs(2000);
        assertThat(sent()).hasSize(1000 - after100ms);
    }

    @Test
    void shouldReleaseHeldFramesWhenTheChannelCloses() {
        start(LinkImpairment.delay(60_000));
        List<ByteBuf> frames = List.of(data(1), data(2), hello("a"));
        for (ByteBuf f : frames) {
            send(f);
        }
        assertThat(frames).allMatch(f -> f.refCnt() == 1);
        channel.close();
        assertThat(frames).allMatch(f -> f.refCnt() == 0);
        assertThat(handler.heldFrames()).isZero();
    }

    @Test
    void shouldSendHeldFramesAtOnceAndInOrderWhenCleared() {
        start(LinkImpairment.delay(60_000));
        send(data(1), data(2), data(3));
        assertThat(sent()).isEmpty();
        handler.sendAllNow();
        channel.pipeline().remove(handler);
        send(data(4));
        assertThat(sent()).containsExactly(1, 2, 3, 4);
    }
}
