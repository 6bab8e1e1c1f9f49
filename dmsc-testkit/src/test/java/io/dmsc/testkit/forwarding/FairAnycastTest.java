package io.dmsc.testkit.forwarding;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.dmsc.node.Mesh;
import io.dmsc.testkit.EchoService;
import io.dmsc.testkit.TestPod;
import io.dmsc.testkit.proto.v1.EchoGrpc;
import io.dmsc.testkit.proto.v1.EchoRequest;
import io.dmsc.wire.ServicePrefix;
import io.grpc.ManagedChannel;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Equal-cost replicas get equal shares of new calls, or shares in proportion to the weights
 * their SGs announce (the summed weights of their healthy endpoints). In Figure 2, /B at sg-2 and sg-4 is 30 away
 * from sg-1 either way, but sr-1 splits between sr-2 and sr-3 and only sr-2 also reaches sg-2:
 * split hop by hop, sg-2 got a quarter of the calls. The ingress now picks the replica and pins
 * the OPEN to it.
 */
class FairAnycastTest {
    @Test
    void shouldGiveEqualCostReplicasSharesInProportionToTheirAnnouncedWeights() throws Exception {
        try (Mesh mesh = Fabric.start(Fabric.figure2WithoutScsc());
             TestPod at2 = TestPod.start(Fabric.gateway(mesh, "sg-2").podAddress(), "pod-b2", List.of("/B"),
                     new EchoService("pod-b2").definition());
             TestPod at4 = TestPod.start(Fabric.gateway(mesh, "sg-4").podAddress(), "pod-b4", List.of("/B"),
                     new EchoService("pod-b4").definition())) {
            assertThat(mesh.node("scsc")).as("SCSC off").isNull();
            await().atMost(Fabric.CONVERGENCE).untilAsserted(() -> assertThat(mesh.node("sg-1").fib()
                    .egress(ServicePrefix.parse("/B"))).containsExactly("sg-2", "sg-4"));
            Fabric.awaitRoute(mesh, "sr-1", "/B/x", "sr-2", "sr-3");
            ManagedChannel ch = Fabric.channelTo(mesh, "sg-1");
            try {
                EchoGrpc.EchoBlockingStub stub = EchoGrpc.newBlockingStub(ch).withInterceptors(Fabric.target("/B"));
                EchoRequest request = EchoRequest.newBuilder().setPayload(ByteString.copyFromUtf8("b")).build();
                Map<String, Integer> servedBy = new TreeMap<>();
                for (int i = 0; i < 600; i++) {
                    servedBy.merge(stub.withDeadlineAfter(10, TimeUnit.SECONDS).unary(request).getServedBy(), 1,
                            Integer::sum);
                }
                assertThat(servedBy).containsOnlyKeys("pod-b2", "pod-b4");
                assertThat(servedBy.get("pod-b2")).as("calls served at sg-2 of 600: " + servedBy).isBetween(270, 330);
                assertThat(servedBy.get("pod-b4")).as("calls served at sg-4 of 600: " + servedBy).isBetween(270, 330);

                // The pod at sg-4 asks for three times the share: sg-4 advertises /B with weight 3.
                at4.announce("/B", 3);
                await().atMost(Fabric.CONVERGENCE).untilAsserted(() -> assertThat(mesh.node("sg-1").fib()
                        .egressWeights(ServicePrefix.parse("/B"))).containsExactly(1, 3));
                servedBy.clear();
                for (int i = 0; i < 400; i++) {
                    servedBy.merge(stub.withDeadlineAfter(10, TimeUnit.SECONDS).unary(request).getServedBy(), 1,
                            Integer::sum);
                }
                assertThat(servedBy.get("pod-b4")).as("calls served at sg-4 of 400: " + servedBy).isBetween(280, 320);
            } finally {
                Fabric.shutdown(ch);
            }
            Fabric.awaitNoFlows(mesh);
        }
    }
}
