package io.dmsc.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dmsc.node.config.NeighborConfig;
import io.dmsc.node.config.NodeConfig;
import io.dmsc.node.link.EventLoops;
import io.dmsc.node.link.HostPort;
import io.dmsc.node.link.TcpLinkTransport;
import io.dmsc.wire.link.HelloMessage;
import io.dmsc.wire.link.LinkFrameCodec;
import io.dmsc.wire.link.NodeRole;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.EventLoopGroup;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** A real node on loopback TCP facing a hand-written peer: bad frames, silence, duplicates. */
class NodeLinkFaultTest {
    private EventLoopGroup group;
    private DmscNode node;

    @BeforeEach
    void start() {
        group = EventLoops.newGroup(1, "test-links");
        NodeConfig c = NodeConfig.of("sr-1", NodeRole.SR, "127.0.0.1:0")
                .withNeighbors(List.of(new NeighborConfig("peer", null, 10)))
                .withHelloTimers(100, 400);
        node = new DmscNode(c, new TcpLinkTransport(group, 4096)).start();
    }

    @AfterEach
    void stop() {
        node.close();
        group.shutdownGracefully().awaitUninterruptibly();
    }

    private Socket connect() throws IOException {
        HostPort hp = HostPort.parse(node.listenAddress());
        Socket s = new Socket(hp.host(), hp.port());
        s.setSoTimeout(5000);
        return s;
    }

    private static byte[] frame(Object message) {
        ByteBuf b = LinkFrameCodec.encode((io.dmsc.wire.link.LinkMessage) message, UnpooledByteBufAllocator.DEFAULT);
        byte[] out = new byte[b.readableBytes()];
        b.readBytes(out);
        b.release();
        return out;
    }

    /**
     * Says hello as "peer", reads the node's answer and lists it back: the two-way check completes.
     *
     * @return the connection's input, past the node's first hello
     */
    private static DataInputStream helloTwoWay(Socket s) throws IOException {
        OutputStream out = s.getOutputStream();
        out.write(frame(new HelloMessage(1, "peer", 400, "", NodeRole.SR)));
        DataInputStream in = new DataInputStream(s.getInputStream());
        int len = in.readInt();
        in.readFully(new byte[len]);
        out.write(frame(new HelloMessage(1, "peer", 400, "sr-1", NodeRole.SR)));
        return in;
    }

    private static boolean closedByPeer(Socket s) throws IOException {
        InputStream in = s.getInputStream();
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        byte[] buf = new byte[4096];
        while (System.nanoTime() < end) {
            try {
                if (in.read(buf) < 0) {
                    return true;
                }
            } catch (SocketTimeoutException e) {
                return false;
            } catch (IOException e) {
                return true;
            }
        }
        return false;
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"length-too-small", "oversize", "wrong-version", "unknown-type", "garbage-body"})
    void shouldCloseTheLinkAndCountAMalformedFrame(String kind) throws Exception {
        byte[] bad;
        switch (kind) {
            case "length-too-small": bad = new byte[] {0, 0, 0, 1, 1}; break;
            case "oversize": bad = new byte[] {0, 1, 0, 0, 1, 1}; break;
            case "wrong-version": bad = new byte[] {0, 0, 0, 2, 9, 1}; break;
            case "unknown-type": bad = new byte[] {0, 0, 0, 2, 1, 99}; break;
            default: bad = new byte[] {0, 0, 0, 6, 1, 2, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff}; break;
        }
        try (Socket s = connect()) {
            OutputStream out = s.getOutputStream();
            out.write(bad);
            out.flush();
            assertThat(closedByPeer(s)).as("node closes the link").isTrue();
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> node.metrics().malformedFrames() == 1);
        assertThat(node.conductor().healthy()).isTrue();
        assertThat(node.fib().lookup("/_dmsc/node/sr-1")).isNotNull();
    }

    @Test
    void shouldRejectAHelloFromAnUnconfiguredNode() throws Exception {
        try (Socket s = connect()) {
            s.getOutputStream().write(frame(new HelloMessage(1, "stranger", 3000, "", NodeRole.SR)));
            assertThat(closedByPeer(s)).isTrue();
        }
    }

    @Test
    void shouldBringTheAdjacencyUpAndDropItWhenThePeerFallsSilent() throws Exception {
        try (Socket s = connect()) {
            DataInputStream in = helloTwoWay(s);
            // Nothing more is sent from here on.
            long silentSince = System.nanoTime();
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                    assertThat(node.status().get().neighbors()).anyMatch(n -> n.id().equals("peer")
                            && n.state().equals("UP")));
            // After the 400 ms hold time the node declares the adjacency down and closes the
            // connection.
            assertThat(closedByPeer(s) || drainUntilClosed(in)).isTrue();
            assertThat(System.nanoTime() - silentSince).isGreaterThan(TimeUnit.MILLISECONDS.toNanos(300));
        }
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                assertThat(node.status().get().neighbors()).allMatch(n -> !n.state().equals("UP")));
    }

    @Test
    void shouldDeclareAPeerDownThatSendsOnlyProbesAfterItsLastHello() throws Exception {
        try (Socket s = connect()) {
            OutputStream out = s.getOutputStream();
            helloTwoWay(s);
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                    assertThat(node.status().get().neighbors()).anyMatch(n -> n.id().equals("peer")
                            && n.state().equals("UP")));
            // No more hellos, but a probe every 100 ms: probes do not keep the adjacency alive.
            ByteBuf probe = io.dmsc.wire.data.DataFrames.probe(UnpooledByteBufAllocator.DEFAULT, 2,
                    io.dmsc.wire.proto.data.v1.Probe.newBuilder()
                            .setKind(io.dmsc.wire.proto.data.v1.Probe.Kind.ECHO_REQUEST).setProbeId(1)
                            .setOrigin("peer").setName("/_dmsc/node/sr-1").build());
            byte[] probeBytes = new byte[probe.readableBytes()];
            probe.readBytes(probeBytes);
            probe.release();
            java.util.concurrent.atomic.AtomicInteger sent = new java.util.concurrent.atomic.AtomicInteger();
            java.util.concurrent.ScheduledExecutorService prober =
                    java.util.concurrent.Executors.newSingleThreadScheduledExecutor();
            prober.scheduleAtFixedRate(() -> {
                try {
                    out.write(probeBytes);
                    sent.incrementAndGet();
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e); // the node closed the connection: stop
                }
            }, 0, 100, TimeUnit.MILLISECONDS);
            try {
                // Closed by the hold timer (400 ms) while the probes kept coming (within 5 s).
                assertThat(closedByPeer(s)).as("the node closed the link").isTrue();
                assertThat(sent.get()).as("probes sent before the node closed the link").isGreaterThanOrEqualTo(2);
            } finally {
                prober.shutdownNow();
            }
        }
    }

    @Test
    void shouldNeverReplaceALiveAdjacencyByASecondHelloWithTheSameId() throws Exception {
        try (Socket real = connect(); Socket impostor = connect()) {
            OutputStream out = real.getOutputStream();
            out.write(frame(new HelloMessage(1, "peer", 400, "", NodeRole.SR)));
            DataInputStream in = new DataInputStream(real.getInputStream());
            int len = in.readInt();
            in.readFully(new byte[len]);
            // Hellos every 100 ms keep the real adjacency up (hold time 400 ms), paced by a scheduler.
            java.util.concurrent.ScheduledExecutorService keepAlive =
                    java.util.concurrent.Executors.newSingleThreadScheduledExecutor();
            keepAlive.scheduleAtFixedRate(() -> {
                try {
                    out.write(frame(new HelloMessage(1, "peer", 400, "sr-1", NodeRole.SR)));
                    out.flush();
                    while (in.available() > 0) {
                        in.skipBytes(in.available());
                    }
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e); // the test ended: stops the schedule
                }
            }, 0, 100, java.util.concurrent.TimeUnit.MILLISECONDS);
            try {
                await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                        assertThat(node.status().get().neighbors()).anyMatch(n -> n.id().equals("peer")
                                && n.state().equals("UP")));
                // A second connection claims to be "peer" (accepted side, so the dialed-by-lower
                // rule alone would have let it replace the first).
                impostor.getOutputStream().write(frame(new HelloMessage(1, "peer", 400, "sr-1", NodeRole.SR)));
                assertThat(closedByPeer(impostor)).as("the impostor's connection is closed").isTrue();
                await().atMost(Duration.ofSeconds(5)).until(() ->
                        node.status().get().counters().getOrDefault("duplicateHellos", 0L) == 1L);
                // Up for longer than the hold time: the real adjacency stayed up all along.
                await().during(Duration.ofMillis(600)).atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                        assertThat(node.status().get().neighbors()).filteredOn(n -> n.id().equals("peer"))
                                .extracting(NodeStatus.Neighbor::state).containsExactly("UP"));
                assertThat(node.metrics().scrape()).contains("dmsc_adjacency_changes_total{node=\"sr-1\",state=\"down\"} 0.0");
            } finally {
                keepAlive.shutdownNow();
                keepAlive.awaitTermination(5, java.util.concurrent.TimeUnit.SECONDS);
            }
        }
    }

    private static boolean drainUntilClosed(DataInputStream in) {
        try {
            while (true) {
                int len = in.readInt();
                in.readFully(new byte[len]);
            }
        } catch (IOException e) {
            return true;
        }
    }
}
