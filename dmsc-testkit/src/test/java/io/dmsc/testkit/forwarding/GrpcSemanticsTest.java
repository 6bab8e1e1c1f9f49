package io.dmsc.testkit.forwarding;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.dmsc.node.Mesh;
import io.dmsc.testkit.EchoService;
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
import io.grpc.MethodDescriptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * gRPC semantics end to end (DESIGN.md section 6), each through a 3-hop path of Figure 2
 * (sg-1 → sr-1 → sg-3) and through a chain of five links (sg-a → sr-1 … sr-4 → sg-b). After every
 * test, every hop's flow table must be empty. The suite runs both ways: Figure 2 has mutual TLS
 * on every link ({@code security: auto}), the chain plaintext links; {@link #startMeshes} checks it.
 */
class GrpcSemanticsTest {
    private static final Metadata.Key<String> ECHO_TEXT = Metadata.Key.of("x-echo-text", Metadata.ASCII_STRING_MARSHALLER);
    private static final Metadata.Key<byte[]> ECHO_BIN = Metadata.Key.of("x-echo-bin", Metadata.BINARY_BYTE_MARSHALLER);
    private static final int LARGE = 16 * 1024 * 1024 - 1024;

    /** One path through a mesh: a client at the ingress SG, a pod behind the egress SG. */
    record Route(String label, Mesh mesh, ManagedChannel channel, Channel targeted, EchoService echo, PodProbe probe,
                 TestPod pod) {
        EchoGrpc.EchoBlockingStub blocking() {
            return EchoGrpc.newBlockingStub(targeted).withDeadlineAfter(30, TimeUnit.SECONDS);
        }

        EchoGrpc.EchoStub async() {
            return EchoGrpc.newStub(targeted).withDeadlineAfter(30, TimeUnit.SECONDS);
        }

        @Override
        public String toString() {
            return label;
        }
    }

    private static Route threeHops;
    private static Route fiveHops;

    @BeforeAll
    static void startMeshes() throws Exception {
        Mesh figure2 = Fabric.start(Fabric.figure2());
        Mesh chain = Fabric.start(Fabric.chain());
        threeHops = route("3 hops: sg-1 > sr-1 > sg-3", figure2, "sg-1", "sg-3", "/B/3", "sr-1");
        fiveHops = route("5 hops: sg-a > sr-1 > sr-2 > sr-3 > sr-4 > sg-b", chain, "sg-a", "sg-b", "/B/b", "sr-1");
        assertThat(figure2.node("sr-1").status().get().neighbors()).as("Figure 2's links")
                .allSatisfy(n -> assertThat(n.security()).startsWith("tls "));
        assertThat(chain.node("sr-1").status().get().neighbors()).as("the chain's links")
                .allSatisfy(n -> assertThat(n.security()).isEqualTo("plaintext"));
    }

    private static Route route(String label, Mesh mesh, String ingress, String egress, String prefix,
                               String firstHop) {
        EchoService echo = new EchoService(egress + "-pod");
        PodProbe probe = new PodProbe(false);
        TestPod pod = TestPod.start(Fabric.gateway(mesh, egress).podAddress(), egress + "-pod", List.of(prefix),
                ServerInterceptors.intercept(echo.definition(), probe));
        Fabric.awaitRoute(mesh, ingress, prefix + "/x", firstHop);
        ManagedChannel ch = Fabric.channelTo(mesh, ingress);
        return new Route(label, mesh, ch, ClientInterceptors.intercept(ch, Fabric.target(prefix)), echo, probe, pod);
    }

    @AfterAll
    static void stopMeshes() throws Exception {
        for (Route r : new Route[] {threeHops, fiveHops}) {
            if (r != null) {
                Fabric.shutdown(r.channel());
                r.pod().close();
                r.mesh().close();
            }
        }
    }

    static Stream<Route> routes() {
        return Stream.of(threeHops, fiveHops);
    }

    @AfterEach
    void everyFlowIsGone() {
        Fabric.awaitNoFlows(threeHops.mesh());
        Fabric.awaitNoFlows(fiveHops.mesh());
    }

    private static EchoRequest payload(String text) {
        return EchoRequest.newBuilder().setPayload(ByteString.copyFromUtf8(text)).build();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("routes")
    void shouldCarryAUnaryCall(Route r) {
        EchoReply reply = r.blocking().unary(payload("hello"));
        assertThat(reply.getPayload().toStringUtf8()).isEqualTo("hello");
        assertThat(reply.getServedBy()).isEqualTo(r.echo() == threeHops.echo() ? "sg-3-pod" : "sg-b-pod");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("routes")
    void shouldEndASuccessfulCallWithOkAndNoMessage(Route r) throws Exception {
        ClientCall<EchoRequest, EchoReply> call = r.targeted().newCall(EchoGrpc.getUnaryMethod(),
                CallOptions.DEFAULT.withDeadlineAfter(30, TimeUnit.SECONDS));
        CompletableFuture<Status> status = new CompletableFuture<>();
        call.start(new ClientCall.Listener<>() {
            @Override
            public void onClose(Status s, Metadata trailers) {
                status.complete(s);
            }
        }, new Metadata());
        call.request(1);
        call.sendMessage(payload("ok"));
        call.halfClose();
        Status s = status.get(30, TimeUnit.SECONDS);
        assertThat(s.getCode()).isEqualTo(Status.Code.OK);
        assertThat(s.getDescription()).as("what a direct call gives").isNull();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("routes")
    void shouldCarryAClientStream(Route r) throws Exception {
        Recorder<EchoReply> rec = new Recorder<>();
        StreamObserver<EchoRequest> out = r.async().clientStream(rec);
        for (int i = 0; i < 5; i++) {
            out.onNext(payload("m" + i + "-abc"));
        }
        out.onCompleted();
        assertThat(rec.await()).isEqualTo(Status.OK);
        assertThat(rec.messages).singleElement().satisfies(m -> {
            assertThat(m.getCount()).isEqualTo(5);
            assertThat(m.getBytesReceived()).isEqualTo(5 * 6);
        });
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("routes")
    void shouldCarryAServerStream(Route r) throws Exception {
        Recorder<EchoReply> rec = new Recorder<>();
        r.async().serverStream(payload("s").toBuilder().setReplies(7).build(), rec);
        assertThat(rec.await()).isEqualTo(Status.OK);
        assertThat(rec.messages).extracting(EchoReply::getCount).containsExactly(1, 2, 3, 4, 5, 6, 7);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("routes")
    void shouldCarryABidiStreamInOrder(Route r) throws Exception {
        Recorder<EchoReply> rec = new Recorder<>();
        StreamObserver<EchoRequest> out = r.async().bidi(rec);
        for (int i = 0; i < 20; i++) {
            out.onNext(payload("b" + i));
        }
        out.onCompleted();
        assertThat(rec.await()).isEqualTo(Status.OK);
        assertThat(rec.messages).hasSize(20);
        for (int i = 0; i < 20; i++) {
            assertThat(rec.messages.get(i).getPayload().toStringUtf8()).isEqualTo("b" + i);
            assertThat(rec.messages.get(i).getCount()).isEqualTo(i + 1);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("routes")
    void shouldCarryEmptyStreams(Route r) throws Exception {
        Recorder<EchoReply> clientStream = new Recorder<>();
        r.async().clientStream(clientStream).onCompleted();
        assertThat(clientStream.await()).isEqualTo(Status.OK);
        assertThat(clientStream.messages).singleElement().extracting(EchoReply::getCount).isEqualTo(0);

        Recorder<EchoReply> serverStream = new Recorder<>();
        r.async().serverStream(payload("none").toBuilder().setReplies(0).build(), serverStream);
        assertThat(serverStream.await()).isEqualTo(Status.OK);
        assertThat(serverStream.messages).isEmpty();

        Recorder<EchoReply> bidi = new Recorder<>();
        r.async().bidi(bidi).onCompleted();
        assertThat(bidi.await()).isEqualTo(Status.OK);
        assertThat(bidi.messages).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("routes")
    void shouldCarryTextAndBinaryHeadersAndTrailers(Route r) {
        byte[] bin = {0, 1, 2, (byte) 0xfe, (byte) 0xff, '\n', ':'};
        Metadata md = new Metadata();
        md.put(ECHO_TEXT, "value with spaces, 1");
        md.put(ECHO_TEXT, "second value");
        md.put(ECHO_BIN, bin);
        AtomicReference<Metadata> headers = new AtomicReference<>();
        AtomicReference<Metadata> trailers = new AtomicReference<>();
        r.blocking().withInterceptors(MetadataUtils.newAttachHeadersInterceptor(md),
                MetadataUtils.newCaptureMetadataInterceptor(headers, trailers)).unary(payload("h"));
        for (Metadata m : List.of(headers.get(), trailers.get())) {
            assertThat(m.getAll(ECHO_TEXT)).containsExactly("value with spaces, 1", "second value");
            assertThat(m.get(ECHO_BIN)).isEqualTo(bin);
        }
        assertThat(headers.get().get(Metadata.Key.of("x-served-by", Metadata.ASCII_STRING_MARSHALLER)))
                .endsWith("-pod");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("routes")
    void shouldCarryStatusCodeAndUnicodeMessage(Route r) {
        String message = "débit refusé – 拒否 \uD83D\uDE80 100%";
        Metadata md = new Metadata();
        md.put(ECHO_TEXT, "on-error");
        AtomicReference<Metadata> headers = new AtomicReference<>();
        AtomicReference<Metadata> trailers = new AtomicReference<>();
        assertThatThrownBy(() -> r.blocking().withInterceptors(MetadataUtils.newAttachHeadersInterceptor(md),
                        MetadataUtils.newCaptureMetadataInterceptor(headers, trailers))
                .unary(payload("x").toBuilder().setFailCode(Status.Code.FAILED_PRECONDITION.value())
                        .setFailMessage(message).build()))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
                    assertThat(e.getStatus().getDescription()).isEqualTo(message);
                    assertThat(e.getTrailers().get(ECHO_TEXT)).isEqualTo("on-error");
                });
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("routes")
    void shouldPropagateTheDeadlineAndCancelThePodWhenItPasses(Route r) throws Exception {
        int cancelledBefore = r.echo().cancelled();
        Recorder<EchoReply> rec = new Recorder<>();
        EchoGrpc.newStub(r.targeted()).withDeadlineAfter(700, TimeUnit.MILLISECONDS)
                .serverStream(payload("slow").toBuilder().setReplies(1).setDelayMs(5_000).build(), rec);
        Status s = rec.await();
        assertThat(s.getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
        assertThat(rec.messages).isEmpty();
        // The pod got the call with what was left of the caller's deadline, not without one.
        assertThat(r.probe().lastDeadlineMs.get()).isBetween(1L, 700L);
        await().atMost(Duration.ofSeconds(10)).until(() -> r.echo().cancelled() > cancelledBefore);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("routes")
    void shouldCancelThePodWhenTheClientCancelsABidiStream(Route r) throws Exception {
        int cancelledBefore = r.echo().cancelled();
        AtomicReference<ClientCallStreamObserver<EchoRequest>> request = new AtomicReference<>();
        Recorder<EchoReply> rec = new Recorder<>();
        r.async().bidi(new ClientResponseObserver<EchoRequest, EchoReply>() {
            @Override
            public void beforeStart(ClientCallStreamObserver<EchoRequest> stream) {
                request.set(stream);
            }

            @Override
            public void onNext(EchoReply value) {
                rec.onNext(value);
            }

            @Override
            public void onError(Throwable t) {
                rec.onError(t);
            }

            @Override
            public void onCompleted() {
                rec.onCompleted();
            }
        });
        request.get().onNext(payload("one"));
        rec.first.get(30, TimeUnit.SECONDS);
        request.get().cancel("the client has had enough", null);
        assertThat(rec.await().getCode()).isEqualTo(Status.Code.CANCELLED);
        await().atMost(Duration.ofSeconds(10)).until(() -> r.echo().cancelled() > cancelledBefore);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("routes")
    void shouldEndTheClientsStreamWithTheStatusTheServerFailedWithMidStream(Route r) throws Exception {
        Recorder<EchoReply> bidi = new Recorder<>();
        StreamObserver<EchoRequest> out = r.async().bidi(bidi);
        out.onNext(payload("fine"));
        bidi.first.get(30, TimeUnit.SECONDS);
        out.onNext(payload("stop").toBuilder().setFailCode(Status.Code.ABORTED.value()).setFailMessage("aborted at 2")
                .build());
        Status s = bidi.await();
        assertThat(s.getCode()).isEqualTo(Status.Code.ABORTED);
        assertThat(s.getDescription()).isEqualTo("aborted at 2");
        assertThat(bidi.messages).hasSize(1);
        out.onCompleted();

        Recorder<EchoReply> serverStream = new Recorder<>();
        r.async().serverStream(payload("p").toBuilder().setReplies(3).setFailCode(Status.Code.RESOURCE_EXHAUSTED.value())
                .setFailMessage("quota gone after 3").build(), serverStream);
        Status s2 = serverStream.await();
        assertThat(s2.getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
        assertThat(s2.getDescription()).isEqualTo("quota gone after 3");
        assertThat(serverStream.messages).hasSize(3);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("routes")
    void shouldCarryMessagesOfAlmost16MiBBothWays(Route r) {
        byte[] big = new byte[LARGE];
        for (int i = 0; i < big.length; i++) {
            big[i] = (byte) (i * 31 + (i >>> 13));
        }
        EchoReply reply = r.blocking().unary(EchoRequest.newBuilder().setPayload(ByteString.copyFrom(big)).build());
        assertThat(reply.getPayload().size()).isEqualTo(LARGE);
        assertThat(Arrays.equals(reply.getPayload().toByteArray(), big)).as("payload intact").isTrue();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("routes")
    void shouldCarryCompressedCallsFromEitherEnd(Route r) {
        String text = "compress me ".repeat(10_000);
        EchoReply fromClient = r.blocking().withCompression("gzip").unary(payload(text));
        assertThat(fromClient.getPayload().toStringUtf8()).isEqualTo(text);

        Metadata md = new Metadata();
        md.put(PodProbe.COMPRESS_REPLY, "gzip");
        EchoReply fromServer = r.blocking().withInterceptors(MetadataUtils.newAttachHeadersInterceptor(md))
                .unary(payload(text));
        assertThat(fromServer.getPayload().toStringUtf8()).isEqualTo(text);

        EchoReply both = r.blocking().withCompression("gzip")
                .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(md)).unary(payload(text));
        assertThat(both.getPayload().toStringUtf8()).isEqualTo(text);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("routes")
    void shouldPassUnimplementedFromThePodThroughUnchanged(Route r) {
        MethodDescriptor<byte[], byte[]> missing = MethodDescriptor.<byte[], byte[]>newBuilder()
                .setType(MethodDescriptor.MethodType.UNARY).setFullMethodName("dmsc.testkit.v1.Echo/Missing")
                .setRequestMarshaller(RAW).setResponseMarshaller(RAW).build();
        assertThatThrownBy(() -> ClientCalls.blockingUnaryCall(r.targeted(), missing,
                CallOptions.DEFAULT.withDeadlineAfter(30, TimeUnit.SECONDS), new byte[] {1, 2, 3}))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNIMPLEMENTED);
                    assertThat(e.getStatus().getDescription())
                            .isEqualTo("Method not found: dmsc.testkit.v1.Echo/Missing");
                });
    }

    private static final MethodDescriptor.Marshaller<byte[]> RAW = new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
            return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
            try {
                return stream.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    };
}
