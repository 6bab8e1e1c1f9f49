package io.dmsc.node.link;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dmsc.wire.data.DataFrames;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The schedule an impairment computes, on a fake clock: no frame is actually held here. */
class ImpairmentShaperTest {
    private static final int HELLO = 1;
    private static final int LSP = 2;
    private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);
    /** Any start: the link loop's clock may be anywhere, negative included. */
    private static final long T0 = -5_000 * MS;

    private final List<ImpairmentShaper.DropReason> drops = new ArrayList<>();

    private ImpairmentShaper shaper(LinkImpairment impairment) {
        return new ImpairmentShaper(impairment, new SplittableRandom(42), drops::add,
                ImpairmentShaper.DEFAULT_MAX_HELD_BYTES, ImpairmentShaper.DEFAULT_MAX_HELD_FRAMES);
    }

    @Test
    void shouldDelayEveryKindOfFrameByTheDelay() {
        ImpairmentShaper s = shaper(LinkImpairment.delay(50));
        assertThat(s.schedule(HELLO, 40, T0)).isEqualTo(50 * MS);
        assertThat(s.schedule(DataFrames.PROBE, 100, T0 + MS)).isEqualTo(50 * MS);
        assertThat(s.schedule(DataFrames.MESSAGE, 1000, T0 + 2 * MS)).isEqualTo(50 * MS);
        assertThat(s.heldFrames()).isEqualTo(3);
        assertThat(s.heldBytes()).isEqualTo(1140);
        s.left(40);
        assertThat(s.heldFrames()).isEqualTo(2);
        assertThat(s.heldBytes()).isEqualTo(1100);
    }

    @Test
    void shouldKeepFramesInOrderUnderJitter() {
        ImpairmentShaper s = shaper(new LinkImpairment(20, 20, 0, 0));
        // What the transport holds: departures in order, reported as they leave.
        java.util.ArrayDeque<Long> held = new java.util.ArrayDeque<>();
        long previous = Long.MIN_VALUE;
        long minDelay = Long.MAX_VALUE;
        long maxDelay = 0;
        for (int i = 0; i < 10_000; i++) {
            long nowNs = T0 + i * 10 * MS; // a frame every 10 ms: up to four inside one jitter range
            while (!held.isEmpty() && held.peekFirst() - nowNs <= 0) {
                held.pollFirst();
                s.left(200);
            }
            long delayNs = s.schedule(i % 7 == 0 ? HELLO : DataFrames.MESSAGE, 200, nowNs);
            assertThat(delayNs).isNotNegative().isLessThanOrEqualTo(40 * MS);
            long departure = nowNs + delayNs;
            if (i > 0) {
                assertThat(departure).as("frame %d leaves no earlier than frame %d", i, i - 1)
                        .isGreaterThanOrEqualTo(previous);
            }
            if (delayNs > 0 || !held.isEmpty()) {
                held.addLast(departure);
            }
            assertThat(s.heldFrames()).isEqualTo(held.size());
            previous = departure;
            minDelay = Math.min(minDelay, delayNs);
            maxDelay = Math.max(maxDelay, delayNs);
        }
        assertThat(maxDelay).as("jitter spreads the delay").isGreaterThan(35 * MS);
        assertThat(minDelay).isLessThan(10 * MS);
    }

    @Test
    void shouldClampThePerFrameDelayAtZeroWhenJitterExceedsTheDelay() {
        ImpairmentShaper s = shaper(new LinkImpairment(5, 50, 0, 0));
        int immediate = 0;
        for (int i = 0; i < 1000; i++) {
            long delayNs = s.schedule(DataFrames.MESSAGE, 100, T0 + i * 1000 * MS);
            assertThat(delayNs).isBetween(0L, 55 * MS);
            if (delayNs == 0) {
                immediate++;
            } else {
                s.left(100);
            }
        }
        // Delays drawn below 0 (about 45 %) are clamped to 0.
        assertThat(immediate).isBetween(350, 550);
    }

    @Test
    void shouldHoldFramesToTheRateLimit() {
        // 1000 kbit/s = 125,000 bytes/s: 1250 bytes every 10 ms.
        ImpairmentShaper s = shaper(new LinkImpairment(0, 0, 0, 1000));
        long last = 0;
        for (int i = 0; i < 100; i++) {
            last = s.schedule(DataFrames.MESSAGE, 1250, T0);
        }
        // 125,000 bytes sent at once take one second, less the bucket's 10 ms, less the last frame's own 10 ms.
        assertThat(last).isBetween(970 * MS, 990 * MS);
        // Once idle for long, the bucket is full again: the next frame leaves at once.
        while (s.heldFrames() > 0) {
            s.left(1250);
        }
        assertThat(s.schedule(DataFrames.MESSAGE, 1250, T0 + 5_000 * MS)).isZero();
    }

    @Test
    void shouldAddTheDelayAfterTheRateLimit() {
        ImpairmentShaper s = shaper(new LinkImpairment(100, 0, 0, 8)); // 8 kbit/s = 1000 bytes/s
        assertThat(s.schedule(DataFrames.MESSAGE, 1000, T0)).isEqualTo(100 * MS);
        // The first frame took a second of the bucket: the second conforms at T0 + 990 ms.
        assertThat(s.schedule(DataFrames.MESSAGE, 1000, T0)).isEqualTo(1090 * MS);
    }

    @Test
    void shouldDropAllDataAndProbeFramesButNoControlFrameAtFullLoss() {
        ImpairmentShaper s = shaper(new LinkImpairment(0, 0, 100, 0));
        for (int type = DataFrames.OPEN; type <= DataFrames.PROBE; type++) {
            assertThat(s.schedule(type, 100, T0)).as("type %d", type).isEqualTo(ImpairmentShaper.DROPPED);
        }
        for (int type : new int[] {HELLO, LSP, 3, 4}) {
            assertThat(s.schedule(type, 100, T0)).as("type %d", type).isZero();
        }
        assertThat(s.droppedLoss()).isEqualTo(9);
        assertThat(drops).hasSize(9).containsOnly(ImpairmentShaper.DropReason.LOSS);
    }

    @ParameterizedTest(name = "{0} %")
    @ValueSource(doubles = {0.5, 10, 50})
    void shouldDropAboutTheLossRate(double percent) {
        ImpairmentShaper s = shaper(new LinkImpairment(0, 0, percent, 0));
        int n = 100_000;
        for (int i = 0; i < n; i++) {
            s.schedule(DataFrames.MESSAGE, 100, T0);
        }
        assertThat(s.droppedLoss() * 100.0 / n).isCloseTo(percent, org.assertj.core.data.Offset.offset(
                Math.max(0.2, percent / 10)));
    }

    @Test
    void shouldDropDataFramesBeyondTheHeldBoundAndCountThem() {
        ImpairmentShaper s = new ImpairmentShaper(new LinkImpairment(1000, 0, 0, 0), new SplittableRandom(1),
                drops::add, 10_000, 1000);
        for (int i = 0; i < 10; i++) {
            assertThat(s.schedule(DataFrames.MESSAGE, 1000, T0)).isEqualTo(1000 * MS);
        }
        assertThat(s.schedule(DataFrames.MESSAGE, 1, T0)).isEqualTo(ImpairmentShaper.DROPPED);
        assertThat(s.droppedQueue()).isEqualTo(1);
        assertThat(drops).containsExactly(ImpairmentShaper.DropReason.QUEUE);
        // Control frames have twice the room, then they are dropped too: nothing grows without bound.
        for (int i = 0; i < 10; i++) {
            assertThat(s.schedule(LSP, 1000, T0)).isEqualTo(1000 * MS);
        }
        assertThat(s.schedule(HELLO, 50, T0)).isEqualTo(ImpairmentShaper.DROPPED);
        assertThat(s.heldBytes()).isEqualTo(20_000);
        // Room again once frames left.
        s.left(1000);
        assertThat(s.schedule(DataFrames.MESSAGE, 1000, T0)).isEqualTo(ImpairmentShaper.DROPPED);
        assertThat(s.schedule(HELLO, 1000, T0)).isEqualTo(1000 * MS);
    }

    @Test
    void shouldBoundTheHeldFramesByCountToo() {
        ImpairmentShaper s = new ImpairmentShaper(LinkImpairment.delay(10), new SplittableRandom(1), drops::add,
                1 << 20, 3);
        for (int i = 0; i < 3; i++) {
            assertThat(s.schedule(DataFrames.WINDOW_UPDATE, 15, T0)).isPositive();
        }
        assertThat(s.schedule(DataFrames.WINDOW_UPDATE, 15, T0)).isEqualTo(ImpairmentShaper.DROPPED);
    }

    @Test
    void shouldKeepTheOrderOfHeldFramesWhenTheDelayShrinks() {
        ImpairmentShaper s = shaper(LinkImpairment.delay(500));
        assertThat(s.schedule(DataFrames.MESSAGE, 100, T0)).isEqualTo(500 * MS);
        s.update(LinkImpairment.delay(10));
        // Would leave at T0 + 11 ms, but the held frame leaves at T0 + 500 ms: not before it.
        assertThat(s.schedule(DataFrames.MESSAGE, 100, T0 + MS)).isEqualTo(499 * MS);
        s.left(100);
        s.left(100);
        assertThat(s.schedule(DataFrames.MESSAGE, 100, T0 + 600 * MS)).isEqualTo(10 * MS);
    }

    @Test
    void shouldRefuseValuesOutOfRange() {
        assertThatThrownBy(() -> new LinkImpairment(-1, 0, 0, 0)).hasMessage("delayMs: -1 (expected: 0..60000)");
        assertThatThrownBy(() -> new LinkImpairment(60_001, 0, 0, 0)).hasMessageContaining("expected: 0..60000");
        assertThatThrownBy(() -> new LinkImpairment(0, 60_001, 0, 0)).hasMessageStartingWith("jitterMs: 60001");
        assertThatThrownBy(() -> new LinkImpairment(0, 0, Double.NaN, 0)).hasMessage(
                "lossPercent: NaN (expected: 0..100)");
        assertThatThrownBy(() -> new LinkImpairment(0, 0, 100.01, 0)).hasMessageStartingWith("lossPercent");
        assertThatThrownBy(() -> new LinkImpairment(0, 0, Double.NEGATIVE_INFINITY, 0))
                .hasMessageStartingWith("lossPercent");
        assertThatThrownBy(() -> new LinkImpairment(0, 0, 0, 10_000_001)).hasMessageStartingWith("rateKbps");
        assertThatThrownBy(() -> new LinkImpairment(0, 0, 0, -8)).hasMessageStartingWith("rateKbps");
        assertThat(new LinkImpairment(0, 0, -0.0, 0).describe()).isEqualTo(
                "delay 0 ms, jitter 0 ms, loss 0 %, rate unlimited");
        assertThat(new LinkImpairment(50, 10, 1.50, 1000).describe()).isEqualTo(
                "delay 50 ms, jitter 10 ms, loss 1.5 %, rate 1000 kbit/s");
    }
}
