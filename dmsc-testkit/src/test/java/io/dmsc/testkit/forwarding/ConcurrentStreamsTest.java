package io.dmsc.testkit.forwarding;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.dmsc.node.Mesh;
import io.dmsc.testkit.EchoService;
import io.dmsc.testkit.TestPod;
import io.dmsc.testkit.proto.v1.EchoGrpc;
import io.dmsc.testkit.proto.v1.EchoReply;
import io.dmsc.testkit.proto.v1.EchoRequest;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A thousand calls at once through Figure 2 (sg-1 → sr-1 → sr-2|sr-3 → sg-4). */
class ConcurrentStreamsTest {
    private static final int N = 1000;
    private static Mesh mesh;
    private static TestPod pod;
    private static EchoService echo;
    private static ManagedChannel channel;
    private static EchoGrpc.EchoStub stub;

    @BeforeAll
    static void start() throws Exception {
        mesh = Fabric.start(Fabric.figure2());
        echo = new EchoService("pod-4");
        pod = TestPod.start(Fabric.gateway(mesh, "sg-4").podAddress(), "pod-4", "/B/4", echo);
        Fabric.awaitRoute(mesh, "sg-1", "/B/4/x");
        Fabric.awaitRoute(mesh, "sr-1", "/B/4/x", "sr-2", "sr-3");
        channel = Fabric.channelTo(mesh, "sg-1");
        stub = EchoGrpc.newStub(ClientInterceptors.intercept(channel, Fabric.target("/B/4")));
    }

    @AfterAll
    static void stop() throws Exception {
        Fabric.shutdown(channel);
        if (pod != null) {
            pod.close();
        }
        if (mesh != null) {
            mesh.close();
        }
    }

    @AfterEach
    void everyFlowIsGone() {
        Fabric.awaitNoFlows(mesh);
    }

    @Test
    void shouldCompleteAThousandConcurrentUnaryCalls() throws Exception {
        List<Recorder<EchoReply>> calls = new ArrayList<>();
        for (int i = 0; i < N; i++) {
            Recorder<EchoReply> r = new Recorder<>();
            stub.withDeadlineAfter(60, TimeUnit.SECONDS).unary(EchoRequest.newBuilder()
                    .setPayload(ByteString.copyFromUtf8("u" + i)).build(), r);
            calls.add(r);
        }
        for (int i = 0; i < N; i++) {
            Recorder<EchoReply> r = calls.get(i);
            assertThat(r.await()).as("call %d", i).isEqualTo(Status.OK);
            assertThat(r.messages).singleElement().extracting(m -> m.getPayload().toStringUtf8()).isEqualTo("u" + i);
        }
    }

    @Test
    void shouldHoldAThousandOpenBidiStreamsAtOnce() throws Exception {
        List<Recorder<EchoReply>> streams = new ArrayList<>();
        List<StreamObserver<EchoRequest>> outs = new ArrayList<>();
        for (int i = 0; i < N; i++) {
            Recorder<EchoReply> r = new Recorder<>();
            StreamObserver<EchoRequest> out = stub.withDeadlineAfter(120, TimeUnit.SECONDS).bidi(r);
            out.onNext(EchoRequest.newBuilder().setPayload(ByteString.copyFromUtf8("b" + i)).build());
            streams.add(r);
            outs.add(out);
        }
        CompletableFuture.allOf(streams.stream().map(r -> r.first).toArray(CompletableFuture[]::new))
                .get(60, TimeUnit.SECONDS);
        // Every stream is open at every hop at the same time.
        assertThat(Fabric.flowCount(mesh, "sg-1")).isEqualTo(N);
        assertThat(Fabric.flowCount(mesh, "sr-1")).isEqualTo(N);
        assertThat(Fabric.flowCount(mesh, "sr-2") + Fabric.flowCount(mesh, "sr-3")).isEqualTo(N);
        assertThat(Fabric.flowCount(mesh, "sg-4")).isEqualTo(N);
        for (int i = 0; i < N; i++) {
            outs.get(i).onNext(EchoRequest.newBuilder().setPayload(ByteString.copyFromUtf8("again" + i)).build());
            outs.get(i).onCompleted();
        }
        for (int i = 0; i < N; i++) {
            Recorder<EchoReply> r = streams.get(i);
            assertThat(r.await()).as("stream %d", i).isEqualTo(Status.OK);
            assertThat(r.messages).extracting(m -> m.getPayload().toStringUtf8()).containsExactly("b" + i, "again" + i);
        }
    }
}
