package io.dmsc.example.greeter;

import static org.assertj.core.api.Assertions.assertThat;

import io.dmsc.example.greeter.proto.GreeterGrpc;
import io.dmsc.example.greeter.proto.HelloReply;
import io.dmsc.example.greeter.proto.HelloRequest;
import io.dmsc.sdk.DmscTarget;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.netty.NettyServerBuilder;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The generated Greeter stubs over a {@code dmsc://} target reach a server standing in for the
 * gateway, with {@code dmsc-target} set: the SDK's resolver and policy are found as services from
 * another module. Unary and server streaming.
 */
class GreeterServiceTest {
    @Test
    void shouldGreetThroughDmscTargetWithUnaryAndStreamingCalls() throws Exception {
        List<String> targets = new CopyOnWriteArrayList<>();
        ServerInterceptor recorder = new ServerInterceptor() {
            @Override
            public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                    ServerCallHandler<Q, R> next) {
                targets.add(headers.get(DmscTarget.METADATA_KEY));
                return next.startCall(call, headers);
            }
        };
        Server gateway = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                .addService(ServerInterceptors.intercept(new GreeterService("pod-4"), recorder)).build().start();
        int port = ((InetSocketAddress) gateway.getListenSockets().get(0)).getPort();
        ManagedChannel channel = ManagedChannelBuilder.forTarget("dmsc://127.0.0.1:" + port + "/B/4").usePlaintext()
                .build();
        try {
            GreeterGrpc.GreeterBlockingStub stub = GreeterGrpc.newBlockingStub(channel)
                    .withDeadlineAfter(5, TimeUnit.SECONDS);
            HelloRequest request = HelloRequest.newBuilder().setName("world").setCount(2).build();

            assertThat(stub.sayHello(request).getMessage()).isEqualTo("Hello, world (from pod pod-4)");
            List<String> stream = new ArrayList<>();
            stub.sayHelloStream(request).forEachRemaining((HelloReply r) -> stream.add(r.getMessage()));
            assertThat(stream).containsExactly("Hello #1, world (from pod pod-4)", "Hello #2, world (from pod pod-4)");
            assertThat(targets).containsExactly("/B/4", "/B/4");
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            gateway.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }
}
