package io.dmsc.sdk;

import io.dmsc.wire.ServicePrefix;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall.SimpleForwardingClientCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;

/**
 * The {@code dmsc-target} request metadata: the service prefix a Service Gateway's catch-all
 * ingress routes a call on (the routed name is the prefix plus the full method name, e.g.
 * {@code /B/4/helloworld.Greeter/SayHello}). Any gRPC client, in any language, can call through a
 * gateway by sending it.
 */
public final class DmscTarget {
    /** The metadata key, {@code dmsc-target} (ASCII). */
    public static final Metadata.Key<String> METADATA_KEY =
            Metadata.Key.of("dmsc-target", Metadata.ASCII_STRING_MARSHALLER);

    private DmscTarget() {
    }

    /**
     * Returns an interceptor that sets {@code dmsc-target} on every call, replacing any value the
     * application set.
     *
     * @param prefix the service prefix, e.g. {@code /B/4}
     * @return the interceptor
     * @throws IllegalArgumentException if the prefix is not a valid service prefix; the message says why
     */
    public static ClientInterceptor interceptor(String prefix) {
        String target = ServicePrefix.parse(prefix).toString();
        return new ClientInterceptor() {
            @Override
            public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options,
                    Channel next) {
                return new SimpleForwardingClientCall<>(next.newCall(method, options)) {
                    @Override
                    public void start(Listener<R> listener, Metadata headers) {
                        stamp(headers, target);
                        super.start(listener, headers);
                    }
                };
            }
        };
    }

    static void stamp(Metadata headers, String target) {
        headers.discardAll(METADATA_KEY);
        headers.put(METADATA_KEY, target);
    }
}
