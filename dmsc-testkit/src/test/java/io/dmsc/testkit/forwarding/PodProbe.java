package io.dmsc.testkit.forwarding;

import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Sits in front of a test pod's services and records what the pod saw: the deadline of the last
 * call and, if asked, every request message. A request carrying
 * {@code x-compress-reply} gets a gzip-compressed response. Thread-safe.
 */
final class PodProbe implements ServerInterceptor {
    static final Metadata.Key<String> COMPRESS_REPLY = Metadata.Key.of("x-compress-reply",
            Metadata.ASCII_STRING_MARSHALLER);
    /** Remaining ms of the last call's deadline when it reached the pod; -1 if it had none. */
    final AtomicLong lastDeadlineMs = new AtomicLong(Long.MIN_VALUE);
    final Set<Object> requests = ConcurrentHashMap.newKeySet();
    private final boolean recordRequests;

    /** @param recordRequests keep every request message in {@link #requests} */
    PodProbe(boolean recordRequests) {
        this.recordRequests = recordRequests;
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                       ServerCallHandler<Q, R> next) {
        Deadline d = Context.current().getDeadline();
        lastDeadlineMs.set(d == null ? -1 : d.timeRemaining(TimeUnit.MILLISECONDS));
        if (headers.containsKey(COMPRESS_REPLY)) {
            call.setCompression("gzip");
        }
        return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(next.startCall(call, headers)) {
            @Override
            public void onMessage(Q message) {
                if (recordRequests) {
                    requests.add(message);
                }
                super.onMessage(message);
            }
        };
    }
}
