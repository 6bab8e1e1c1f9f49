package io.dmsc.testkit.forwarding;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.dmsc.node.Mesh;
import io.dmsc.node.config.ConfigLoader;
import io.dmsc.testkit.EchoService;
import io.dmsc.testkit.TestPod;
import io.dmsc.testkit.proto.v1.EchoGrpc;
import io.dmsc.testkit.proto.v1.EchoReply;
import io.dmsc.testkit.proto.v1.EchoRequest;
import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** An SG admits at most {@code maxCallsInFlight} ingress calls; the next one is refused at once. */
class AdmissionLimitTest {
    private static final String TOPOLOGY = "name: limited\n"
            + "nodes:\n"
            + "  - {id: sg-a, role: sg, listen: 127.0.0.1:0, pod: 127.0.0.1:0, gateway: {maxCallsInFlight: 2}}\n"
            + "  - {id: sr-1, role: sr, listen: 127.0.0.1:0}\n"
            + "  - {id: sg-b, role: sg, listen: 127.0.0.1:0, pod: 127.0.0.1:0}\n"
            + "links:\n"
            + "  - {a: sg-a, b: sr-1}\n"
            + "  - {a: sr-1, b: sg-b}\n";

    @Test
    @SuppressWarnings("try") // the pod only has to stay attached for the test's duration
    void shouldRefuseCallsBeyondTheLimitAndAdmitAgainWhenOneEnds() throws Exception {
        try (Mesh mesh = Fabric.start(ConfigLoader.parseTopology("limited.yaml", TOPOLOGY));
             TestPod pod = TestPod.start(Fabric.gateway(mesh, "sg-b").podAddress(), "pod", "/B", new EchoService("b"))) {
            Fabric.awaitRoute(mesh, "sg-a", "/B/x");
            Fabric.awaitRoute(mesh, "sr-1", "/B/x");
            ManagedChannel ch = Fabric.channelTo(mesh, "sg-a");
            Channel toB = ClientInterceptors.intercept(ch, Fabric.target("/B"));
            List<Recorder<EchoReply>> open = new ArrayList<>();
            List<StreamObserver<EchoRequest>> requests = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                Recorder<EchoReply> r = new Recorder<>();
                StreamObserver<EchoRequest> req = EchoGrpc.newStub(toB).bidi(r);
                req.onNext(EchoRequest.newBuilder().setPayload(ByteString.copyFromUtf8("hold")).build());
                r.first.get(10, TimeUnit.SECONDS);
                open.add(r);
                requests.add(req);
            }
            EchoGrpc.EchoBlockingStub unary = EchoGrpc.newBlockingStub(toB).withDeadlineAfter(10, TimeUnit.SECONDS);
            StatusRuntimeException refused = catchThrowableOfType(StatusRuntimeException.class,
                    () -> unary.unary(EchoRequest.getDefaultInstance()));
            assertThat(refused.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
            assertThat(refused.getStatus().getDescription()).isEqualTo(
                    "gateway sg-a has 2 calls in flight, its limit (maxCallsInFlight); retry later");

            requests.get(0).onCompleted();
            assertThat(open.get(0).await().getCode()).isEqualTo(Status.Code.OK);
            await().atMost(Duration.ofSeconds(10)).ignoreExceptions().until(() ->
                    EchoGrpc.newBlockingStub(toB).withDeadlineAfter(5, TimeUnit.SECONDS)
                            .unary(EchoRequest.newBuilder().setPayload(ByteString.copyFromUtf8("again")).build())
                            .getPayload().toStringUtf8().equals("again"));
            requests.get(1).onCompleted();
            assertThat(open.get(1).await().getCode()).isEqualTo(Status.Code.OK);
            Fabric.shutdown(ch);
        }
    }
}
