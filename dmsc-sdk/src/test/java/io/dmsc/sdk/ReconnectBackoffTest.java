package io.dmsc.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ReconnectBackoffTest {
    @Test
    void shouldDoubleUpToMaxAndResetAfterWelcome() {
        ReconnectBackoff b = new ReconnectBackoff(100, 500, () -> 0.5);

        assertThat(new long[] {b.nextDelayMs(), b.nextDelayMs(), b.nextDelayMs(), b.nextDelayMs(), b.nextDelayMs()})
                .containsExactly(100, 200, 400, 500, 500);
        b.reset();
        assertThat(b.nextDelayMs()).isEqualTo(100);
    }

    @Test
    void shouldSpreadDelaysByTwentyPercent() {
        assertThat(new ReconnectBackoff(100, 500, () -> 0.0).nextDelayMs()).isEqualTo(80);
        assertThat(new ReconnectBackoff(100, 500, () -> 1.0).nextDelayMs()).isEqualTo(120);
    }

    @Test
    void shouldRejectNonPositiveOrInvertedBounds() {
        assertThatThrownBy(() -> new ReconnectBackoff(0, 10, () -> 0.5)).hasMessage("initialMs: 0 (expected: > 0)");
        assertThatThrownBy(() -> new ReconnectBackoff(10, 5, () -> 0.5))
                .hasMessage("maxMs: 5 (expected: >= initialMs 10)");
    }
}
