package io.dmsc.routing;

import static io.dmsc.routing.SpfBackoff.SpfBackoffState.LONG_WAIT;
import static io.dmsc.routing.SpfBackoff.SpfBackoffState.QUIET;
import static io.dmsc.routing.SpfBackoff.SpfBackoffState.SHORT_WAIT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** RFC 8405 back-off, driven by a fake clock in milliseconds. */
class SpfBackoffTest {
    private static final long INITIAL_MS = 5;
    private static final long SHORT_MS = 50;
    private static final long LONG_MS = 1000;
    private static final long LEARN_MS = 500;
    private static final long HOLD_DOWN_MS = 3000;
    /** An arbitrary start, far from 0, so nothing depends on the clock's origin. */
    private static final long T0_MS = 1_000_000;

    private final SpfBackoff backoff = new SpfBackoff(INITIAL_MS, SHORT_MS, LONG_MS, LEARN_MS, HOLD_DOWN_MS);

    private static long ns(long ms) {
        return TimeUnit.MILLISECONDS.toNanos(ms);
    }

    private void event(long ms) {
        backoff.onEvent(ns(ms));
    }

    private boolean poll(long ms) {
        return backoff.poll(ns(ms));
    }

    /** Polls every millisecond from {@code fromMs} to {@code toMs} inclusive; returns when SPF ran. */
    private List<Long> pollEveryMs(long fromMs, long toMs) {
        List<Long> runs = new ArrayList<>();
        for (long t = fromMs; t <= toMs; t++) {
            if (poll(t)) {
                runs.add(t);
            }
        }
        return runs;
    }

    @Test
    void shouldStartQuietWithNothingScheduled() {
        assertThat(backoff.state()).isEqualTo(QUIET);
        assertThat(backoff.isPending()).isFalse();
        assertThat(backoff.nextDeadlineNs(ns(T0_MS))).isEqualTo(Long.MAX_VALUE);
        assertThat(poll(T0_MS)).isFalse();
    }

    @Test
    void shouldEnterShortWaitAndScheduleInitialDelayOnFirstEvent() {
        event(T0_MS);

        assertThat(backoff.state()).isEqualTo(SHORT_WAIT);
        assertThat(backoff.isPending()).isTrue();
        assertThat(backoff.nextDeadlineNs(ns(T0_MS))).isEqualTo(ns(T0_MS + INITIAL_MS));
        assertThat(poll(T0_MS + INITIAL_MS - 1)).isFalse();
        assertThat(poll(T0_MS + INITIAL_MS)).isTrue();
        assertThat(backoff.isPending()).isFalse();
        assertThat(poll(T0_MS + INITIAL_MS)).as("runs once").isFalse();
    }

    @Test
    void shouldAbsorbBurstIntoOneSpf() {
        for (long t = T0_MS; t < T0_MS + INITIAL_MS; t++) {
            for (int i = 0; i < 20; i++) {
                event(t);
            }
            assertThat(poll(t)).isFalse();
        }

        assertThat(pollEveryMs(T0_MS + INITIAL_MS, T0_MS + HOLD_DOWN_MS * 2)).containsExactly(T0_MS + INITIAL_MS);
    }

    @Test
    void shouldNotPostponePendingSpfWhenMoreEventsArrive() {
        event(T0_MS);
        event(T0_MS + 4);

        assertThat(backoff.nextDeadlineNs(ns(T0_MS + 4))).isEqualTo(ns(T0_MS + INITIAL_MS));
        assertThat(poll(T0_MS + INITIAL_MS)).isTrue();
    }

    @Test
    void shouldUseShortDelayForEventsAfterFirstSpf() {
        event(T0_MS);
        assertThat(poll(T0_MS + INITIAL_MS)).isTrue();

        event(T0_MS + 10);

        assertThat(backoff.state()).isEqualTo(SHORT_WAIT);
        assertThat(pollEveryMs(T0_MS + 10, T0_MS + 400)).containsExactly(T0_MS + 10 + SHORT_MS);
    }

    @Test
    void shouldMoveToLongWaitAfterTimeToLearn() {
        event(T0_MS);
        assertThat(poll(T0_MS + LEARN_MS - 1)).isTrue();
        assertThat(backoff.state()).isEqualTo(SHORT_WAIT);

        assertThat(poll(T0_MS + LEARN_MS)).isFalse();

        assertThat(backoff.state()).isEqualTo(LONG_WAIT);
        event(T0_MS + LEARN_MS + 1);
        assertThat(pollEveryMs(T0_MS + LEARN_MS + 1, T0_MS + LEARN_MS + 2 * LONG_MS))
                .containsExactly(T0_MS + LEARN_MS + 1 + LONG_MS);
    }

    @Test
    void shouldReturnToQuietAfterHoldDownWithoutEvents() {
        event(T0_MS);
        event(T0_MS + 700);
        pollEveryMs(T0_MS, T0_MS + 700 + HOLD_DOWN_MS - 1);
        assertThat(backoff.state()).isEqualTo(LONG_WAIT);

        assertThat(poll(T0_MS + 700 + HOLD_DOWN_MS)).isFalse();

        assertThat(backoff.state()).isEqualTo(QUIET);
        assertThat(backoff.nextDeadlineNs(ns(T0_MS + 700 + HOLD_DOWN_MS))).isEqualTo(Long.MAX_VALUE);
        long t = T0_MS + 700 + HOLD_DOWN_MS + 1;
        event(t);
        assertThat(backoff.state()).isEqualTo(SHORT_WAIT);
        assertThat(pollEveryMs(t, t + 100)).as("initial delay again").containsExactly(t + INITIAL_MS);
    }

    @Test
    void shouldRestartHoldDownOnEveryEvent() {
        event(T0_MS);
        for (long t = T0_MS; t <= T0_MS + 10 * HOLD_DOWN_MS; t += HOLD_DOWN_MS / 2) {
            event(t);
            pollEveryMs(t, t + HOLD_DOWN_MS / 2 - 1);
            assertThat(backoff.state()).isNotEqualTo(QUIET);
        }
    }

    @Test
    void shouldReturnToQuietFromShortWaitWhenHoldDownIsShorterThanTimeToLearn() {
        SpfBackoff b = new SpfBackoff(0, 10, 100, 5000, 200);
        b.onEvent(ns(T0_MS));
        assertThat(b.poll(ns(T0_MS))).isTrue();

        assertThat(b.poll(ns(T0_MS + 200))).isFalse();

        assertThat(b.state()).isEqualTo(QUIET);
        b.onEvent(ns(T0_MS + 6000));
        assertThat(b.state()).as("a stale learn timer must not push it to LONG_WAIT").isEqualTo(SHORT_WAIT);
        assertThat(b.poll(ns(T0_MS + 6000))).isTrue();
    }

    @Test
    void shouldUseInitialDelayForEventAfterHoldDownEvenWithoutPollInBetween() {
        // Time is an argument: a hold-down that has passed has passed, whether or not the owner
        // polled in between (RFC 8405: the HOLDDOWN timer expiry returns the machine to QUIET).
        event(T0_MS);
        assertThat(poll(T0_MS + INITIAL_MS)).isTrue();
        long later = T0_MS + HOLD_DOWN_MS + 10;

        event(later);

        assertThat(backoff.state()).isEqualTo(SHORT_WAIT);
        assertThat(backoff.nextDeadlineNs(ns(later))).isEqualTo(ns(later + INITIAL_MS));
        assertThat(pollEveryMs(later, later + 100)).containsExactly(later + INITIAL_MS);
    }

    @Test
    void shouldUseLongDelayForEventAfterTimeToLearnEvenWithoutPollInBetween() {
        event(T0_MS);
        assertThat(poll(T0_MS + INITIAL_MS)).isTrue();
        long later = T0_MS + LEARN_MS + 1;

        event(later);

        assertThat(backoff.state()).isEqualTo(LONG_WAIT);
        assertThat(backoff.nextDeadlineNs(ns(later))).isEqualTo(ns(later + LONG_MS));
    }

    @Test
    void shouldPaceStormByStateDelays() {
        // An event every 10 ms for 5 s, then silence.
        List<Long> runs = new ArrayList<>();
        for (long t = T0_MS; t <= T0_MS + 5000 + 2 * HOLD_DOWN_MS; t++) {
            if (t <= T0_MS + 5000 && (t - T0_MS) % 10 == 0) {
                event(t);
            }
            if (poll(t)) {
                runs.add(t - T0_MS);
            }
        }

        // Initial delay, then short delays until time-to-learn, then long delays; the storm's
        // last events are served by one final run.
        List<Long> expected = new ArrayList<>();
        expected.add(INITIAL_MS);
        long t = INITIAL_MS;
        while (t < LEARN_MS) {
            // The next event after a run is at most 10 ms later; the run follows SHORT_MS after it.
            long nextEvent = (t / 10 + 1) * 10;
            t = nextEvent + (nextEvent < LEARN_MS ? SHORT_MS : LONG_MS);
            expected.add(t);
        }
        while (t < 5000) {
            long nextEvent = (t / 10 + 1) * 10;
            t = nextEvent + LONG_MS;
            expected.add(t);
        }
        assertThat(runs).containsExactlyElementsOf(expected);
        assertThat(backoff.state()).isEqualTo(QUIET);
    }

    @Test
    void shouldValidateDelays() {
        assertThatThrownBy(() -> new SpfBackoff(-1, 50, 1000, 500, 3000))
                .hasMessageContaining("initialDelayMs: -1 (expected: >= 0)");
        assertThatThrownBy(() -> new SpfBackoff(10, 5, 1000, 500, 3000))
                .hasMessageContaining("shortDelayMs: 5 (expected: >= 10)");
        assertThatThrownBy(() -> new SpfBackoff(5, 50, 40, 500, 3000))
                .hasMessageContaining("longDelayMs: 40 (expected: >= 50)");
        assertThatThrownBy(() -> new SpfBackoff(5, 50, 1000, -1, 3000))
                .hasMessageContaining("timeToLearnMs: -1 (expected: >= 0)");
        assertThatThrownBy(() -> new SpfBackoff(5, 50, 1000, 500, 0))
                .hasMessageContaining("holdDownMs: 0 (expected: >= 1)");
    }
}
