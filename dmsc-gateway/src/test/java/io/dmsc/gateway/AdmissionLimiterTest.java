package io.dmsc.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The adaptive bound on calls waiting for a first answer, driven with a clock of the test's. */
class AdmissionLimiterTest {
    private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);
    private long now = 1_000_000 * MS;

    /** Starts {@code n} calls; returns their tickets (null where refused). */
    private List<AdmissionLimiter.Target> admit(AdmissionLimiter l, String target, int n) {
        List<AdmissionLimiter.Target> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(l.admit(target, now));
        }
        return out;
    }

    /** One window of {@code calls} calls answered {@code latencyMs} after they started, {@code inFlight} at once. */
    private void window(AdmissionLimiter l, String target, int inFlight, long latencyMs) {
        long end = now + AdmissionLimiter.WINDOW_MS * MS;
        while (now < end) {
            List<AdmissionLimiter.Target> t = admit(l, target, inFlight);
            long start = now;
            now += latencyMs * MS;
            for (AdmissionLimiter.Target x : t) {
                if (x != null) {
                    l.answered(x, start, now);
                }
            }
        }
    }

    @Test
    void shouldAdmitABurstThenShedOnceAnswersSlowDownAndRecoverWhenTheyComeBack() {
        AdmissionLimiter l = new AdmissionLimiter(20_000, true);
        List<AdmissionLimiter.Target> burst = admit(l, "/B", 10_000);
        assertThat(burst).doesNotContainNull();
        // ... answered in 1 ms: the usual time.
        long start = now;
        now += MS;
        burst.forEach(t -> l.answered(t, start, now));
        for (int i = 0; i < 5; i++) {
            window(l, "/B", 50, 1);
        }
        assertThat(l.limitOf("/B")).isEqualTo(20_000);

        // Answers now take 20 ms with 200 calls waiting: the limit comes down to about what waits.
        for (int i = 0; i < 5; i++) {
            window(l, "/B", 200, 20);
        }
        assertThat(l.limitOf("/B")).isLessThan(200).isGreaterThanOrEqualTo(AdmissionLimiter.MIN_LIMIT);
        long shedBefore = l.shed();
        List<AdmissionLimiter.Target> held = admit(l, "/B", 300);
        assertThat(held).containsNull();
        long refused = held.stream().filter(t -> t == null).count();
        assertThat(l.shed() - shedBefore).isEqualTo(refused);
        assertThat(l.refusal("sg-1", "/B")).contains("gateway sg-1 is shedding load").contains("calls to /B")
                .contains("retry later");
        held.stream().filter(t -> t != null).forEach(l::released);

        // Another target is not affected.
        assertThat(admit(l, "/C", 1000)).doesNotContainNull();

        // Answers back to 1 ms with calls waiting up to the limit: it grows again.
        double low = l.limitOf("/B");
        for (int i = 0; i < 50; i++) {
            window(l, "/B", (int) l.limitOf("/B"), 1);
        }
        assertThat(l.limitOf("/B")).isGreaterThan(2 * low);
    }

    @Test
    void shouldNotCountCallsThatHaveBeenAnsweredLikeOpenStreams() {
        AdmissionLimiter l = new AdmissionLimiter(AdmissionLimiter.MIN_LIMIT, true);
        for (int i = 0; i < 10 * AdmissionLimiter.MIN_LIMIT; i++) {
            AdmissionLimiter.Target t = l.admit("/S", now);
            assertThat(t).as("stream %d", i).isNotNull();
            l.answered(t, now, now + MS); // a stream that answered stays open, but no longer waits
        }
        assertThat(admit(l, "/S", AdmissionLimiter.MIN_LIMIT)).doesNotContainNull();
        assertThat(l.admit("/S", now)).as("beyond the limit of waiting calls").isNull();
    }

    @Test
    void shouldOnlyCountWhenTurnedOff() {
        AdmissionLimiter l = new AdmissionLimiter(20, false);
        for (int i = 0; i < 5; i++) {
            window(l, "/B", 100, 50);
        }
        assertThat(admit(l, "/B", 1000)).doesNotContainNull();
        assertThat(l.shed()).isZero();
    }

    @Test
    void shouldForgetIdleTargetsBeyondItsBound() {
        AdmissionLimiter l = new AdmissionLimiter(100, true);
        for (int i = 0; i < AdmissionLimiter.MAX_TARGETS + 500; i++) {
            l.released(l.admit("/t/" + i, now));
        }
        assertThat(l.size()).isEqualTo(AdmissionLimiter.MAX_TARGETS);
    }
}
