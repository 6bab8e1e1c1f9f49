package io.dmsc.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.dmsc.gateway.Gateway;
import io.dmsc.node.Mesh;
import io.dmsc.testkit.proto.v1.EchoGrpc;
import io.dmsc.testkit.proto.v1.EchoReply;
import io.dmsc.testkit.proto.v1.EchoRequest;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ForwardingSmokeTest {
    @Test
    @SuppressWarnings("try") // the pod only has to stay attached for the test's duration
    void shouldCallAServiceAtSg4FromSg1() throws Exception {
        try (Mesh mesh = Mesh.start(Figure2MeshTest.figure2OnAnyPort(), Mesh.Links.TCP, Gateway.factory())) {
            String sg1 = mesh.node("sg-1").extension(Gateway.class).podAddress();
            String sg4 = mesh.node("sg-4").extension(Gateway.class).podAddress();
            EchoService echo = new EchoService("pod-4");
            String token = java.nio.file.Files.readString(java.nio.file.Path.of("../examples/tokens/pod-4.token")).trim();
            try (TestPod pod = TestPod.start(sg4, "pod-4", token, java.util.List.of("/B/4"), echo.definition())) {
                await().atMost(Duration.ofSeconds(20)).until(() ->
                        mesh.node("sg-1").fib().lookup("/B/4/x") != null);
                ManagedChannel ch = NettyChannelBuilder.forTarget(sg1).usePlaintext().build();
                Metadata md = new Metadata();
                md.put(Metadata.Key.of("dmsc-target", Metadata.ASCII_STRING_MARSHALLER), "/B/4");
                EchoReply r = EchoGrpc.newBlockingStub(ch).withInterceptors(MetadataUtils.newAttachHeadersInterceptor(md))
                        .withDeadlineAfter(5, TimeUnit.SECONDS)
                        .unary(EchoRequest.newBuilder().setPayload(ByteString.copyFromUtf8("hi")).build());
                assertThat(r.getServedBy()).isEqualTo("pod-4");
                assertThat(r.getPayload().toStringUtf8()).isEqualTo("hi");
                ch.shutdownNow();
            }
        }
    }
}
