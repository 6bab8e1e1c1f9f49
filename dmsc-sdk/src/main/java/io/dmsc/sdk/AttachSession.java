package io.dmsc.sdk;

import io.dmsc.wire.proto.attach.v1.AnnounceResult;
import io.dmsc.wire.proto.attach.v1.PrefixRevoked;
import io.dmsc.wire.proto.attach.v1.GatewayMessage;
import io.dmsc.wire.proto.attach.v1.Hello;
import io.dmsc.wire.proto.attach.v1.PodGatewayGrpc;
import io.dmsc.wire.proto.attach.v1.PodMessage;
import io.dmsc.wire.proto.attach.v1.Announce;
import io.dmsc.wire.proto.attach.v1.Withdraw;
import io.dmsc.wire.proto.attach.v1.WithdrawResult;
import io.grpc.Status;
import io.grpc.SynchronizationContext;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pod's side of signal type 1: one Attach stream at a time to the Service Gateway, the
 * announcements the pod wants to hold, and re-attaching with back-off when the stream breaks
 * (the gateway withdraws everything when a stream ends, so every announcement is sent again
 * after each Welcome).
 *
 * <p>Threading: all mutable state is owned by {@link #syncContext}; public methods and gRPC
 * callbacks only enqueue work there. Listener callbacks and future completions go through
 * {@link #callbacks}, a serial executor, never from inside the synchronization context.
 */
final class AttachSession {
    private static final Logger LOG = LoggerFactory.getLogger(AttachSession.class);

    private final PodGatewayGrpc.PodGatewayStub stub;
    private final String gateway;
    private final Hello hello;
    private final ScheduledExecutorService scheduler;
    private final Executor callbacks;
    private final ReconnectBackoff backoff;
    private final List<AttachListener> listeners = new CopyOnWriteArrayList<>();
    private final SynchronizationContext syncContext = new SynchronizationContext(
            (thread, e) -> LOG.error("attach session task failed", e));

    // Must be accessed from syncContext.
    private AttachState state = AttachState.IDLE;
    private int generation;
    private StreamObserver<PodMessage> requests;
    private CompletableFuture<String> firstWelcome;
    private long nextRequestId = 1;
    private SynchronizationContext.ScheduledHandle reconnect;
    private final Map<String, Registration> registrations = new LinkedHashMap<>();
    private final Map<Long, Registration> inFlight = new HashMap<>();
    private final Map<Long, CompletableFuture<WithdrawResult>> withdrawals = new HashMap<>();

    // Written from syncContext, read by any thread.
    private volatile AttachState stateView = AttachState.IDLE;
    private volatile String gatewayId;

    AttachSession(PodGatewayGrpc.PodGatewayStub stub, String gateway, Hello hello,
            ScheduledExecutorService scheduler, Executor callbacks, ReconnectBackoff backoff) {
        this.stub = stub;
        this.gateway = gateway;
        this.hello = hello;
        this.scheduler = scheduler;
        this.callbacks = callbacks;
        this.backoff = backoff;
    }

    AttachState state() {
        return stateView;
    }

    String gatewayId() {
        return gatewayId;
    }

    void addListener(AttachListener listener) {
        listeners.add(listener);
    }

    void removeListener(AttachListener listener) {
        listeners.remove(listener);
    }

    /** Opens the first stream and blocks until the Welcome, a failure, or the timeout. */
    void connect(long timeoutMs) {
        CompletableFuture<String> welcome = new CompletableFuture<>();
        syncContext.execute(() -> {
            switch (state) {
                case IDLE -> {
                    firstWelcome = welcome;
                    openStream();
                }
                case ATTACHED -> welcome.complete(gatewayId);
                case CLOSED -> welcome.completeExceptionally(new IllegalStateException("mesh is closed"));
                default -> welcome.completeExceptionally(
                        new IllegalStateException("connect() already called; state " + state));
            }
        });
        try {
            welcome.get(timeoutMs, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            syncContext.execute(() -> abandonFirstConnect(welcome));
            throw new AttachException("gateway " + gateway + " sent no Welcome within " + timeoutMs + " ms", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            syncContext.execute(() -> abandonFirstConnect(welcome));
            throw new AttachException("interrupted while attaching to gateway " + gateway, e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw new AttachException("attaching to gateway " + gateway + " failed: " + e.getCause(), e.getCause());
        }
    }

    CompletableFuture<AnnounceResult> announce(String prefix, String endpoint, AnnounceOptions options) {
        Registration reg = new Registration(prefix, endpoint, options);
        syncContext.execute(() -> {
            if (state == AttachState.CLOSED) {
                reg.future.completeExceptionally(new IllegalStateException("mesh is closed"));
                return;
            }
            Registration old = registrations.put(reg.key, reg);
            if (old != null && !old.future.isDone()) {
                // The newer announcement supersedes the older one; whoever waits on the older learns the same answer.
                reg.future.whenComplete((r, t) -> {
                    if (t != null) {
                        old.future.completeExceptionally(t);
                    } else {
                        old.future.complete(r);
                    }
                });
            }
            if (state == AttachState.ATTACHED) {
                sendAnnounce(reg);
            }
        });
        return reg.future.copy();
    }

    CompletableFuture<WithdrawResult> withdraw(String prefix) {
        CompletableFuture<WithdrawResult> result = new CompletableFuture<>();
        syncContext.execute(() -> {
            List<Registration> removed = new ArrayList<>();
            registrations.values().removeIf(r -> {
                if (r.prefix.equals(prefix)) {
                    removed.add(r);
                    return true;
                }
                return false;
            });
            for (Registration r : removed) {
                fail(r.future, new CancellationException("withdrew " + prefix + " before the gateway answered"));
            }
            if (state == AttachState.ATTACHED) {
                long id = nextRequestId++;
                withdrawals.put(id, result);
                send(PodMessage.newBuilder()
                        .setWithdraw(Withdraw.newBuilder().setRequestId(id).setPrefix(prefix))
                        .build());
            } else {
                complete(result, WithdrawResult.newBuilder().setPrefix(prefix).setWithdrawn(!removed.isEmpty())
                        .setMessage("not attached: the gateway holds no announcement of this pod").build());
            }
        });
        return result.copy();
    }

    /** Half-closes the stream (the gateway withdraws everything) and fails what is still pending. */
    void close() {
        syncContext.execute(() -> {
            if (state == AttachState.CLOSED) {
                return;
            }
            if (reconnect != null) {
                reconnect.cancel();
                reconnect = null;
            }
            generation++;
            if (requests != null) {
                requests.onCompleted();
                requests = null;
            }
            IllegalStateException closed = new IllegalStateException("mesh closed");
            if (firstWelcome != null) {
                firstWelcome.completeExceptionally(closed);
                firstWelcome = null;
            }
            for (Registration r : registrations.values()) {
                fail(r.future, closed);
            }
            registrations.clear();
            inFlight.clear();
            completeWithdrawals("mesh closed");
            setState(AttachState.CLOSED, Status.OK);
        });
    }

    private void openStream() {
        int gen = ++generation;
        setState(AttachState.CONNECTING, Status.OK);
        requests = stub.attach(new StreamObserver<>() {
            @Override
            public void onNext(GatewayMessage message) {
                syncContext.execute(() -> onMessage(gen, message));
            }

            @Override
            public void onError(Throwable t) {
                syncContext.execute(() -> onStreamEnded(gen, Status.fromThrowable(t)));
            }

            @Override
            public void onCompleted() {
                syncContext.execute(() -> onStreamEnded(gen,
                        Status.UNAVAILABLE.withDescription("gateway ended the attach stream")));
            }
        });
        send(PodMessage.newBuilder().setHello(hello).build());
    }

    private void onMessage(int gen, GatewayMessage message) {
        if (gen != generation) {
            return;
        }
        switch (message.getKindCase()) {
            case WELCOME -> onWelcome(message.getWelcome().getGatewayId());
            case ANNOUNCE_RESULT -> onAnnounceResult(message.getAnnounceResult());
            case WITHDRAW_RESULT -> {
                WithdrawResult r = message.getWithdrawResult();
                CompletableFuture<WithdrawResult> f = withdrawals.remove(r.getRequestId());
                notifyListeners(l -> l.onWithdrawResult(r));
                if (f != null) {
                    complete(f, r);
                }
            }
            case ENDPOINT_HEALTH -> {
                LOG.info("gateway {} reports endpoint {} {}: {}", gatewayId, message.getEndpointHealth().getEndpoint(),
                        message.getEndpointHealth().getHealthy() ? "healthy" : "unhealthy",
                        message.getEndpointHealth().getDetail());
                notifyListeners(l -> l.onEndpointHealth(message.getEndpointHealth()));
            }
            case PREFIX_REVOKED -> {
                PrefixRevoked r = message.getPrefixRevoked();
                LOG.warn("gateway {} withdrew {} at {}: {}: {}", gatewayId, r.getPrefix(), r.getEndpoint(),
                        r.getReason(), r.getMessage());
                notifyListeners(l -> l.onPrefixRevoked(r));
            }
            default -> LOG.warn("gateway {} sent an empty message; ignored", gateway);
        }
    }

    private void onWelcome(String id) {
        if (state == AttachState.ATTACHED) {
            LOG.warn("gateway {} sent a second Welcome; ignored", gateway);
            return;
        }
        gatewayId = id;
        backoff.reset();
        setState(AttachState.ATTACHED, Status.OK);
        LOG.info("pod {} attached to gateway {} at {}", hello.getPodId(), id, gateway);
        if (firstWelcome != null) {
            firstWelcome.complete(id);
            firstWelcome = null;
        }
        for (Registration r : registrations.values()) {
            sendAnnounce(r);
        }
    }

    private void onAnnounceResult(AnnounceResult result) {
        if (result.getRetrying()) {
            // No prefix authority reachable yet: the gateway keeps asking and answers again.
            LOG.warn("gateway {}: {} at {} waits for a prefix authority: {}", gatewayId, result.getPrefix(),
                    result.getEndpoint(), result.getMessage());
            notifyListeners(l -> l.onAnnounceResult(result));
            return;
        }
        Registration reg = inFlight.remove(result.getRequestId());
        notifyListeners(l -> l.onAnnounceResult(result));
        if (reg == null || registrations.get(reg.key) != reg) {
            return; // withdrawn or superseded meanwhile
        }
        if (result.getAccepted()) {
            LOG.info("gateway {} accepted {} at {}", gatewayId, result.getPrefix(), result.getEndpoint());
            complete(reg.future, result);
        } else {
            // A rejected prefix is not re-announced after a reconnect: the answer would be the same.
            registrations.remove(reg.key);
            AnnounceRejectedException e = new AnnounceRejectedException(result);
            LOG.warn(e.getMessage());
            fail(reg.future, e);
        }
    }

    private void onStreamEnded(int gen, Status status) {
        if (gen != generation) {
            return;
        }
        requests = null;
        inFlight.clear();
        completeWithdrawals("attach stream ended: the gateway withdrew every prefix of this pod");
        if (firstWelcome != null) {
            CompletableFuture<String> waiting = firstWelcome;
            firstWelcome = null;
            // State first: the caller of connect() reads it as soon as the future fails.
            setState(AttachState.IDLE, status);
            waiting.completeExceptionally(new AttachException("gateway " + gateway + " did not attach pod "
                    + hello.getPodId() + ": " + describe(status), status.asRuntimeException()));
            return;
        }
        setState(AttachState.DETACHED, status);
        long delayMs = backoff.nextDelayMs();
        LOG.warn("attach stream to gateway {} ended ({}); reconnecting in {} ms", gateway, describe(status), delayMs);
        reconnect = syncContext.schedule(() -> {
            reconnect = null;
            if (state == AttachState.DETACHED) {
                openStream();
            }
        }, delayMs, TimeUnit.MILLISECONDS, scheduler);
    }

    private void abandonFirstConnect(CompletableFuture<String> welcome) {
        if (firstWelcome != welcome) {
            return;
        }
        firstWelcome = null;
        generation++;
        if (requests != null) {
            requests.onError(Status.CANCELLED.withDescription("no Welcome in time").asRuntimeException());
            requests = null;
        }
        setState(AttachState.IDLE, Status.DEADLINE_EXCEEDED.withDescription("no Welcome in time"));
    }

    private void sendAnnounce(Registration reg) {
        long id = nextRequestId++;
        inFlight.put(id, reg);
        send(PodMessage.newBuilder().setAnnounce(Announce.newBuilder()
                .setRequestId(id)
                .setPrefix(reg.prefix)
                .setEndpoint(reg.endpoint)
                .setWeight(reg.options.weight())
                .setZone(reg.options.zone())
                .setVersion(reg.options.version()))
                .build());
    }

    private void send(PodMessage message) {
        // Only a handful of small control messages per pod: the stream's flow control is not a concern.
        requests.onNext(message);
    }

    private void completeWithdrawals(String message) {
        for (CompletableFuture<WithdrawResult> f : withdrawals.values()) {
            complete(f, WithdrawResult.newBuilder().setWithdrawn(true).setMessage(message).build());
        }
        withdrawals.clear();
    }

    private void setState(AttachState next, Status cause) {
        if (state == next) {
            return;
        }
        state = next;
        stateView = next;
        notifyListeners(l -> l.onStateChanged(next, cause));
    }

    private void notifyListeners(Consumer<AttachListener> event) {
        callbacks.execute(() -> {
            for (AttachListener l : listeners) {
                try {
                    event.accept(l);
                } catch (RuntimeException e) {
                    LOG.warn("attach listener {} failed", l, e);
                }
            }
        });
    }

    private <T> void complete(CompletableFuture<T> future, T value) {
        callbacks.execute(() -> future.complete(value));
    }

    private void fail(CompletableFuture<?> future, Throwable t) {
        callbacks.execute(() -> future.completeExceptionally(t));
    }

    static String describe(Status status) {
        // "UNAVAILABLE: io exception" alone does not say what to fix; the cause ("Connection refused") does.
        Throwable cause = status.getCause();
        String text = status.getCode() + (status.getDescription() == null ? "" : ": " + status.getDescription())
                + (cause == null ? "" : " (" + (cause.getMessage() == null ? cause : cause.getMessage()) + ")");
        // What a plaintext client sees when the gateway's pod-facing port serves TLS.
        return text.contains("Network closed for unknown reason") ? text + " (if the gateway serves TLS, connect with "
                + "TLS: DmscMesh.Builder.tls, or --tls-ca CA on the command line)" : text;
    }

    /** One (prefix, endpoint) the pod wants the gateway to hold. Immutable apart from its future. */
    private static final class Registration {
        final String prefix;
        final String endpoint;
        final AnnounceOptions options;
        final String key;
        final CompletableFuture<AnnounceResult> future = new CompletableFuture<>();

        Registration(String prefix, String endpoint, AnnounceOptions options) {
            this.prefix = prefix;
            this.endpoint = endpoint;
            this.options = options;
            this.key = prefix + ' ' + endpoint;
        }
    }
}
