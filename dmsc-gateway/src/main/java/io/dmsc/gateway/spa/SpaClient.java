package io.dmsc.gateway.spa;

import io.dmsc.node.config.SpaClientConfig;
import io.dmsc.node.security.Credentials;
import io.dmsc.node.security.GrpcTls;
import io.dmsc.node.link.HostPort;
import io.dmsc.wire.proto.spa.v1.AuthorizeRequest;
import io.dmsc.wire.proto.spa.v1.AuthorizeResponse;
import io.dmsc.wire.proto.spa.v1.PrefixAuthorityGrpc;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The SG's client of its Service Prefix Authentication entities: asks them in order of
 * preference and fails over to the next one when an SPA does not answer in time or cannot be
 * reached. An SPA that failed is skipped for a few seconds (unless every SPA failed), so a dead
 * first choice does not add its timeout to every request. Thread-safe; never blocks.
 */
public final class SpaClient implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SpaClient.class);
    /** How long an SPA that failed is skipped. */
    static final long SKIP_AFTER_FAILURE_NS = TimeUnit.SECONDS.toNanos(5);

    /** No SPA answered. The message lists each SPA's failure. */
    public static final class UnreachableException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        UnreachableException(String message) {
            super(message, null, false, false);
        }
    }

    private final String sgId;
    private final List<SpaClientConfig.Server> servers;
    private final List<ManagedChannel> channels = new ArrayList<>();
    private final List<PrefixAuthorityGrpc.PrefixAuthorityStub> stubs = new ArrayList<>();
    private final long timeoutMs;
    private final LongSupplier nanoClock;
    /** Per server: nanoTime until which it is skipped, 0 if healthy. */
    private final AtomicLongArray skipUntil;

    /**
     * @param sgId   the SG's node id, for logs
     * @param config the SPAs and the timeout
     */
    public SpaClient(String sgId, SpaClientConfig config) {
        this(sgId, config, null, System::nanoTime);
    }

    /**
     * @param sgId        the SG's node id, for logs
     * @param config      the SPAs and the timeout
     * @param credentials the SG's certificate and mesh CAs, for mutual TLS to the SPAs (which then
     *                    see the SG's node identity); null for plaintext
     */
    public SpaClient(String sgId, SpaClientConfig config, java.util.function.Supplier<Credentials> credentials) {
        this(sgId, config, credentials, System::nanoTime);
    }

    SpaClient(String sgId, SpaClientConfig config, java.util.function.Supplier<Credentials> credentials,
              LongSupplier nanoClock) {
        this.sgId = sgId;
        this.servers = config.servers();
        this.timeoutMs = config.timeoutMs();
        this.nanoClock = nanoClock;
        this.skipUntil = new AtomicLongArray(servers.size());
        io.netty.handler.ssl.SslContext tls = credentials == null ? null : GrpcTls.client(credentials);
        for (SpaClientConfig.Server s : servers) {
            HostPort hp = HostPort.parse(s.address());
            NettyChannelBuilder b = NettyChannelBuilder.forAddress(hp.host(), hp.port());
            if (tls == null) {
                b.usePlaintext();
            } else {
                b.sslContext(tls);
            }
            ManagedChannel ch = b
                    .directExecutor()
                    .maxInboundMessageSize(64 * 1024)
                    .build();
            channels.add(ch);
            stubs.add(PrefixAuthorityGrpc.newStub(ch));
        }
    }

    /**
     * Asks the SPAs, in order, until one answers.
     *
     * @param request the request
     * @return the answer; exceptionally with {@link UnreachableException} if none answered, or
     *         with the SPA's status if it rejected the request as malformed
     */
    public CompletableFuture<AuthorizeResponse> authorize(AuthorizeRequest request) {
        CompletableFuture<AuthorizeResponse> result = new CompletableFuture<>();
        List<Integer> order = order();
        attempt(request, order, 0, new StringBuilder(), result);
        return result;
    }

    /** Healthy SPAs first in configured order, then the skipped ones (in case all are down). */
    private List<Integer> order() {
        long now = nanoClock.getAsLong();
        List<Integer> healthy = new ArrayList<>();
        List<Integer> skipped = new ArrayList<>();
        for (int i = 0; i < servers.size(); i++) {
            long until = skipUntil.get(i);
            (until != 0 && now - until < 0 ? skipped : healthy).add(i);
        }
        healthy.addAll(skipped);
        return healthy;
    }

    private void attempt(AuthorizeRequest request, List<Integer> order, int n, StringBuilder failures,
                         CompletableFuture<AuthorizeResponse> result) {
        if (n == order.size()) {
            result.completeExceptionally(new UnreachableException("no prefix authority answered: " + failures));
            return;
        }
        int i = order.get(n);
        stubs.get(i).withDeadlineAfter(timeoutMs, TimeUnit.MILLISECONDS).authorize(request,
                new StreamObserver<>() {
                    @Override
                    public void onNext(AuthorizeResponse value) {
                        if (skipUntil.getAndSet(i, 0) != 0) {
                            LOG.info("{}: SPA {} answers again", sgId, servers.get(i));
                        }
                        result.complete(value);
                    }

                    @Override
                    public void onError(Throwable t) {
                        Status s = Status.fromThrowable(t);
                        if (s.getCode() == Status.Code.INVALID_ARGUMENT) {
                            result.completeExceptionally(new StatusRuntimeException(s));
                            return;
                        }
                        if (skipUntil.getAndSet(i, nanoClock.getAsLong() + SKIP_AFTER_FAILURE_NS) == 0) {
                            LOG.warn("{}: SPA {} failed ({}: {}); failing over", sgId, servers.get(i), s.getCode(),
                                    s.getDescription());
                        }
                        failures.append(failures.length() == 0 ? "" : "; ").append(servers.get(i)).append(": ")
                                .append(s.getCode()).append(s.getDescription() == null ? "" : " " + s.getDescription());
                        attempt(request, order, n + 1, failures, result);
                    }

                    @Override
                    public void onCompleted() {
                        if (!result.isDone()) {
                            result.completeExceptionally(new UnreachableException(servers.get(i)
                                    + " completed without an answer"));
                        }
                    }
                });
    }

    /** @return the SPAs in configured order */
    public List<SpaClientConfig.Server> servers() {
        return servers;
    }

    @Override
    public void close() {
        for (ManagedChannel c : channels) {
            c.shutdownNow();
        }
    }
}
