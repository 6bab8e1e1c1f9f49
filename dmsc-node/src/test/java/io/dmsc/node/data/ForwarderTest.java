package io.dmsc.node.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dmsc.node.link.LinkChannel;
import io.dmsc.routing.Fib;
import io.dmsc.routing.FibEntry;
import io.dmsc.wire.ServicePrefix;
import io.dmsc.wire.data.DataFrames;
import io.dmsc.wire.link.LinkMessage;
import io.dmsc.wire.proto.data.v1.Close;
import io.dmsc.wire.proto.data.v1.OpenTail;
import io.dmsc.wire.proto.data.v1.Probe;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.DefaultEventLoop;
import io.netty.channel.EventLoop;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The forwarder of one node between hand-made links: routing of OPEN, switching by flow entry
 * in both directions, failure handling, back-pressure and probes. Runs on a real event loop.
 */
class ForwarderTest {
    private static final ByteBufAllocator ALLOC = ByteBufAllocator.DEFAULT;

    private EventLoop loop;
    private volatile Fib fib = Fib.EMPTY;
    private DataPlaneMetrics metrics;
    private Forwarder forwarder;
    private final RecordingLink a = new RecordingLink("a");
    private final RecordingLink b = new RecordingLink("b");
    private final RecordingLink c = new RecordingLink("c");

    /** A link that records what is sent on it. Thread-safe. */
    static final class RecordingLink implements LinkChannel {
        final String name;
        final List<byte[]> sent = new CopyOnWriteArrayList<>();
        volatile boolean writable = true;
        volatile boolean readable = true;
        volatile boolean closed;

        RecordingLink(String name) {
            this.name = name;
        }

        @Override
        public boolean send(LinkMessage message) {
            return true;
        }

        @Override
        public boolean sendData(ByteBuf frame) {
            try {
                if (closed) {
                    return false;
                }
                sent.add(io.netty.buffer.ByteBufUtil.getBytes(frame));
                return true;
            } finally {
                frame.release();
            }
        }

        @Override
        public boolean isWritable() {
            return writable;
        }

        @Override
        public void setReadable(boolean value) {
            readable = value;
        }

        @Override
        public void close() {
            closed = true;
        }

        @Override
        public boolean isOutbound() {
            return true;
        }

        @Override
        public String remoteAddress() {
            return name;
        }

        @Override
        public Object attachment() {
            return null;
        }

        @Override
        public long id() {
            return name.hashCode();
        }

        @Override
        public long lastReceivedNs() {
            return 0;
        }

        @Override
        public boolean isReadPaused() {
            return !readable;
        }

        ByteBuf frame(int i) {
            return io.netty.buffer.Unpooled.wrappedBuffer(sent.get(i));
        }
    }

    @BeforeEach
    void start() {
        loop = new DefaultEventLoop();
        metrics = new DataPlaneMetrics(new SimpleMeterRegistry());
        forwarder = new Forwarder("x", loop, () -> fib, metrics, 60_000);
        forwarder.start();
        fib = new Fib(List.of(
                new FibEntry(ServicePrefix.parse("/B"), List.of("b"), false, 10),
                new FibEntry(ServicePrefix.parse("/E"), List.of("a", "b"), false, 10),
                new FibEntry(ServicePrefix.parse("/_dmsc/node/x"), List.of(), true, 0)));
        forwarder.linkUp("a", a);
        forwarder.linkUp("b", b);
        forwarder.linkUp("c", c);
    }

    @AfterEach
    void stop() throws Exception {
        forwarder.stop();
        loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }

    private <T> T onLoop(Callable<T> task) throws Exception {
        return loop.submit(task).get(5, TimeUnit.SECONDS);
    }

    private void receive(RecordingLink on, ByteBuf frame) throws Exception {
        onLoop(() -> {
            forwarder.onData(on, frame);
            return null;
        });
    }

    private static ByteBuf open(int word, int hops, long timeoutNs, String name) {
        return DataFrames.open(ALLOC, word, hops, timeoutNs, name,
                OpenTail.newBuilder().setMethod("s.S/m").setTarget("/B").setOrigin("o").build());
    }

    private List<FlowInfo> flows() throws Exception {
        return forwarder.flows().get(5, TimeUnit.SECONDS);
    }

    @Test
    void shouldRouteAnOpenAndSwitchLaterFramesBothWaysByFlowEntry() throws Exception {
        receive(a, open(5, 10, 0, "/B/s.S/m"));
        assertThat(b.sent).hasSize(1);
        ByteBuf out = b.frame(0);
        int id = DataFrames.streamWord(out);
        assertThat(id & DataFrames.REPLY_BIT).isZero();
        assertThat(DataFrames.hopLimit(out)).isEqualTo(9);
        assertThat(DataFrames.openName(out)).isEqualTo("/B/s.S/m");
        assertThat(flows()).singleElement().satisfies(f -> {
            assertThat(f.upstream()).isEqualTo("a");
            assertThat(f.downstream()).isEqualTo("b");
        });

        receive(a, DataFrames.message(ALLOC, 5, new byte[] {7}, 0, 1, true));
        assertThat(DataFrames.streamWord(b.frame(1))).isEqualTo(id);
        receive(b, DataFrames.empty(ALLOC, DataFrames.ACCEPT, id | DataFrames.REPLY_BIT));
        assertThat(a.sent).hasSize(1);
        assertThat(DataFrames.streamWord(a.frame(0))).isEqualTo(5 | DataFrames.REPLY_BIT);
        receive(b, DataFrames.close(ALLOC, id | DataFrames.REPLY_BIT, Close.newBuilder().setCode(0).build()));
        assertThat(DataFrames.type(a.frame(1))).isEqualTo(DataFrames.CLOSE);
        assertThat(flows()).as("CLOSE removes the entry at this hop").isEmpty();
        receive(a, DataFrames.message(ALLOC, 5, new byte[] {8}, 0, 1, true));
        assertThat(b.sent).as("frames after CLOSE go nowhere").hasSize(2);
        assertThat(metrics.droppedFor("unknown_flow")).isEqualTo(1);
    }

    @Test
    void shouldAnswerNoRouteHopLimitAndExpiredDeadlineFromInsideTheFabric() throws Exception {
        receive(a, open(1, 10, 0, "/nowhere/s.S/m"));
        receive(a, open(3, 1, 0, "/B/s.S/m"));
        assertThat(a.sent).hasSize(2);
        Close noRoute = DataFrames.close(a.frame(0));
        assertThat(noRoute.getCode()).isEqualTo(14);
        assertThat(noRoute.getFabric()).isTrue();
        assertThat(noRoute.getMessage()).isEqualTo("no route to /nowhere/s.S/m at x");
        assertThat(DataFrames.streamWord(a.frame(0))).isEqualTo(1 | DataFrames.REPLY_BIT);
        assertThat(DataFrames.close(a.frame(1)).getMessage()).startsWith("hop limit exceeded at x");
        assertThat(b.sent).isEmpty();
        assertThat(flows()).isEmpty();
    }

    @Test
    void shouldAnswerResourceExhaustedOnceTheFlowTableIsFullAndTakeOpensAgainWhenFlowsEnd() throws Exception {
        forwarder.limitFlows(3);
        for (int i = 0; i < 5; i++) {
            receive(a, open(1 + 2 * i, 10, 0, "/B/s.S/m"));
        }
        assertThat(b.sent).as("three OPENs forwarded").hasSize(3);
        assertThat(a.sent).as("two answered at once").hasSize(2);
        Close full = DataFrames.close(a.frame(0));
        assertThat(full.getCode()).isEqualTo(8);
        assertThat(full.getMessage()).isEqualTo("flow table of x is full (3 calls in flight; expected: fewer "
                + "concurrent calls through it, or a larger limits.maxFlows)");
        assertThat(flows()).hasSize(3);
        assertThat(metrics.droppedFor("flow_table_full")).isEqualTo(2);

        int first = DataFrames.streamWord(b.frame(0));
        receive(b, DataFrames.close(ALLOC, first | DataFrames.REPLY_BIT, Close.newBuilder().setCode(0).build()));
        receive(a, open(21, 10, 0, "/B/s.S/m"));
        assertThat(b.sent).as("room again after a flow ended").hasSize(4);
        assertThat(flows()).hasSize(3);
    }

    @Test
    void shouldAnswerAnOpenOnALinkWhoseAdjacencyIsNotUpYet() throws Exception {
        RecordingLink early = new RecordingLink("early");
        receive(early, open(3, 10, 0, "/B/s.S/m"));
        assertThat(early.sent).hasSize(1);
        assertThat(DataFrames.streamWord(early.frame(0))).isEqualTo(3 | DataFrames.REPLY_BIT);
        Close close = DataFrames.close(early.frame(0));
        assertThat(close.getCode()).isEqualTo(14);
        assertThat(close.getFabric()).isTrue();
        assertThat(close.getMessage()).isEqualTo("link to x is not up yet for data");
        assertThat(b.sent).isEmpty();
        assertThat(metrics.droppedFor("link_not_up")).isEqualTo(1);
    }

    @Test
    void shouldNeverSendAStreamBackOnItsOwnLink() throws Exception {
        for (int i = 1; i <= 4; i++) {
            receive(a, open(i, 10, 0, "/E/s.S/m"));
        }
        assertThat(a.sent).isEmpty();
        assertThat(b.sent).hasSize(4);
    }

    @Test
    void shouldFailBothSidesWhenALinkOfTheFlowFails() throws Exception {
        receive(a, open(5, 10, 0, "/B/s.S/m"));
        forwarder.linkDown(b);
        await().atMost(Duration.ofSeconds(5)).until(() -> a.sent.size() == 1);
        Close close = DataFrames.close(a.frame(0));
        assertThat(close.getCode()).isEqualTo(14);
        assertThat(close.getFabric()).isTrue();
        assertThat(close.getMessage()).contains("x-b failed mid-call");
        assertThat(flows()).isEmpty();
        receive(a, open(6, 10, 0, "/B/s.S/m"));
        assertThat(DataFrames.close(a.frame(1)).getMessage()).contains("no usable link to [b]");
    }

    @Test
    void shouldCancelDownstreamWhenTheUpstreamLinkFails() throws Exception {
        receive(a, open(5, 10, 0, "/B/s.S/m"));
        forwarder.linkDown(a);
        await().atMost(Duration.ofSeconds(5)).until(() -> b.sent.size() == 2);
        assertThat(DataFrames.type(b.frame(1))).isEqualTo(DataFrames.CANCEL);
        assertThat(DataFrames.cancel(b.frame(1)).getCode()).isEqualTo(14);
    }

    @Test
    void shouldPauseTheSourceWhileTheOutLinkIsCongested() throws Exception {
        b.writable = false;
        receive(a, open(5, 10, 0, "/B/s.S/m"));
        assertThat(a.readable).isFalse();
        b.writable = true;
        forwarder.onWritabilityChanged(b, true);
        await().atMost(Duration.ofSeconds(5)).until(() -> a.readable);
    }

    @Test
    void shouldReapFlowsPastTheirDeadline() throws Exception {
        receive(a, open(5, 10, TimeUnit.MILLISECONDS.toNanos(50), "/B/s.S/m"));
        await().atMost(Duration.ofSeconds(5)).until(() -> a.sent.size() == 1 && b.sent.size() == 2);
        assertThat(DataFrames.close(a.frame(0)).getCode()).isEqualTo(4);
        assertThat(DataFrames.cancel(b.frame(1)).getCode()).isEqualTo(4);
        assertThat(flows()).isEmpty();
    }

    @Test
    void shouldDeliverLocallyAndLetTheLocalEndAnswer() throws Exception {
        fib = new Fib(List.of(new FibEntry(ServicePrefix.parse("/L"), List.of(), true, 0)));
        List<Integer> seen = new ArrayList<>();
        forwarder.setLocalDelivery((openFrame, upstream) -> {
            openFrame.release();
            upstream.send(DataFrames.empty(ALLOC, DataFrames.ACCEPT, 0));
            return frame -> {
                seen.add(DataFrames.type(frame));
                frame.release();
                upstream.send(DataFrames.close(ALLOC, 0, Close.newBuilder().setCode(0).build()));
            };
        });
        receive(a, open(9, 10, 0, "/L/s.S/m"));
        receive(a, DataFrames.empty(ALLOC, DataFrames.HALF_CLOSE, 9));
        assertThat(seen).containsExactly(DataFrames.HALF_CLOSE);
        assertThat(a.sent).extracting(f -> DataFrames.type(io.netty.buffer.Unpooled.wrappedBuffer(f)))
                .containsExactly(DataFrames.ACCEPT, DataFrames.CLOSE);
        assertThat(flows()).isEmpty();
    }

    @Test
    void shouldAnswerProbesWithEchoOrTimeExceeded() throws Exception {
        List<Probe> replies = new CopyOnWriteArrayList<>();
        forwarder.setProbeListener((p, now) -> replies.add(p));
        fib = new Fib(List.of(new FibEntry(ServicePrefix.parse("/B"), List.of("b"), false, 10),
                new FibEntry(ServicePrefix.parse("/_dmsc/node/x"), List.of(), true, 0),
                new FibEntry(ServicePrefix.parse("/_dmsc/node/far"), List.of("b"), false, 10)));
        Probe self = Probe.newBuilder().setKind(Probe.Kind.ECHO_REQUEST).setOrigin("x").setName("/_dmsc/node/x")
                .setProbeId(1).setInitialHopLimit(8).build();
        forwarder.sendProbe(8, self);
        await().atMost(Duration.ofSeconds(5)).until(() -> replies.size() == 1);
        assertThat(replies.get(0).getKind()).isEqualTo(Probe.Kind.ECHO_REPLY);
        assertThat(replies.get(0).getResponder()).isEqualTo("x");
        // A request from "far" whose hop limit runs out here: TIME_EXCEEDED routed back towards far.
        Probe transit = Probe.newBuilder().setKind(Probe.Kind.ECHO_REQUEST).setOrigin("far").setName("/B/q")
                .setProbeId(2).setInitialHopLimit(1).build();
        receive(a, DataFrames.probe(ALLOC, 1, transit));
        assertThat(b.sent).hasSize(1);
        Probe back = DataFrames.probe(b.frame(0));
        assertThat(back.getKind()).isEqualTo(Probe.Kind.TIME_EXCEEDED);
        assertThat(back.getResponder()).isEqualTo("x");
    }

    private static ByteBuf pinnedOpen(int word, String name, String egress) {
        return DataFrames.open(ALLOC, word, 10, 0, name, egress,
                OpenTail.newBuilder().setMethod("s.S/m").setTarget("/E").setOrigin("o").build());
    }

    @Test
    void shouldForwardAPinnedOpenTowardsItsEgressAndByNameOnceThereIsNoRouteToIt() throws Exception {
        // /E is reached over a and b; egress sg-c only over c.
        fib = new Fib(List.of(
                new FibEntry(ServicePrefix.parse("/E"), List.of("a", "b"), false, 10),
                new FibEntry(ServicePrefix.parse("/_dmsc/node/sg-c"), List.of("c"), false, 10),
                new FibEntry(ServicePrefix.parse("/_dmsc/node/x"), List.of(), true, 0)));
        receive(a, pinnedOpen(5, "/E/s.S/m", "sg-c"));
        assertThat(c.sent).as("towards the pinned egress, not by the name").hasSize(1);
        ByteBuf out = c.frame(0);
        assertThat(DataFrames.pinnedEgress(out)).isEqualTo("sg-c");
        assertThat(DataFrames.openTail(out).getTarget()).as("the tail after the egress field").isEqualTo("/E");

        // An egress without a route here (gone, or never a node): by the name, and unpinned so
        // that no later hop sends it back.
        receive(a, pinnedOpen(7, "/E/s.S/m", "sg-gone"));
        assertThat(b.sent).hasSize(1);
        assertThat(DataFrames.pinnedEgress(b.frame(0))).isNull();
        assertThat(DataFrames.openTail(b.frame(0)).getTarget()).isEqualTo("/E");
        // Pinned to this node itself: by the name from here.
        receive(c, pinnedOpen(9, "/E/s.S/m", "x"));
        assertThat(DataFrames.pinnedEgress(a.sent.isEmpty() ? b.frame(1) : a.frame(0))).isNull();
    }
}
