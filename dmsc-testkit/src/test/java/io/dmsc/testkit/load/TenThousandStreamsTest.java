package io.dmsc.testkit.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.dmsc.gateway.Gateway;
import io.dmsc.node.DmscNode;
import io.dmsc.node.Mesh;
import io.dmsc.node.config.ConfigLoader;
import io.dmsc.testkit.EchoService;
import io.dmsc.testkit.TestPod;
import io.dmsc.testkit.proto.v1.EchoGrpc;
import io.dmsc.testkit.proto.v1.EchoReply;
import io.dmsc.testkit.proto.v1.EchoRequest;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * 10,000 concurrent bidirectional streams through one ingress SG, one SR and one egress SG, all
 * open at once: every stream gets its reply, the heap stays bounded, and every flow entry is gone
 * once the streams end.
 */
class TenThousandStreamsTest {
    private static final int STREAMS = 10_000;
    private static final String CHAIN = "name: chain\n"
            + "nodes:\n"
            + "  - {id: sg-a, role: sg, listen: 127.0.0.1:0, pod: 127.0.0.1:0}\n"
            + "  - {id: sr-1, role: sr, listen: 127.0.0.1:0}\n"
            + "  - {id: sg-b, role: sg, listen: 127.0.0.1:0, pod: 127.0.0.1:0}\n"
            + "links:\n"
            + "  - {a: sg-a, b: sr-1}\n"
            + "  - {a: sr-1, b: sg-b}\n";

    private static io.netty.util.ResourceLeakDetector.Level leakLevel;

    /**
     * Paranoid leak tracking (on for the rest of the suite) records a stack trace per buffer:
     * at ten thousand streams that, not forwarding, would be what the test measures.
     */
    @org.junit.jupiter.api.BeforeAll
    static void simpleLeakTracking() {
        leakLevel = io.netty.util.ResourceLeakDetector.getLevel();
        io.netty.util.ResourceLeakDetector.setLevel(io.netty.util.ResourceLeakDetector.Level.SIMPLE);
    }

    @org.junit.jupiter.api.AfterAll
    static void restoreLeakTracking() {
        io.netty.util.ResourceLeakDetector.setLevel(leakLevel);
    }

    @Test
    @SuppressWarnings("try") // the pod only has to stay attached for the test's duration
    void shouldCarryTenThousandOpenStreamsAndFreeEveryFlow() throws Exception {
        try (Mesh mesh = Mesh.start(ConfigLoader.parseTopology("chain.yaml", CHAIN), Mesh.Links.TCP,
                Gateway.factory());
             TestPod pod = TestPod.start(mesh.node("sg-b").extension(Gateway.class).podAddress(), "pod",
                     "/B", new EchoService("b"))) {
            await().atMost(Duration.ofSeconds(30)).until(() -> mesh.node("sg-a").fib().lookup("/B/x") != null
                    && mesh.node("sr-1").fib().lookup("/B/x") != null);
            ManagedChannel ch = NettyChannelBuilder.forTarget(mesh.node("sg-a").extension(Gateway.class).podAddress())
                    .usePlaintext().build();
            Metadata md = new Metadata();
            md.put(Metadata.Key.of("dmsc-target", Metadata.ASCII_STRING_MARSHALLER), "/B");
            EchoGrpc.EchoStub stub = EchoGrpc.newStub(ch).withInterceptors(MetadataUtils.newAttachHeadersInterceptor(md));
            long heapBefore = usedHeapAfterGc();
            CountDownLatch firstReplies = new CountDownLatch(STREAMS);
            CountDownLatch ended = new CountDownLatch(STREAMS);
            AtomicInteger failed = new AtomicInteger();
            java.util.concurrent.atomic.AtomicReference<Throwable> firstError = new java.util.concurrent.atomic.AtomicReference<>();
            List<StreamObserver<EchoRequest>> requests = new ArrayList<>(STREAMS);
            EchoRequest hello = EchoRequest.newBuilder().setPayload(ByteString.copyFromUtf8("x")).build();
            for (int i = 0; i < STREAMS; i++) {
                StreamObserver<EchoRequest> req = stub.bidi(new StreamObserver<>() {
                    @Override
                    public void onNext(EchoReply r) {
                        firstReplies.countDown();
                    }

                    @Override
                    public void onError(Throwable t) {
                        if (failed.incrementAndGet() == 1) {
                            firstError.set(t);
                        }
                        firstReplies.countDown();
                        ended.countDown();
                    }

                    @Override
                    public void onCompleted() {
                        ended.countDown();
                    }
                });
                req.onNext(hello);
                requests.add(req);
            }
            assertThat(firstReplies.await(120, TimeUnit.SECONDS)).as("every stream answered").isTrue();
            assertThat(failed.get()).as("failed streams; the first: %s", firstError.get()).isZero();
            int openAtTransit = mesh.node("sr-1").forwarder().flows().get(10, TimeUnit.SECONDS).size();
            assertThat(openAtTransit).as("one flow entry per open stream at the SR").isEqualTo(STREAMS);
            long perStream = (usedHeapAfterGc() - heapBefore) / STREAMS;
            System.out.println("10,000 open streams through sg-a -> sr-1 -> sg-b (all in this JVM, client and pod"
                    + " included): " + perStream + " bytes of heap per stream");
            // Client, pod, both gateways and the router share this heap; a few tens of KiB per stream in
            // all is what gRPC itself costs. The bound catches per-stream buffering gone wrong.
            assertThat(perStream).isLessThan(64 * 1024);
            for (StreamObserver<EchoRequest> r : requests) {
                r.onCompleted();
            }
            assertThat(ended.await(120, TimeUnit.SECONDS)).isTrue();
            assertThat(failed.get()).isZero();
            for (DmscNode n : mesh.nodes()) {
                await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                        assertThat(n.forwarder().flows().get(10, TimeUnit.SECONDS)).as(n.id()).isEmpty());
            }
            // No false positive of the 1 s hold time under this load: no adjacency went down.
            for (DmscNode n : mesh.nodes()) {
                System.out.println(n.id() + ": adjacencies down " + n.metrics().adjacencyDowns()
                        + ", hold expiries deferred " + n.metrics().protocolCounter("holdExpiriesDeferred"));
                assertThat(n.metrics().adjacencyDowns()).as("adjacencies of %s that went down", n.id()).isZero();
            }
            ch.shutdownNow();
        }
    }

    private static long usedHeapAfterGc() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
