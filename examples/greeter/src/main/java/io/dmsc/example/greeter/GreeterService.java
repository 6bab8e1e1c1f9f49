package io.dmsc.example.greeter;

import io.dmsc.example.greeter.proto.GreeterGrpc;
import io.dmsc.example.greeter.proto.HelloReply;
import io.dmsc.example.greeter.proto.HelloRequest;
import io.grpc.stub.StreamObserver;

/** The Greeter implementation; every reply names the pod that answered, to show which replica served. */
public final class GreeterService extends GreeterGrpc.GreeterImplBase {
    private static final int DEFAULT_COUNT = 3;
    private final String podId;

    /**
     * Creates the service.
     *
     * @param podId the pod id put into every reply
     */
    public GreeterService(String podId) {
        this.podId = podId;
    }

    @Override
    public void sayHello(HelloRequest request, StreamObserver<HelloReply> responses) {
        responses.onNext(reply("Hello, " + request.getName()));
        responses.onCompleted();
    }

    @Override
    public void sayHelloStream(HelloRequest request, StreamObserver<HelloReply> responses) {
        int count = request.getCount() == 0 ? DEFAULT_COUNT : request.getCount();
        for (int i = 1; i <= count; i++) {
            responses.onNext(reply("Hello #" + i + ", " + request.getName()));
        }
        responses.onCompleted();
    }

    private HelloReply reply(String text) {
        return HelloReply.newBuilder().setMessage(text + " (from pod " + podId + ")").build();
    }
}
