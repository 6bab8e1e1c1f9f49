package io.dmsc.testkit.forwarding;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.dmsc.node.Mesh;
import io.dmsc.testkit.TestPod;
import io.dmsc.testkit.proto.v1.EchoGrpc;
import io.dmsc.testkit.proto.v1.EchoReply;
import io.dmsc.testkit.proto.v1.EchoRequest;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A client that stops reading a server stream of 64 KiB replies: the pod that produces them is
 * throttled end to end (it only produces while gRPC says it is ready, so what it produced is what
 * the path buffers), and other calls through the same gateways, links and pod keep flowing.
 * Figure 2, sg-1 → sg-4.
 */
class SlowConsumerTest {
    private static final int REPLY_BYTES = 64 * 1024;
    private static final int REPLIES = 600;
    /**
     * 240 replies are 15 MiB: more than the windows on the path add up to (the client's HTTP/2
     * window of 1 MiB, the fabric's 256 KiB stream window, and the egress channel's HTTP/2 window,
     * which grpc-java's BDP tuning may grow to 8 MiB), far less than the 37.5 MiB of the stream.
     */
    private static final int BOUND = 240;

    private static Mesh mesh;
    private static TestPod pod;
    private static PacedEcho paced;
    private static ManagedChannel slowClient;
    private static ManagedChannel otherClient;

    @BeforeAll
    static void start() throws Exception {
        mesh = Fabric.start(Fabric.figure2());
        paced = new PacedEcho();
        pod = TestPod.start(Fabric.gateway(mesh, "sg-4").podAddress(), "paced-4", "/B/4", paced);
        Fabric.awaitRoute(mesh, "sg-1", "/B/4/x");
        // A fixed HTTP/2 window (no BDP tuning) so the client's own buffer is 1 MiB.
        slowClient = NettyChannelBuilder.forTarget(Fabric.gateway(mesh, "sg-1").podAddress()).usePlaintext()
                .flowControlWindow(1 << 20).build();
        otherClient = Fabric.channelTo(mesh, "sg-1");
    }

    @AfterAll
    static void stop() throws Exception {
        Fabric.shutdown(slowClient, otherClient);
        if (pod != null) {
            pod.close();
        }
        if (mesh != null) {
            mesh.close();
        }
    }

    @Test
    void shouldThrottleTheProducerOfAStalledStreamWithoutStallingOtherCalls() throws Exception {
        Channel slow = ClientInterceptors.intercept(slowClient, Fabric.target("/B/4"));
        ClientCall<EchoRequest, EchoReply> call = slow.newCall(EchoGrpc.getServerStreamMethod(),
                CallOptions.DEFAULT.withDeadlineAfter(120, TimeUnit.SECONDS));
        AtomicInteger received = new AtomicInteger();
        CompletableFuture<Status> done = new CompletableFuture<>();
        call.start(new ClientCall.Listener<>() {
            @Override
            public void onMessage(EchoReply message) {
                received.incrementAndGet();
            }

            @Override
            public void onClose(Status status, Metadata trailers) {
                done.complete(status);
            }
        }, new Metadata());
        call.request(1);
        call.sendMessage(EchoRequest.newBuilder().setReplies(REPLIES).setReplyBytes(REPLY_BYTES).build());
        call.halfClose();

        await().atMost(Duration.ofSeconds(30)).until(() -> received.get() == 1);
        // The pod is told to wait, and stays told while the client reads nothing.
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(paced.notReady.get())
                .as("times the pod found the call not ready; %d replies produced", paced.produced.get())
                .isPositive());
        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            assertThat(paced.produced.get()).as("replies produced while the client reads none").isLessThan(BOUND);
            assertThat(received.get()).isEqualTo(1);
        });
        int producedWhileStalled = paced.produced.get();

        // Meanwhile other calls through the same gateways, links and pod are not held up.
        Channel other = ClientInterceptors.intercept(otherClient, Fabric.target("/B/4"));
        List<Recorder<EchoReply>> calls = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            Recorder<EchoReply> r = new Recorder<>();
            EchoGrpc.newStub(other).withDeadlineAfter(20, TimeUnit.SECONDS)
                    .unary(EchoRequest.newBuilder().setPayload(ByteString.copyFromUtf8("other " + i)).build(), r);
            calls.add(r);
        }
        Recorder<EchoReply> fastStream = new Recorder<>();
        EchoGrpc.newStub(other).withDeadlineAfter(20, TimeUnit.SECONDS).serverStream(EchoRequest.newBuilder()
                .setReplies(50).setReplyBytes(REPLY_BYTES).build(), fastStream);
        for (Recorder<EchoReply> r : calls) {
            assertThat(r.await()).isEqualTo(Status.OK);
        }
        assertThat(fastStream.await()).isEqualTo(Status.OK);
        assertThat(fastStream.messages).hasSize(50);
        assertThat(received.get()).isEqualTo(1);

        // The client reads again: the rest of the stream arrives, intact and in full.
        call.request(REPLIES);
        assertThat(done.get(60, TimeUnit.SECONDS)).isEqualTo(Status.OK);
        assertThat(received.get()).isEqualTo(REPLIES);
        System.out.printf("slow consumer: %d of %d replies of %d bytes produced while the client read one%n",
                producedWhileStalled, REPLIES, REPLY_BYTES);
        Fabric.awaitNoFlows(mesh);
    }

    /** Produces server-stream replies only while the call is ready; unary echoes. */
    static final class PacedEcho extends EchoGrpc.EchoImplBase {
        final AtomicInteger produced = new AtomicInteger();
        final AtomicInteger notReady = new AtomicInteger();

        @Override
        public void unary(EchoRequest request, StreamObserver<EchoReply> out) {
            out.onNext(EchoReply.newBuilder().setPayload(request.getPayload()).setServedBy("paced-4").build());
            out.onCompleted();
        }

        @Override
        public void serverStream(EchoRequest request, StreamObserver<EchoReply> out) {
            ServerCallStreamObserver<EchoReply> s = (ServerCallStreamObserver<EchoReply>) out;
            ByteString payload = ByteString.copyFrom(new byte[request.getReplyBytes()]);
            int[] sent = {0};
            boolean[] finished = {false};
            // Runs serialized on the call's executor.
            s.setOnReadyHandler(() -> {
                while (s.isReady() && sent[0] < request.getReplies()) {
                    s.onNext(EchoReply.newBuilder().setPayload(payload).setCount(++sent[0]).build());
                    produced.incrementAndGet();
                }
                if (sent[0] == request.getReplies()) {
                    if (!finished[0]) {
                        finished[0] = true;
                        s.onCompleted();
                    }
                } else {
                    notReady.incrementAndGet();
                }
            });
        }
    }
}
