package io.dmsc.example.greeter;

import io.dmsc.example.greeter.proto.GreeterGrpc;
import io.dmsc.example.greeter.proto.HelloReply;
import io.dmsc.example.greeter.proto.HelloRequest;
import io.dmsc.sdk.DmscMesh;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.util.Iterator;
import java.util.concurrent.TimeUnit;

/**
 * Calls Greeter by prefix, both ways the SDK offers: {@code GreeterClient --gateway 127.0.0.1:7101
 * --prefix /B/4 [--name world]}.
 */
public final class GreeterClient {
    private GreeterClient() {
    }

    /**
     * Entry point.
     *
     * @param argv {@code --gateway HOST:PORT --prefix /P --name N --pod ID --tls-ca F --cert F --key F}, all optional
     * @throws Exception if a call fails
     */
    public static void main(String[] argv) throws Exception {
        Args args = new Args(argv);
        String gateway = args.get("gateway", "127.0.0.1:7101");
        String prefix = args.get("prefix", "/B/4");
        HelloRequest request = HelloRequest.newBuilder().setName(args.get("name", "world")).setCount(3).build();

        // 1. Through the mesh: an ordinary Channel that stamps dmsc-target on every call.
        try (DmscMesh mesh = DmscMesh.builder().gateway(gateway).podId(args.get("pod", "greeter-client"))
                .tls(args.tls()).build()) {
            GreeterGrpc.GreeterBlockingStub stub = GreeterGrpc.newBlockingStub(mesh.channel(prefix))
                    .withDeadlineAfter(5, TimeUnit.SECONDS);
            System.out.println("mesh.channel(" + prefix + "): " + stub.sayHello(request).getMessage());
            Iterator<HelloReply> replies = stub.sayHelloStream(request);
            while (replies.hasNext()) {
                System.out.println("  stream: " + replies.next().getMessage());
            }
        }

        // 2. Through plain grpc-java: the dmsc name resolver finds the gateway in the target's authority.
        String target = "dmsc://" + gateway + prefix;
        io.dmsc.sdk.GatewayTls tls = args.tls();
        ManagedChannel channel = tls == null ? ManagedChannelBuilder.forTarget(target).usePlaintext().build()
                : io.grpc.netty.NettyChannelBuilder.forTarget(target).sslContext(tls.clientContext()).build();
        try {
            HelloReply reply = GreeterGrpc.newBlockingStub(channel).withDeadlineAfter(5, TimeUnit.SECONDS)
                    .sayHello(request);
            System.out.println(target + ": " + reply.getMessage());
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }
}
