package io.dmsc.testkit.forwarding;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.dmsc.node.Mesh;
import io.dmsc.node.config.ConfigLoader;
import io.dmsc.node.config.TopologyConfig;
import io.dmsc.node.link.LinkImpairment;
import io.dmsc.node.policy.ForwardingPolicy;
import io.dmsc.testkit.EchoService;
import io.dmsc.testkit.TestPod;
import io.dmsc.testkit.proto.v1.EchoGrpc;
import io.dmsc.testkit.proto.v1.EchoRequest;
import io.dmsc.wire.ServicePrefix;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * Signal type 4 end to end in Figure 2 with /B at sg-2 and sg-4 (equal cost from sg-1): the SCSC
 * steers sg-1's new calls away from a delayed path and back once it recovered, without a failed
 * call; when the SCSC dies, its policies run out and calls go on by shortest path, and a new SCSC
 * rebuilds its view from the LSDB and the next reports; links flapping under a policy lose no call.
 */
class SchedulingMeshTest {
    static final long REPORT_MS = 500;
    private static final ServicePrefix B = ServicePrefix.parse("/B");

    static TopologyConfig topology() throws Exception {
        return topology("{delayMs: 20, jitterMs: 10, availableBandwidthPercent: 10}", 1000);
    }

    /** Figure 2 with other thresholds and another capacity for the link sg-2 — sr-2. */
    static TopologyConfig topology(String thresholds, int sg2CapacityMbps) throws Exception {
        String text = Fabric.figure2Text()
                .replace("thresholds: {delayMs: 20, jitterMs: 10, availableBandwidthPercent: 10}",
                        "thresholds: " + thresholds)
                .replace("{a: sg-2, b: sr-2, metric: 10, capacityMbps: 1000}",
                        "{a: sg-2, b: sr-2, metric: 10, capacityMbps: " + sg2CapacityMbps + "}")
                .replace("reportIntervalMs: 1000, policyTtlMs: 10000, hysteresisMs: 5000",
                        "reportIntervalMs: " + REPORT_MS + ", policyTtlMs: 1500, hysteresisMs: 1000")
                .replace("gateway: {spa: {servers: [spa-1,", "gateway: {qos: {probeIntervalMs: 100}, "
                        + "spa: {servers: [spa-1,");
        return ConfigLoader.parseTopology("../examples/figure2.yaml", text).withoutAuthorization();
    }

    /** Unary calls from sg-1 to /B, one after the other, until stopped: who served each, and when. */
    static final class Caller implements AutoCloseable {
        record Call(long startNs, String servedBy, String failure) {
        }

        final ConcurrentLinkedQueue<Call> calls = new ConcurrentLinkedQueue<>();
        final AtomicBoolean running = new AtomicBoolean(true);
        final Thread thread;
        final ManagedChannel channel;

        Caller(Mesh mesh) {
            this(mesh, 1);
        }

        Caller(Mesh mesh, int payloadBytes) {
            channel = Fabric.channelTo(mesh, "sg-1");
            EchoGrpc.EchoBlockingStub stub = EchoGrpc.newBlockingStub(channel).withInterceptors(Fabric.target("/B"));
            EchoRequest request = EchoRequest.newBuilder().setPayload(ByteString.copyFrom(new byte[payloadBytes]))
                    .build();
            thread = new Thread(() -> {
                while (running.get()) {
                    long t = System.nanoTime();
                    try {
                        calls.add(new Call(t, stub.withDeadlineAfter(10, TimeUnit.SECONDS).unary(request)
                                .getServedBy(), null));
                    } catch (StatusRuntimeException e) {
                        calls.add(new Call(t, null, e.getStatus().toString()));
                    }
                }
            }, "caller");
            thread.start();
        }

        Map<String, Integer> servedSince(long fromNs) {
            Map<String, Integer> m = new TreeMap<>();
            for (Call c : calls) {
                if (c.startNs - fromNs >= 0) {
                    m.merge(c.servedBy == null ? "FAILED " + c.failure : c.servedBy, 1, Integer::sum);
                }
            }
            return m;
        }

        List<Call> failures() {
            return calls.stream().filter(c -> c.failure != null).toList();
        }

        @Override
        public void close() throws Exception {
            running.set(false);
            thread.join(15_000);
            Fabric.shutdown(channel);
        }
    }

    private static ForwardingPolicy policyAt(Mesh mesh, String node) {
        List<ForwardingPolicy> p = mesh.node(node).policies().policies();
        return p.isEmpty() ? null : p.get(0);
    }

    private static void awaitBothReplicas(Mesh mesh) {
        await().atMost(Fabric.CONVERGENCE).untilAsserted(() -> assertThat(mesh.node("sg-1").fib().egress(B))
                .containsExactly("sg-2", "sg-4"));
        Fabric.awaitRoute(mesh, "sr-1", "/B/x", "sr-2", "sr-3");
    }

    @Test
    void shouldSteerAroundADelayedPathAndBackWithoutAFailedCall() throws Exception {
        try (Mesh mesh = Fabric.start(topology());
             TestPod at2 = TestPod.start(Fabric.gateway(mesh, "sg-2").podAddress(), "pod-b2", List.of("/B"),
                     new EchoService("pod-b2").definition());
             TestPod at4 = TestPod.start(Fabric.gateway(mesh, "sg-4").podAddress(), "pod-b4", List.of("/B"),
                     new EchoService("pod-b4").definition())) {
            awaitBothReplicas(mesh);
            try (Caller caller = new Caller(mesh)) {
                await().atMost(Fabric.CONVERGENCE).until(() -> caller.servedSince(0).size() == 2);
                // No threshold is crossed on loopback: no policy, both replicas serve.
                assertThat(policyAt(mesh, "sg-1")).isNull();

                long impairedNs = System.nanoTime();
                mesh.impair("sr-2", "sg-2", LinkImpairment.delay(40));
                await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20))
                        .until(() -> policyAt(mesh, "sg-1") != null);
                ForwardingPolicy p = policyAt(mesh, "sg-1");
                long steerMs = TimeUnit.NANOSECONDS.toMillis(p.installedNs() - impairedNs);
                assertThat(p.egress()).isEqualTo("sg-4");
                assertThat(p.reason()).contains("delay").contains("to sg-2 >= 20 ms");
                assertThat(steerMs).as("threshold crossing to policy at the ingress (ms)")
                        .isLessThanOrEqualTo(3 * REPORT_MS);
                // The SRs on its path hold it too.
                String transit = p.path().get(0);
                await().atMost(Duration.ofSeconds(2)).until(() -> policyAt(mesh, transit) != null);
                assertThat(policyAt(mesh, transit).id()).isEqualTo(p.id());

                long steeredNs = System.nanoTime();
                await().atMost(Duration.ofSeconds(10)).until(() -> caller.servedSince(steeredNs).values().stream()
                        .mapToInt(Integer::intValue).sum() >= 100);
                Map<String, Integer> during = caller.servedSince(steeredNs);
                int total = during.values().stream().mapToInt(Integer::intValue).sum();
                assertThat(during.getOrDefault("pod-b4", 0)).as("calls at the better replica while steered: "
                        + during).isGreaterThanOrEqualTo(total * 95 / 100);
                System.out.printf("steering: policy at sg-1 %d ms after the impairment (report interval %d ms); "
                        + "while steered %s%n", steerMs, REPORT_MS, during);
                assertThat(mesh.node(transit).policies().rows(System.nanoTime()).get(0).get("calls"))
                        .as("calls carried along the policy's path at " + transit).isNotEqualTo(0L);

                mesh.clearImpairment("sr-2", "sg-2");
                await().atMost(Duration.ofSeconds(20)).until(() -> policyAt(mesh, "sg-1") == null);
                long backNs = System.nanoTime();
                await().atMost(Duration.ofSeconds(10)).until(() -> caller.servedSince(backNs)
                        .getOrDefault("pod-b2", 0) >= 10);
                assertThat(caller.failures()).as("failed calls").isEmpty();
            }
            Fabric.awaitNoFlows(mesh);
        }
    }

    @Test
    void shouldKeepCallingWhenTheScscDiesAndSteerAgainWhenItReturns() throws Exception {
        try (Mesh mesh = Fabric.start(topology());
             TestPod at2 = TestPod.start(Fabric.gateway(mesh, "sg-2").podAddress(), "pod-b2", List.of("/B"),
                     new EchoService("pod-b2").definition());
             TestPod at4 = TestPod.start(Fabric.gateway(mesh, "sg-4").podAddress(), "pod-b4", List.of("/B"),
                     new EchoService("pod-b4").definition())) {
            awaitBothReplicas(mesh);
            try (Caller caller = new Caller(mesh)) {
                mesh.impair("sr-2", "sg-2", LinkImpairment.delay(40));
                await().atMost(Duration.ofSeconds(10)).until(() -> policyAt(mesh, "sg-1") != null);
                long first = policyAt(mesh, "sg-1").id();

                mesh.kill("scsc");
                // Not refreshed, the policy runs out by its TTL (1.5 s) and calls go by shortest path.
                await().atMost(Duration.ofSeconds(5)).until(() -> policyAt(mesh, "sg-1") == null);
                long spfNs = System.nanoTime();
                await().atMost(Duration.ofSeconds(10)).until(() -> caller.servedSince(spfNs)
                        .getOrDefault("pod-b2", 0) >= 5);

                // A new SCSC learns the LSDB and the next reports, and steers again.
                mesh.restart("scsc");
                await().atMost(Duration.ofSeconds(20)).until(() -> policyAt(mesh, "sg-1") != null);
                assertThat(policyAt(mesh, "sg-1").egress()).isEqualTo("sg-4");
                assertThat(policyAt(mesh, "sg-1").id()).as("a new center's policy").isNotNull();
                assertThat(first).isPositive();

                // Links on the policy's path flap: OPENs that meet a broken path fall back to
                // shortest path at that hop; calls that failed before reaching a pod are retried.
                ForwardingPolicy p = policyAt(mesh, "sg-1");
                String via = p.path().get(1);
                for (int i = 0; i < 3; i++) {
                    mesh.closeConnection("sr-1", via);
                    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(mesh.node("sr-1")
                            .forwarder().isLinkUp(via)).isTrue());
                }
                long afterNs = System.nanoTime();
                await().atMost(Duration.ofSeconds(10)).until(() -> caller.servedSince(afterNs).values().stream()
                        .mapToInt(Integer::intValue).sum() >= 20);
                assertThat(caller.failures()).as("failed calls").isEmpty();
            }
            Fabric.awaitNoFlows(mesh);
        }
    }

    @Test
    void shouldSteerOnTheJitterThresholdAndOnTheBandwidthThreshold() throws Exception {
        // Jitter only: 10 ms +- 10 ms on sr-2 -> sg-2 (delay under any threshold here: delay is off).
        try (Mesh mesh = Fabric.start(topology("{delayMs: 0, jitterMs: 3, availableBandwidthPercent: 0}", 1000));
             TestPod at2 = TestPod.start(Fabric.gateway(mesh, "sg-2").podAddress(), "pod-b2", List.of("/B"),
                     new EchoService("pod-b2").definition());
             TestPod at4 = TestPod.start(Fabric.gateway(mesh, "sg-4").podAddress(), "pod-b4", List.of("/B"),
                     new EchoService("pod-b4").definition())) {
            awaitBothReplicas(mesh);
            mesh.impair("sr-2", "sg-2", new LinkImpairment(10, 10, 0, 0));
            await().atMost(Duration.ofSeconds(20)).until(() -> policyAt(mesh, "sg-1") != null);
            assertThat(policyAt(mesh, "sg-1").egress()).isEqualTo("sg-4");
            assertThat(policyAt(mesh, "sg-1").reason()).contains("jitter").contains("to sg-2 >= 3 ms");
        }
        // Bandwidth only: the link sg-2 — sr-2 has 1 Mbit/s, and 32 KiB calls fill it.
        try (Mesh mesh = Fabric.start(topology("{delayMs: 0, jitterMs: 0, availableBandwidthPercent: 10}", 1));
             TestPod at2 = TestPod.start(Fabric.gateway(mesh, "sg-2").podAddress(), "pod-b2", List.of("/B"),
                     new EchoService("pod-b2").definition());
             TestPod at4 = TestPod.start(Fabric.gateway(mesh, "sg-4").podAddress(), "pod-b4", List.of("/B"),
                     new EchoService("pod-b4").definition())) {
            awaitBothReplicas(mesh);
            assertThat(policyAt(mesh, "sg-1")).as("idle: the 1 Mbit/s link has bandwidth left").isNull();
            try (Caller heavy = new Caller(mesh, 32 * 1024)) {
                await().atMost(Duration.ofSeconds(20)).until(() -> policyAt(mesh, "sg-1") != null);
                assertThat(policyAt(mesh, "sg-1").egress()).isEqualTo("sg-4");
                assertThat(policyAt(mesh, "sg-1").reason()).contains("available bandwidth").contains("towards sg-2");
                assertThat(heavy.failures()).as("failed calls").isEmpty();
            }
        }
    }
}
