package io.dmsc.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dmsc.routing.Adjacency.Transition;
import io.dmsc.wire.link.HelloMessage;
import io.dmsc.wire.link.LinkFrameCodec;
import io.dmsc.wire.link.NodeRole;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class AdjacencyTest {
    private static final long HELLO_MS = 1000;
    private static final int HOLD_MS = 3000;
    private static final long T0 = TimeUnit.SECONDS.toNanos(1000);

    private final Adjacency adjacency = new Adjacency("a", NodeRole.SR, HELLO_MS, HOLD_MS, T0);

    private static long ms(long ms) {
        return T0 + TimeUnit.MILLISECONDS.toNanos(ms);
    }

    private static HelloMessage hello(String from, String heard) {
        return new HelloMessage(LinkFrameCodec.VERSION, from, HOLD_MS, heard, NodeRole.SG);
    }

    @Test
    void shouldStartDownAndSendFirstHelloAtOnce() {
        assertThat(adjacency.state()).isEqualTo(AdjacencyState.DOWN);
        assertThat(adjacency.neighborId()).isEmpty();
        assertThat(adjacency.neighborRole()).isNull();
        assertThat(adjacency.nextDeadlineNs(T0)).isEqualTo(T0);

        HelloMessage h = adjacency.pollHello(T0);

        assertThat(h).isEqualTo(new HelloMessage(LinkFrameCodec.VERSION, "a", HOLD_MS, "", NodeRole.SR));
        assertThat(adjacency.pollHello(T0)).isNull();
    }

    @Test
    void shouldSendHelloEveryInterval() {
        adjacency.pollHello(T0);

        assertThat(adjacency.pollHello(ms(HELLO_MS - 1))).isNull();
        assertThat(adjacency.nextDeadlineNs(ms(1))).isEqualTo(ms(HELLO_MS));
        assertThat(adjacency.pollHello(ms(HELLO_MS))).isNotNull();
        assertThat(adjacency.pollHello(ms(2 * HELLO_MS - 1))).isNull();
        assertThat(adjacency.pollHello(ms(2 * HELLO_MS))).isNotNull();
    }

    @Test
    void shouldGoToInitOnHelloThatDoesNotListUs() {
        adjacency.pollHello(T0);

        Transition t = adjacency.onHello(hello("b", ""), ms(100));

        assertThat(t).isEqualTo(Transition.NONE);
        assertThat(adjacency.state()).isEqualTo(AdjacencyState.INIT);
        assertThat(adjacency.neighborId()).isEqualTo("b");
        assertThat(adjacency.neighborRole()).isEqualTo(NodeRole.SG);
    }

    @Test
    void shouldAnswerFirstHelloAtOnceListingTheNeighbour() {
        adjacency.pollHello(T0);
        adjacency.onHello(hello("b", ""), ms(100));

        HelloMessage answer = adjacency.pollHello(ms(100));

        assertThat(answer).isNotNull();
        assertThat(answer.heardNodeId()).isEqualTo("b");
        assertThat(adjacency.pollHello(ms(101))).as("then back to the interval").isNull();
        assertThat(adjacency.pollHello(ms(100 + HELLO_MS))).isNotNull();
    }

    @Test
    void shouldComeUpWhenNeighbourListsUs() {
        adjacency.onHello(hello("b", ""), ms(0));

        Transition t = adjacency.onHello(hello("b", "a"), ms(10));

        assertThat(t).isEqualTo(Transition.UP);
        assertThat(adjacency.state()).isEqualTo(AdjacencyState.UP);
        assertThat(adjacency.onHello(hello("b", "a"), ms(20))).as("no second UP").isEqualTo(Transition.NONE);
    }

    @Test
    void shouldComeUpOnFirstHelloThatAlreadyListsUs() {
        assertThat(adjacency.onHello(hello("b", "a"), ms(0))).isEqualTo(Transition.UP);
    }

    @Test
    void shouldNotComeUpWhenNeighbourListsSomeoneElse() {
        assertThat(adjacency.onHello(hello("b", "c"), ms(0))).isEqualTo(Transition.NONE);
        assertThat(adjacency.state()).isEqualTo(AdjacencyState.INIT);
    }

    @Test
    void shouldAnswerAtOnceWhenStateChanges() {
        adjacency.onHello(hello("b", ""), ms(0));
        adjacency.pollHello(ms(0));
        assertThat(adjacency.pollHello(ms(10))).isNull();

        adjacency.onHello(hello("b", "a"), ms(10));

        assertThat(adjacency.pollHello(ms(10))).as("answer on INIT -> UP").isNotNull();
        adjacency.onHello(hello("b", "a"), ms(20));
        assertThat(adjacency.pollHello(ms(20))).as("no answer without a change").isNull();
        adjacency.onHello(hello("b", ""), ms(30));
        assertThat(adjacency.pollHello(ms(30))).as("answer on UP -> INIT").isNotNull();
    }

    @Test
    void shouldLeaveUpWhenNeighbourStopsListingUs() {
        adjacency.onHello(hello("b", "a"), ms(0));

        Transition t = adjacency.onHello(hello("b", ""), ms(10));

        assertThat(t).isEqualTo(Transition.DOWN);
        assertThat(adjacency.state()).isEqualTo(AdjacencyState.INIT);
    }

    @Test
    void shouldGoDownWhenHoldTimerExpires() {
        adjacency.onHello(hello("b", "a"), ms(0));

        assertThat(adjacency.onTimer(ms(HOLD_MS - 1))).isEqualTo(Transition.NONE);
        assertThat(adjacency.state()).isEqualTo(AdjacencyState.UP);
        assertThat(adjacency.onTimer(ms(HOLD_MS))).isEqualTo(Transition.DOWN);
        assertThat(adjacency.state()).isEqualTo(AdjacencyState.DOWN);
        assertThat(adjacency.onTimer(ms(HOLD_MS + 1))).isEqualTo(Transition.NONE);
    }

    @Test
    void shouldUseHoldTimeAnnouncedByNeighbour() {
        adjacency.onHello(new HelloMessage(LinkFrameCodec.VERSION, "b", 10_000, "a", NodeRole.SR), ms(0));

        assertThat(adjacency.nextDeadlineNs(ms(0))).isEqualTo(ms(0));
        adjacency.pollHello(ms(0));
        assertThat(adjacency.onTimer(ms(9_999))).isEqualTo(Transition.NONE);
        assertThat(adjacency.onTimer(ms(10_000))).isEqualTo(Transition.DOWN);
    }

    @Test
    void shouldRestartHoldTimerOnEveryHello() {
        adjacency.onHello(hello("b", "a"), ms(0));
        for (long t = 1000; t <= 30_000; t += 1000) {
            adjacency.onHello(hello("b", "a"), ms(t));
            assertThat(adjacency.onTimer(ms(t + HOLD_MS - 1))).isEqualTo(Transition.NONE);
        }
        assertThat(adjacency.state()).isEqualTo(AdjacencyState.UP);
    }

    @Test
    void shouldExpireFromInitWithoutDownTransition() {
        adjacency.onHello(hello("b", ""), ms(0));

        assertThat(adjacency.onTimer(ms(HOLD_MS))).isEqualTo(Transition.NONE);
        assertThat(adjacency.state()).isEqualTo(AdjacencyState.DOWN);
    }

    @Test
    void shouldStopClaimingToHearNeighbourAfterHoldTimerExpires() {
        adjacency.onHello(hello("b", "a"), ms(0));
        adjacency.pollHello(ms(0));
        adjacency.onTimer(ms(HOLD_MS));

        HelloMessage h = adjacency.pollHello(ms(HOLD_MS));

        // Otherwise the neighbour, whose hellos we no longer hear, would keep its side up.
        assertThat(h).isNotNull();
        assertThat(h.heardNodeId()).isEmpty();
    }

    @Test
    void shouldAnswerAtOnceWhenHelloArrivesAfterExpiry() {
        adjacency.onHello(hello("b", "a"), ms(0));
        adjacency.pollHello(ms(0));
        adjacency.onTimer(ms(HOLD_MS));
        adjacency.pollHello(ms(HOLD_MS));

        adjacency.onHello(hello("b", ""), ms(HOLD_MS + 10));

        assertThat(adjacency.state()).isEqualTo(AdjacencyState.INIT);
        HelloMessage answer = adjacency.pollHello(ms(HOLD_MS + 10));
        assertThat(answer).as("answer on DOWN -> INIT").isNotNull();
        assertThat(answer.heardNodeId()).isEqualTo("b");
    }

    @Test
    void shouldGoDownAtOnceWhenLinkCloses() {
        adjacency.onHello(hello("b", "a"), ms(0));

        assertThat(adjacency.onLinkClosed()).isEqualTo(Transition.DOWN);
        assertThat(adjacency.state()).isEqualTo(AdjacencyState.DOWN);
        assertThat(adjacency.onTimer(ms(HOLD_MS))).isEqualTo(Transition.NONE);
        assertThat(adjacency.onLinkClosed()).isEqualTo(Transition.NONE);
    }

    @Test
    void shouldNotReportDownWhenLinkClosesBeforeUp() {
        adjacency.onHello(hello("b", ""), ms(0));

        assertThat(adjacency.onLinkClosed()).isEqualTo(Transition.NONE);
        assertThat(adjacency.state()).isEqualTo(AdjacencyState.DOWN);
    }

    @Test
    void shouldRejectHelloFromAnotherNodeOnTheSameLink() {
        adjacency.onHello(hello("b", "a"), ms(0));

        assertThatThrownBy(() -> adjacency.onHello(hello("c", "a"), ms(10)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("hello from 'c' on a link to 'b'")
                .hasMessageContaining("expected: the same node id for the life of a link");
        assertThat(adjacency.neighborId()).isEqualTo("b");
        assertThat(adjacency.state()).isEqualTo(AdjacencyState.UP);
    }

    @Test
    void shouldRejectHelloFromAnotherNodeEvenAfterExpiry() {
        adjacency.onHello(hello("b", "a"), ms(0));
        adjacency.onTimer(ms(HOLD_MS));

        assertThatThrownBy(() -> adjacency.onHello(hello("c", ""), ms(HOLD_MS + 1)))
                .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void shouldRejectHelloCarryingOwnNodeId() {
        assertThatThrownBy(() -> adjacency.onHello(hello("a", "a"), ms(0)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("our own node id 'a'")
                .hasMessageContaining("looped back");
        assertThat(adjacency.state()).isEqualTo(AdjacencyState.DOWN);
        assertThat(adjacency.neighborId()).isEmpty();
    }

    @Test
    void shouldCompleteTwoWayCheckInOneRoundTrip() {
        Adjacency b = new Adjacency("b", NodeRole.SG, HELLO_MS, HOLD_MS, T0);
        // Zero-latency exchange at one instant: a hello, b answers at once, a answers at once.
        int upA = 0;
        int upB = 0;
        for (int round = 0; round < 4; round++) {
            HelloMessage fromA = adjacency.pollHello(T0);
            if (fromA != null && b.onHello(fromA, T0) == Transition.UP) {
                upB++;
            }
            HelloMessage fromB = b.pollHello(T0);
            if (fromB != null && adjacency.onHello(fromB, T0) == Transition.UP) {
                upA++;
            }
        }

        assertThat(adjacency.state()).isEqualTo(AdjacencyState.UP);
        assertThat(b.state()).isEqualTo(AdjacencyState.UP);
        assertThat(upA).isEqualTo(1);
        assertThat(upB).isEqualTo(1);
    }

    @Test
    void shouldValidateTimers() {
        assertThatThrownBy(() -> new Adjacency("a", NodeRole.SR, 0, 3000, T0))
                .hasMessageContaining("helloIntervalMs: 0 (expected: > 0)");
        assertThatThrownBy(() -> new Adjacency("a", NodeRole.SR, 1000, 1000, T0))
                .hasMessageContaining("holdTimeMs: 1000 (expected: > helloIntervalMs 1000)");
    }
}
