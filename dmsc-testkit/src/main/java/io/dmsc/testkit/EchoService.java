package io.dmsc.testkit;

import com.google.protobuf.ByteString;
import io.dmsc.testkit.proto.v1.EchoGrpc;
import io.dmsc.testkit.proto.v1.EchoReply;
import io.dmsc.testkit.proto.v1.EchoRequest;
import io.grpc.ForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The test service of the forwarding-plane tests and the load harness: every call shape, echo,
 * sized replies, failures with any status, delays. Request headers whose key starts with
 * {@code x-echo} are returned both as response headers and as trailers. Counts the calls it
 * received, so tests can tell whether a call reached a pod. Thread-safe.
 */
public final class EchoService extends EchoGrpc.EchoImplBase {
    private static final Metadata.Key<String> SERVED_BY = Metadata.Key.of("x-served-by", Metadata.ASCII_STRING_MARSHALLER);
    private static final ScheduledExecutorService TIMER = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "echo-timer");
        t.setDaemon(true);
        return t;
    });

    private final String name;
    private final AtomicInteger calls = new AtomicInteger();
    private final AtomicInteger cancelled = new AtomicInteger();

    /** @param name reported in every reply as {@code served_by} */
    public EchoService(String name) {
        this.name = name;
    }

    /** @return calls received (any method) */
    public int calls() {
        return calls.get();
    }

    /** @return calls the caller cancelled */
    public int cancelled() {
        return cancelled.get();
    }

    /** @return the service with its header-echoing interceptor */
    public ServerServiceDefinition definition() {
        return ServerInterceptors.intercept(this, new EchoHeaders(name));
    }

    @Override
    public void unary(EchoRequest request, StreamObserver<EchoReply> out) {
        calls.incrementAndGet();
        later(request.getDelayMs(), () -> answer(request, 1, request.getPayload().size(), out, true));
    }

    @Override
    public StreamObserver<EchoRequest> clientStream(StreamObserver<EchoReply> out) {
        calls.incrementAndGet();
        watchCancel(out);
        return new StreamObserver<>() {
            private int count;
            private long bytes;
            private EchoRequest last = EchoRequest.getDefaultInstance();

            @Override
            public void onNext(EchoRequest r) {
                count++;
                bytes += r.getPayload().size();
                last = r;
            }

            @Override
            public void onError(Throwable t) {
            }

            @Override
            public void onCompleted() {
                EchoRequest summary = last.toBuilder().setPayload(ByteString.EMPTY).build();
                answer(summary, count, bytes, out, true);
            }
        };
    }

    @Override
    public void serverStream(EchoRequest request, StreamObserver<EchoReply> out) {
        calls.incrementAndGet();
        watchCancel(out);
        later(request.getDelayMs(), () -> {
            if (request.getFailCode() != 0 && request.getReplies() == 0) {
                fail(request, out);
                return;
            }
            ServerCallStreamObserver<EchoReply> s = (ServerCallStreamObserver<EchoReply>) out;
            for (int i = 0; i < request.getReplies() && !s.isCancelled(); i++) {
                out.onNext(reply(request, i + 1, request.getPayload().size()));
            }
            if (request.getFailCode() != 0) {
                fail(request, out);
            } else {
                out.onCompleted();
            }
        });
    }

    @Override
    public StreamObserver<EchoRequest> bidi(StreamObserver<EchoReply> out) {
        calls.incrementAndGet();
        watchCancel(out);
        return new StreamObserver<>() {
            private int count;
            private long bytes;

            @Override
            public void onNext(EchoRequest r) {
                count++;
                bytes += r.getPayload().size();
                if (r.getFailCode() != 0) {
                    fail(r, out);
                    return;
                }
                out.onNext(reply(r, count, bytes));
            }

            @Override
            public void onError(Throwable t) {
            }

            @Override
            public void onCompleted() {
                out.onCompleted();
            }
        };
    }

    private void watchCancel(StreamObserver<EchoReply> out) {
        ((ServerCallStreamObserver<EchoReply>) out).setOnCancelHandler(cancelled::incrementAndGet);
    }

    private void answer(EchoRequest request, int count, long bytes, StreamObserver<EchoReply> out, boolean complete) {
        if (request.getFailCode() != 0) {
            fail(request, out);
            return;
        }
        out.onNext(reply(request, count, bytes));
        if (complete) {
            out.onCompleted();
        }
    }

    private EchoReply reply(EchoRequest request, int count, long bytes) {
        ByteString payload = request.getReplyBytes() > 0 ? ByteString.copyFrom(new byte[request.getReplyBytes()])
                : request.getPayload();
        return EchoReply.newBuilder().setPayload(payload).setServedBy(name).setCount(count).setBytesReceived(bytes)
                .build();
    }

    private static void fail(EchoRequest request, StreamObserver<EchoReply> out) {
        out.onError(Status.fromCodeValue(request.getFailCode()).withDescription(request.getFailMessage())
                .asRuntimeException());
    }

    private static void later(long delayMs, Runnable r) {
        if (delayMs <= 0) {
            r.run();
        } else {
            TIMER.schedule(r, delayMs, TimeUnit.MILLISECONDS);
        }
    }

    /** Returns {@code x-echo*} request headers as response headers and trailers. */
    private static final class EchoHeaders implements ServerInterceptor {
        private final String name;

        EchoHeaders(String name) {
            this.name = name;
        }

        @Override
        public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                           ServerCallHandler<Q, R> next) {
            Metadata echoed = new Metadata();
            for (String key : headers.keys()) {
                if (!key.startsWith("x-echo")) {
                    continue;
                }
                if (key.endsWith(Metadata.BINARY_HEADER_SUFFIX)) {
                    Metadata.Key<byte[]> k = Metadata.Key.of(key, Metadata.BINARY_BYTE_MARSHALLER);
                    headers.getAll(k).forEach(v -> echoed.put(k, v));
                } else {
                    Metadata.Key<String> k = Metadata.Key.of(key, Metadata.ASCII_STRING_MARSHALLER);
                    headers.getAll(k).forEach(v -> echoed.put(k, v));
                }
            }
            return next.startCall(new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
                @Override
                public void sendHeaders(Metadata responseHeaders) {
                    responseHeaders.merge(echoed);
                    responseHeaders.put(SERVED_BY, name);
                    super.sendHeaders(responseHeaders);
                }

                @Override
                public void close(Status status, Metadata trailers) {
                    trailers.merge(echoed);
                    super.close(status, trailers);
                }
            }, headers);
        }
    }
}
