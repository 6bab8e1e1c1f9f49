package io.dmsc.testkit.forwarding;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.dmsc.gateway.Gateway;
import io.dmsc.node.DmscNode;
import io.dmsc.node.Mesh;
import io.dmsc.node.config.ConfigLoader;
import io.dmsc.node.config.TopologyConfig;
import io.dmsc.node.link.LinkImpairment;
import io.dmsc.routing.FibEntry;
import io.dmsc.testkit.EchoService;
import io.dmsc.testkit.ReferenceRoutes;
import io.dmsc.testkit.TestPod;
import io.dmsc.testkit.proto.v1.EchoGrpc;
import io.dmsc.testkit.proto.v1.EchoReply;
import io.dmsc.testkit.proto.v1.EchoRequest;
import io.dmsc.wire.ServicePrefix;
import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Random faults in Figure 2 under continuous load for 40 s (the last fault may end a little
 * later): routers stopped and started again, connections closed, links flapping, and routers
 * frozen (links held open but silent). Calls go from sg-3 (links to sr-1
 * and sr-3) to a pod at sg-4 (links to sr-2 and sr-3), so one fault at a time always leaves a
 * path; each fault is undone and the FIBs converge before the next, so the test asks what a mesh
 * must give under single failures: no idempotent unary call lost, streams ending only OK or
 * UNAVAILABLE, the FIBs of the reference routes and empty flow tables at the end.
 *
 * <p><b>Pacing.</b> After each fault the test waits for the reference FIBs and then until every
 * node's SPF back-off (RFC 8405) is QUIET again ({@code spfHoldDownMs}, 3 s, after the last
 * topology change), so the next fault is served after {@code spfInitialDelayMs} (5 ms).
 * Without the wait, a failure within 3 s of earlier changes waits up to {@code spfLongDelayMs}
 * (1 s) for SPF at the router that lost its
 * next hop, which answers "no usable link" meanwhile although a loop-free alternate exists, and
 * idempotent calls run out of retries: see the disabled
 * {@link #shouldLoseNoIdempotentCallWhenALinkOnThePathFlapsWithinTheSpfHoldDown}. For the same
 * reason a flap of several cycles is only done on links no call crosses (the calls' path is
 * sg-3 — sr-3 — sg-4); a link on that path fails once per fault.
 *
 * <p>A frozen router is modelled without a hook in the node: each of its links is impaired both
 * ways with a delay longer than the freeze (every frame it sends and every frame sent to it is held
 * in the sender's pipeline, counting towards the write-buffer water marks, so back-pressure builds
 * as behind a stopped process), and after 0.3 to 4 s the impairments are cleared and the held
 * frames leave in order. The sockets stay open. A freeze shorter than the hold time (Figure 2:
 * 3 s) stalls the calls through the router, which then complete; a longer one is a silent
 * failure: the neighbours declare the router down when the hold time expires, its calls fail
 * UNAVAILABLE and are retried on the other path, and the adjacencies come back after the freeze.
 * It differs from a stopped process in one way: the router itself keeps running (timers, SPF)
 * while cut off.
 *
 * <p>The seed is printed; {@code -Dchaos.seed=N} repeats a run's fault sequence (the timing of the
 * load still differs).
 */
class ChaosTest {
    private static final Duration CHAOS = Duration.ofSeconds(40);
    private static final String[] ROUTERS = {"sr-1", "sr-2", "sr-3"};
    /** The links the calls cross while nothing has failed. */
    private static final Set<String> ON_PATH = Set.of("sg-3-sr-3", "sg-4-sr-3");
    /** The links of Figure 2 that carry no SCSC. */
    private static final String[][] LINKS = {{"sg-1", "sr-1"}, {"sg-2", "sr-2"}, {"sr-1", "sr-2"}, {"sr-1", "sr-3"},
            {"sr-2", "sr-3"}, {"sg-3", "sr-1"}, {"sg-3", "sr-3"}, {"sg-4", "sr-2"}, {"sg-4", "sr-3"}};
    /** sg-3 retries Echo/Unary under /B/4 as idempotent: 5 attempts, 50 ms to 1 s apart, a budget that lasts. */
    private static final String SG3_GATEWAY = "gateway: {retryBudget: {maxTokens: 1000, tokenRatioPercent: 100}, "
            + "retryPolicies: [{prefix: /B/4, methods: [dmsc.testkit.v1.Echo/Unary], maxAttempts: 5, "
            + "retryableStatusCodes: [UNAVAILABLE], initialBackoffMs: 50, maxBackoffMs: 1000}], spa:";

    private Mesh mesh;
    private TestPod pod;
    private ManagedChannel channel;
    private final List<AutoCloseable> toClose = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : toClose) {
            c.close();
        }
        Fabric.shutdown(channel);
        if (pod != null) {
            pod.close();
        }
        if (mesh != null) {
            mesh.close();
        }
    }

    private TopologyConfig reference;
    private Load load;

    /** Starts Figure 2 with the pod at sg-4 and the load from sg-3, and waits for calls to go through. */
    private void startMeshAndLoad() throws Exception {
        String text = Fabric.figure2Text();
        assertThat(text).contains("gateway: {spa: {servers: [spa-3", "prefixes: [/demo/sg-4]");
        text = text.replace("gateway: {spa: {servers: [spa-3", SG3_GATEWAY + " {servers: [spa-3");
        TopologyConfig topology = ConfigLoader.parseTopology("../examples/figure2.yaml", text).withoutAuthorization();
        // The reference: the pod's /B/4 at sg-4 is routed as a prefix of sg-4.
        reference = ConfigLoader.parseTopology("../examples/figure2.yaml",
                text.replace("prefixes: [/demo/sg-4]", "prefixes: [/demo/sg-4, /B/4]")).withoutAuthorization();
        mesh = Fabric.start(topology);
        EchoService echo = new EchoService("pod-4");
        pod = TestPod.start(Fabric.gateway(mesh, "sg-4").podAddress(), "pod-4", List.of("/B/4"), echo.definition());
        awaitReferenceFibs(reference, Duration.ofSeconds(30));
        channel = Fabric.channelTo(mesh, "sg-3");
        Channel toB4 = ClientInterceptors.intercept(channel, Fabric.target("/B/4"));
        load = new Load(toB4);
        toClose.add(load);
        await().atMost(Duration.ofSeconds(30)).until(() -> load.unaryOk.get() >= 50 && load.streamReplies.get() >= 20);
    }

    @Test
    @Timeout(value = 150, unit = TimeUnit.SECONDS)
    void shouldLoseNoIdempotentCallAndLeaveCorrectFibsAfterRandomFaults() throws Exception {
        long seed = Long.getLong("chaos.seed", System.nanoTime());
        System.out.println("ChaosTest seed " + seed + " (repeat with -Dchaos.seed=" + seed + ")");
        Random random = new Random(seed);
        startMeshAndLoad();

        List<String> faults = new ArrayList<>();
        awaitSpfQuiet();
        long endNs = System.nanoTime() + CHAOS.toNanos();
        while (System.nanoTime() < endNs) {
            double at = load.seconds();
            String fault = injectOne(random);
            faults.add(String.format("%.1f-%.1f s %s", at, load.seconds(), fault));
            System.out.println("ChaosTest fault " + faults.get(faults.size() - 1));
            // Whatever was taken away is back: wait for every FIB before the next fault, so at most one
            // failure is ever in effect, and then for the SPF back-off to be quiet again (see the class comment).
            awaitReferenceFibs(reference, Duration.ofSeconds(20));
            awaitSpfQuiet();
            Thread.sleep(random.nextInt(500));
        }
        long okBeforeEnd = load.unaryOk.get();
        await().atMost(Duration.ofSeconds(20)).until(() -> load.unaryOk.get() >= okBeforeEnd + 20);
        load.stop();

        Gateway sg3Gateway = Fabric.gateway(mesh, "sg-3");
        System.out.printf("ChaosTest: %d faults; unary %d ok, %d failed; stream replies %d, stream ends %s; "
                        + "retries: policy %d, transparent %d%n", faults.size(), load.unaryOk.get(),
                load.unaryFailed.size(), load.streamReplies.get(), load.streamEnds,
                sg3Gateway.metrics().retries("policy"), sg3Gateway.metrics().retries("transparent"));
        assertThat(faults).as("faults injected").hasSizeGreaterThanOrEqualTo(6);
        assertThat(load.unaryFailed).as("unary calls that finally failed (faults: %s)", faults).isEmpty();
        assertThat(load.badStreamEnds).as("streams ended other than OK or UNAVAILABLE (faults: %s)", faults).isEmpty();
        assertThat(load.streamEnds.get("OK")).as("streams half-closed at the end").isNotNull();
        awaitReferenceFibs(reference, Duration.ofSeconds(20));
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100))
                .untilAsserted(() -> assertThat(Fabric.flows(mesh)).as("flow entries left").isEmpty());
    }

    /**
     * sg-4—sr-3, on the calls' path, goes down, comes back, and goes down again 1 s later, within
     * sr-3's SPF hold-down. Before local repair the second failure waited for SPF in RFC 8405
     * LONG_WAIT (up to {@code spfLongDelayMs}, 1 s) at sr-3 while sr-3 answered "no route ... no
     * usable link to [sg-4] at sr-3" although sr-2 is a loop-free alternate, and every retry of a
     * call fell in that window (seed 3028917046424 failed 8 calls so). Now sr-3 recomputes at
     * once when it loses an own adjacency, and forwards via sr-2.
     */
    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void shouldLoseNoIdempotentCallWhenALinkOnThePathFlapsWithinTheSpfHoldDown() throws Exception {
        startMeshAndLoad();
        awaitSpfQuiet();
        mesh.disconnect("sg-4", "sr-3");
        Thread.sleep(300);
        mesh.reconnect("sg-4", "sr-3");
        Fabric.awaitRoute(mesh, "sr-3", "/B/4/x", "sg-4");
        Thread.sleep(700);
        mesh.disconnect("sg-4", "sr-3");
        Thread.sleep(1500);
        mesh.reconnect("sg-4", "sr-3");
        awaitReferenceFibs(reference, Duration.ofSeconds(20));
        long ok = load.unaryOk.get();
        await().atMost(Duration.ofSeconds(20)).until(() -> load.unaryOk.get() >= ok + 20);
        load.stop();
        assertThat(load.unaryFailed).as("unary calls that finally failed").isEmpty();
    }

    /** Injects one random fault, waits for it to be over, and says what it was. */
    private String injectOne(Random random) throws Exception {
        switch (random.nextInt(4)) {
            case 0 -> {
                String sr = ROUTERS[random.nextInt(ROUTERS.length)];
                int downMs = 300 + random.nextInt(1700);
                mesh.kill(sr);
                Thread.sleep(downMs);
                mesh.restart(sr);
                return "stop " + sr + ", start after " + downMs + " ms";
            }
            case 1 -> {
                String[] l = LINKS[random.nextInt(LINKS.length)];
                mesh.closeConnection(l[0], l[1]);
                return "close connection " + l[0] + "-" + l[1];
            }
            case 2 -> {
                String[] l = LINKS[random.nextInt(LINKS.length)];
                int flaps = ON_PATH.contains(l[0] + "-" + l[1]) ? 1 : 1 + random.nextInt(3);
                StringBuilder sb = new StringBuilder("flap " + l[0] + "-" + l[1] + ":");
                for (int i = 0; i < flaps; i++) {
                    int downMs = 100 + random.nextInt(900);
                    mesh.disconnect(l[0], l[1]);
                    Thread.sleep(downMs);
                    mesh.reconnect(l[0], l[1]);
                    sb.append(" down ").append(downMs).append(" ms");
                    if (i + 1 < flaps) {
                        Thread.sleep(100 + random.nextInt(400));
                    }
                }
                return sb.toString();
            }
            default -> {
                String sr = ROUTERS[random.nextInt(ROUTERS.length)];
                int ms = 300 + random.nextInt(3700);
                freeze(sr, Duration.ofMillis(ms));
                return "freeze " + sr + " for " + ms + " ms";
            }
        }
    }

    /** Holds every frame to and from {@code sr} for {@code d}, then lets them go (see the class comment). */
    private void freeze(String sr, Duration d) throws InterruptedException {
        List<String[]> links = new ArrayList<>();
        for (String[] l : LINKS) {
            if (l[0].equals(sr) || l[1].equals(sr)) {
                links.add(l);
            }
        }
        for (String peer : List.of("scsc")) {
            if (sr.equals("sr-1") || sr.equals("sr-2")) {
                links.add(new String[] {sr, peer});
            }
        }
        LinkImpairment hold = LinkImpairment.delay(LinkImpairment.MAX_DELAY_MS);
        for (String[] l : links) {
            mesh.impair(l[0], l[1], hold);
            mesh.impair(l[1], l[0], hold);
        }
        Thread.sleep(d.toMillis());
        for (String[] l : links) {
            mesh.clearImpairment(l[0], l[1]);
            mesh.clearImpairment(l[1], l[0]);
        }
    }

    /** Waits until every running node's SPF back-off is QUIET: the next change is served after 5 ms. */
    private void awaitSpfQuiet() {
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100)).untilAsserted(() -> {
            for (DmscNode n : mesh.nodes()) {
                assertThat(n.status().get(5, TimeUnit.SECONDS).spfState()).as("SPF back-off of " + n.id())
                        .isEqualTo("QUIET");
            }
        });
    }

    private void awaitReferenceFibs(TopologyConfig reference, Duration atMost) {
        Map<String, Map<ServicePrefix, FibEntry>> expected = ReferenceRoutes.compute(reference, Set.of(), Set.of());
        await().atMost(atMost).pollInterval(Duration.ofMillis(50)).untilAsserted(() -> {
            for (Map.Entry<String, Map<ServicePrefix, FibEntry>> e : expected.entrySet()) {
                DmscNode n = mesh.node(e.getKey());
                assertThat(n).as(e.getKey() + " running").isNotNull();
                Map<ServicePrefix, FibEntry> actual = new TreeMap<>();
                for (FibEntry f : n.fib().entries()) {
                    actual.put(f.prefix(), f);
                }
                assertThat(actual).as("FIB of " + e.getKey()).isEqualTo(e.getValue());
            }
        });
    }

    /**
     * The load: four callers of unary Echo (each call unique, 20 s deadline), three long-lived bidi
     * streams (a message every 100 ms; reopened when they end) and a loop of short server-streaming
     * calls. Records every final outcome.
     */
    private static final class Load implements AutoCloseable {
        private static final int CALLERS = 4;
        private static final int BIDI = 3;
        final AtomicLong unaryOk = new AtomicLong();
        /** Call payload → when (seconds since the load started) and how it finally failed. */
        final Map<String, String> unaryFailed = new ConcurrentHashMap<>();
        private final long t0 = System.nanoTime();
        final AtomicLong streamReplies = new AtomicLong();
        final Map<String, AtomicInteger> streamEnds = new ConcurrentHashMap<>();
        final List<String> badStreamEnds = new java.util.concurrent.CopyOnWriteArrayList<>();
        private final AtomicInteger next = new AtomicInteger();
        private final ExecutorService callers = Executors.newFixedThreadPool(CALLERS + 1);
        private final ScheduledExecutorService streams = Executors.newSingleThreadScheduledExecutor();
        private final ConcurrentLinkedQueue<Bidi> open = new ConcurrentLinkedQueue<>();
        private volatile boolean running = true;
        private final Channel channel;

        Load(Channel channel) {
            this.channel = channel;
            for (int i = 0; i < CALLERS; i++) {
                callers.execute(() -> {
                    EchoGrpc.EchoBlockingStub stub = EchoGrpc.newBlockingStub(channel);
                    while (running) {
                        String payload = "call-" + next.incrementAndGet();
                        try {
                            EchoReply r = stub.withDeadlineAfter(20, TimeUnit.SECONDS).unary(request(payload));
                            if (r.getPayload().toStringUtf8().equals(payload)) {
                                unaryOk.incrementAndGet();
                            } else {
                                unaryFailed.put(payload, String.format("at %.1f s: wrong reply %s", seconds(), r));
                            }
                        } catch (StatusRuntimeException e) {
                            unaryFailed.put(payload, String.format("at %.1f s: %s", seconds(), e.getStatus()));
                        }
                    }
                });
            }
            callers.execute(() -> {
                EchoGrpc.EchoBlockingStub stub = EchoGrpc.newBlockingStub(channel);
                while (running) {
                    EchoRequest req = request("server-stream").toBuilder().setReplies(20).setDelayMs(200).build();
                    try {
                        var it = stub.withDeadlineAfter(20, TimeUnit.SECONDS).serverStream(req);
                        while (it.hasNext()) {
                            it.next();
                            streamReplies.incrementAndGet();
                        }
                        ended("server-stream", Status.OK);
                    } catch (StatusRuntimeException e) {
                        ended("server-stream", e.getStatus());
                    }
                }
            });
            for (int i = 0; i < BIDI; i++) {
                new Bidi(i).start();
            }
        }

        /** @return seconds since the load started */
        double seconds() {
            return (System.nanoTime() - t0) / 1e9;
        }

        private void ended(String what, Status s) {
            streamEnds.computeIfAbsent(s.getCode().name(), k -> new AtomicInteger()).incrementAndGet();
            if (s.getCode() != Status.Code.OK && s.getCode() != Status.Code.UNAVAILABLE) {
                badStreamEnds.add(String.format("%s at %.1f s: %s", what, seconds(), s));
            }
        }

        /** One long-lived bidi stream; all its sends run on the {@link #streams} thread. */
        private final class Bidi {
            private final int id;
            private final AtomicReference<ClientCallStreamObserver<EchoRequest>> call = new AtomicReference<>();
            private volatile boolean ended;

            Bidi(int id) {
                this.id = id;
            }

            void start() {
                open.add(this);
                EchoGrpc.newStub(channel).bidi(new ClientResponseObserver<EchoRequest, EchoReply>() {
                    @Override
                    public void beforeStart(ClientCallStreamObserver<EchoRequest> out) {
                        call.set(out);
                    }

                    @Override
                    public void onNext(EchoReply r) {
                        streamReplies.incrementAndGet();
                    }

                    @Override
                    public void onError(Throwable t) {
                        end(Status.fromThrowable(t));
                    }

                    @Override
                    public void onCompleted() {
                        end(Status.OK);
                    }
                });
                streams.schedule(this::send, 100, TimeUnit.MILLISECONDS);
            }

            private void end(Status s) {
                ended = true;
                open.remove(this);
                ended("bidi-" + id, s);
                if (running) {
                    streams.schedule(() -> new Bidi(id).start(), 200, TimeUnit.MILLISECONDS);
                }
            }

            private void send() {
                if (ended || !running) {
                    return;
                }
                if (call.get().isReady()) {
                    call.get().onNext(request("bidi-" + id));
                }
                streams.schedule(this::send, 100, TimeUnit.MILLISECONDS);
            }

            void halfClose() {
                if (!ended) {
                    call.get().onCompleted();
                }
            }
        }

        /** Stops the load: callers finish their call, streams are half-closed and end. */
        void stop() throws Exception {
            running = false;
            streams.submit(() -> open.forEach(Bidi::halfClose)).get(5, TimeUnit.SECONDS);
            callers.shutdown();
            assertThat(callers.awaitTermination(30, TimeUnit.SECONDS)).as("callers done").isTrue();
            await().atMost(Duration.ofSeconds(20)).until(open::isEmpty);
        }

        @Override
        public void close() {
            running = false;
            callers.shutdownNow();
            streams.shutdownNow();
            try {
                callers.awaitTermination(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        private static EchoRequest request(String text) {
            return EchoRequest.newBuilder().setPayload(ByteString.copyFromUtf8(text)).build();
        }
    }
}
