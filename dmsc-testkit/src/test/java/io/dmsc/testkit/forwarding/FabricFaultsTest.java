package io.dmsc.testkit.forwarding;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.dmsc.gateway.Gateway;
import io.dmsc.node.Mesh;
import io.dmsc.sdk.DmscMesh;
import io.dmsc.testkit.EchoService;
import io.dmsc.testkit.TestPod;
import io.dmsc.testkit.proto.v1.EchoGrpc;
import io.dmsc.testkit.proto.v1.EchoReply;
import io.dmsc.testkit.proto.v1.EchoRequest;
import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Faults in Figure 2 while calls run from sg-1 to a pod at sg-4. Streams are pinned to sr-2 by
 * taking sr-1—sr-3 out of service while they open; sr-1—sr-3 comes back before the fault, so
 * unary calls have a path the whole time. One mesh per test.
 */
class FabricFaultsTest {
    private static final int STREAMS = 20;

    private Mesh mesh;
    private EchoService echo;
    private PodProbe probe;
    private TestPod pod;
    private ManagedChannel channel;
    private Channel toB4;

    @BeforeEach
    void start() throws Exception {
        mesh = Fabric.start(Fabric.figure2());
        echo = new EchoService("pod-4");
        probe = new PodProbe(true);
        pod = TestPod.start(Fabric.gateway(mesh, "sg-4").podAddress(), "pod-4", List.of("/B/4"),
                ServerInterceptors.intercept(echo.definition(), probe));
        Fabric.awaitRoute(mesh, "sr-1", "/B/4/x", "sr-2", "sr-3");
        Fabric.awaitRoute(mesh, "sg-1", "/B/4/x");
        channel = Fabric.channelTo(mesh, "sg-1");
        toB4 = ClientInterceptors.intercept(channel, Fabric.target("/B/4"));
    }

    @AfterEach
    void stop() throws Exception {
        Fabric.shutdown(channel);
        if (pod != null) {
            pod.close();
        }
        if (mesh != null) {
            mesh.close();
        }
    }

    @Test
    void shouldKeepUnaryCallsGoingAndFailStreamsThroughARouterThatIsKilled() throws Exception {
        faultOnSr2(m -> m.kill("sr-2"));
        // The route follows once SPF runs (its back-off may still hold it after the earlier link flap).
        Fabric.awaitRoute(mesh, "sr-1", "/B/4/x", "sr-3");
    }

    @Test
    void shouldKeepUnaryCallsGoingAndFailStreamsOverALinkThatCloses() throws Exception {
        faultOnSr2(m -> m.closeConnection("sr-1", "sr-2"));
    }

    private void faultOnSr2(Consumer<Mesh> fault) throws Exception {
        mesh.disconnect("sr-1", "sr-3");
        Fabric.awaitRoute(mesh, "sr-1", "/B/4/x", "sr-2");
        List<Recorder<EchoReply>> streams = openStreams(STREAMS);
        assertThat(Fabric.flowCount(mesh, "sr-2")).isEqualTo(STREAMS);
        assertThat(Fabric.flowCount(mesh, "sr-3")).isZero();
        mesh.reconnect("sr-1", "sr-3");
        Fabric.awaitRoute(mesh, "sr-1", "/B/4/x", "sr-2", "sr-3");
        int cancelledBefore = echo.cancelled();

        try (UnaryLoad load = new UnaryLoad(toB4, 4)) {
            await().atMost(Duration.ofSeconds(30)).until(() -> load.ok.get() >= 100);
            fault.accept(mesh);
            for (Recorder<EchoReply> s : streams) {
                Status status = s.await();
                assertThat(status.getCode()).as(status.toString()).isEqualTo(Status.Code.UNAVAILABLE);
                assertThat(status.getDescription()).as(status.toString()).isNotBlank();
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> echo.cancelled() >= cancelledBefore + STREAMS);
            int okAtFault = load.ok.get();
            await().atMost(Duration.ofSeconds(60)).until(() -> load.ok.get() >= okAtFault + 300);
            load.stop();
            // A unary call may only fail if the pod had it: the others are re-sent transparently.
            for (Map.Entry<String, Status> f : load.failed.entrySet()) {
                assertThat(f.getValue().getCode()).as(f.toString()).isEqualTo(Status.Code.UNAVAILABLE);
                assertThat(probe.requests).as("failed call %s reached the pod", f.getKey())
                        .contains(request(f.getKey()));
            }
            System.out.printf("faults: %d unary calls ok, %d failed after reaching the pod, %d transparent retries%n",
                    load.ok.get(), load.failed.size(),
                    mesh.node("sg-1").extension(Gateway.class).metrics().retries("transparent"));
            // examples/figure2.yaml marks dmsc.testkit.v1.Echo/Unary under /B idempotent for sg-1: calls the pod
            // already had are retried too, so none fails.
            assertThat(load.failed).as("failed unary calls").isEmpty();
            // The streams that did fail are counted where an operator sees them (dmsc_calls_total{code}).
            assertThat(mesh.node("sg-1").extension(Gateway.class).metrics().ingressCalls(Status.Code.UNAVAILABLE))
                    .isGreaterThanOrEqualTo(STREAMS);
        }
        Fabric.awaitNoFlows(mesh);
    }

    @Test
    @SuppressWarnings("try") // the pod only has to stay attached for the test's duration
    void shouldRetryACallThePodAlreadyHadOnlyWhenThePolicyMarksItIdempotent() throws Exception {
        EchoService echoC = new EchoService("pod-c");
        try (TestPod podC = TestPod.start(Fabric.gateway(mesh, "sg-4").podAddress(), "pod-c", "/C/4", echoC)) {
            Channel toC4 = ClientInterceptors.intercept(channel, Fabric.target("/C/4"));
            Fabric.awaitRoute(mesh, "sg-1", "/C/4/x");
            mesh.disconnect("sr-1", "sr-3");
            Fabric.awaitRoute(mesh, "sr-1", "/B/4/x", "sr-2");
            Fabric.awaitRoute(mesh, "sr-1", "/C/4/x", "sr-2");
            EchoRequest slow = EchoRequest.newBuilder().setPayload(ByteString.copyFromUtf8("slow")).setDelayMs(1500)
                    .build();
            int bBefore = echo.calls();
            var idempotent = EchoGrpc.newFutureStub(toB4).withDeadlineAfter(30, TimeUnit.SECONDS).unary(slow);
            var plain = EchoGrpc.newFutureStub(toC4).withDeadlineAfter(30, TimeUnit.SECONDS).unary(slow);
            await().atMost(Duration.ofSeconds(10)).until(() -> echo.calls() == bBefore + 1 && echoC.calls() == 1);
            mesh.reconnect("sr-1", "sr-3");
            Fabric.awaitRoute(mesh, "sr-1", "/B/4/x", "sr-2", "sr-3");
            mesh.kill("sr-2");

            // /B marks dmsc.testkit.v1.Echo/Unary idempotent (examples/figure2.yaml): re-sent on the new path.
            assertThat(idempotent.get(30, TimeUnit.SECONDS).getPayload().toStringUtf8()).isEqualTo("slow");
            assertThat(echo.calls()).as("the pod served the idempotent call twice").isEqualTo(bBefore + 2);
            // /C has no policy: the pod had the call, so it fails, once, and is not repeated.
            assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> plain.get(30, TimeUnit.SECONDS)))
                    .hasCauseInstanceOf(StatusRuntimeException.class)
                    .cause().hasMessageStartingWith("UNAVAILABLE")
                    // Either sr-2's own goodbye ("node sr-2 is stopping") or sr-1 seeing the link fail.
                    .hasMessageMatching("UNAVAILABLE: (node sr-2 is stopping|link .* failed mid-call)");
            assertThat(echoC.calls()).isEqualTo(1);
            assertThat(Fabric.gateway(mesh, "sg-1").metrics().retries("policy")).isGreaterThanOrEqualTo(1);
        }
        Fabric.awaitNoFlows(mesh);
    }

    @Test
    void shouldFailCallsAsUnavailableWhenThePodsProcessDies() throws Exception {
        // The pod is reached through a relay that resets its connections the way a dying process's
        // kernel does; gRPC's own shutdownNow would instead cancel each stream (RST_STREAM CANCEL).
        int podPort = Integer.parseInt(pod.endpoint().substring(pod.endpoint().lastIndexOf(':') + 1));
        try (CrashablePort relay = new CrashablePort(podPort);
             DmscMesh sdk = DmscMesh.builder().gateway(Fabric.gateway(mesh, "sg-4").podAddress()).podId("relayed-4")
                     .registerDefaultGateway(false).build().connect()) {
            sdk.announce("/B/relayed", relay.endpoint()).get(10, TimeUnit.SECONDS);
            Fabric.awaitRoute(mesh, "sg-1", "/B/relayed/x");
            Channel toRelayed = ClientInterceptors.intercept(channel, Fabric.target("/B/relayed"));
            List<Recorder<EchoReply>> streams = openStreams(toRelayed, 3);
            Recorder<EchoReply> slow = new Recorder<>();
            EchoRequest slowRequest = request("slow").toBuilder().setDelayMs(20_000).build();
            EchoGrpc.newStub(toRelayed).withDeadlineAfter(30, TimeUnit.SECONDS).unary(slowRequest, slow);
            await().atMost(Duration.ofSeconds(10)).until(() -> probe.requests.contains(slowRequest));
            relay.crash();
            for (Recorder<EchoReply> r : streams) {
                Status s = r.await();
                assertThat(s.getCode()).as(s.toString()).isEqualTo(Status.Code.UNAVAILABLE);
            }
            Status s = slow.await();
            assertThat(s.getCode()).as(s.toString()).isEqualTo(Status.Code.UNAVAILABLE);
            Fabric.awaitNoFlows(mesh);
        }
    }

    private static EchoRequest request(String text) {
        return EchoRequest.newBuilder().setPayload(ByteString.copyFromUtf8(text)).build();
    }

    private List<Recorder<EchoReply>> openStreams(int n) throws Exception {
        return openStreams(toB4, n);
    }

    private static List<Recorder<EchoReply>> openStreams(Channel to, int n) throws Exception {
        List<Recorder<EchoReply>> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Recorder<EchoReply> r = new Recorder<>();
            StreamObserver<EchoRequest> req = EchoGrpc.newStub(to).withDeadlineAfter(120, TimeUnit.SECONDS).bidi(r);
            req.onNext(request("stream-" + i));
            out.add(r);
        }
        for (Recorder<EchoReply> r : out) {
            r.first.get(30, TimeUnit.SECONDS);
        }
        return out;
    }

    /** Unary calls in a loop on a few threads, each with a unique payload; records every outcome. */
    private static final class UnaryLoad implements AutoCloseable {
        final AtomicInteger ok = new AtomicInteger();
        final Map<String, Status> failed = new ConcurrentHashMap<>();
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final AtomicInteger next = new AtomicInteger();
        private final ExecutorService threads;

        UnaryLoad(Channel channel, int callers) {
            threads = Executors.newFixedThreadPool(callers);
            for (int i = 0; i < callers; i++) {
                threads.execute(() -> {
                    EchoGrpc.EchoBlockingStub stub = EchoGrpc.newBlockingStub(channel);
                    while (running.get()) {
                        String payload = "call-" + next.incrementAndGet();
                        try {
                            EchoReply r = stub.withDeadlineAfter(20, TimeUnit.SECONDS).unary(request(payload));
                            if (r.getPayload().toStringUtf8().equals(payload)) {
                                ok.incrementAndGet();
                            } else {
                                failed.put(payload, Status.DATA_LOSS.withDescription("wrong reply " + r));
                            }
                        } catch (StatusRuntimeException e) {
                            failed.put(payload, e.getStatus());
                        }
                    }
                });
            }
        }

        void stop() throws InterruptedException {
            running.set(false);
            threads.shutdown();
            assertThat(threads.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
        }

        @Override
        public void close() {
            running.set(false);
            threads.shutdownNow();
            try {
                threads.awaitTermination(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
