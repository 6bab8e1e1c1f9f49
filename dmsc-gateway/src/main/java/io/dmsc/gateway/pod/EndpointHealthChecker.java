package io.dmsc.gateway.pod;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.stub.StreamObserver;
import io.netty.channel.EventLoop;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Checks every announced endpoint with {@code grpc.health.v1.Health/Check} (service {@code ""})
 * every {@code healthCheckIntervalMs}, counted from the end of the previous check, so checks of
 * one endpoint never overlap. SERVING, and UNIMPLEMENTED (a server without a health service is
 * reachable), count as healthy; anything else is a failure. A new endpoint counts as healthy at
 * once, so a pod's first call need not wait for a check, unless its first check fails; later it
 * turns unhealthy after {@code failureThreshold} consecutive failures and healthy again after one
 * success. The draft calls this the detection signalling that requires the pod to self-detect.
 *
 * <p>Threading: owned by the {@link PodRegistry}'s event loop; every method must be called on
 * it, and the listener is called on it. Checks are asynchronous; nothing blocks the loop.
 */
final class EndpointHealthChecker {
    /** Shortest deadline of one check, so that a loaded machine does not fail a slow but healthy pod. */
    static final long MIN_DEADLINE_MS = 1000;

    /** Told about every change of an endpoint's verdict. Called on the owning loop. */
    @FunctionalInterface
    interface Listener {
        void onHealthChanged(String endpoint, boolean healthy, String detail);
    }

    private static final HealthCheckRequest REQUEST = HealthCheckRequest.newBuilder().setService("").build();

    private final EventLoop loop;
    private final long healthCheckIntervalMs;
    private final long deadlineMs;
    private final int failureThreshold;
    private final Listener listener;
    private final Map<String, Check> checks = new HashMap<>();

    EndpointHealthChecker(EventLoop loop, long healthCheckIntervalMs, int failureThreshold, Listener listener) {
        if (healthCheckIntervalMs <= 0) {
            throw new IllegalArgumentException("healthCheckIntervalMs: " + healthCheckIntervalMs + " (expected: > 0)");
        }
        if (failureThreshold <= 0) {
            throw new IllegalArgumentException("failureThreshold: " + failureThreshold + " (expected: > 0)");
        }
        this.loop = loop;
        this.healthCheckIntervalMs = healthCheckIntervalMs;
        this.deadlineMs = Math.max(healthCheckIntervalMs, MIN_DEADLINE_MS);
        this.failureThreshold = failureThreshold;
        this.listener = listener;
    }

    /** Starts checking an endpoint, healthy until proven otherwise; the first check runs now. */
    void start(String endpoint, ManagedChannel channel) {
        assert loop.inEventLoop();
        if (checks.containsKey(endpoint)) {
            return;
        }
        Check check = new Check(endpoint, channel);
        checks.put(endpoint, check);
        loop.execute(() -> run(check));
    }

    /** Stops checking an endpoint; a check in flight is ignored when it completes. */
    void stop(String endpoint) {
        assert loop.inEventLoop();
        Check check = checks.remove(endpoint);
        if (check != null) {
            check.stop();
        }
    }

    /** @return true if the endpoint is checked and healthy */
    boolean isHealthy(String endpoint) {
        Check check = checks.get(endpoint);
        return check != null && check.healthy;
    }

    /** @return the last verdict on the endpoint, for operators */
    String detail(String endpoint) {
        Check check = checks.get(endpoint);
        return check == null ? "not checked" : check.detail;
    }

    /** Stops every check. */
    void close() {
        assert loop.inEventLoop();
        checks.values().forEach(Check::stop);
        checks.clear();
    }

    private void run(Check check) {
        if (check.stopped) {
            return;
        }
        if (check.failures > 0) {
            // A pod that restarted should be found within one interval, not after the channel's
            // exponential reconnect back-off (up to two minutes).
            check.channel.resetConnectBackoff();
        }
        StreamObserver<HealthCheckResponse> observer = new StreamObserver<>() {
            @Override
            public void onNext(HealthCheckResponse response) {
                HealthCheckResponse.ServingStatus status = response.getStatus();
                onLoop(() -> complete(check, status == HealthCheckResponse.ServingStatus.SERVING,
                        "grpc.health.v1 " + status));
            }

            @Override
            public void onError(Throwable t) {
                Status status = Status.fromThrowable(t);
                if (status.getCode() == Status.Code.UNIMPLEMENTED) {
                    onLoop(() -> complete(check, true, "reachable, no grpc.health.v1 service (UNIMPLEMENTED)"));
                } else if (status.getCode() == Status.Code.DEADLINE_EXCEEDED) {
                    // A busy pod answers checks late; if it is still answering calls it is not dead, and
                    // taking it out of service would only move its load onto the others.
                    onLoop(() -> complete(check, answeredRecently(check), describe(status)
                            + (answeredRecently(check) ? "; still answering calls, kept in service" : "")));
                } else {
                    onLoop(() -> complete(check, false, describe(status)));
                }
            }

            @Override
            public void onCompleted() {
                // The verdict came with onNext.
            }
        };
        try {
            HealthGrpc.newStub(check.channel).withDeadlineAfter(deadlineMs, TimeUnit.MILLISECONDS)
                    .check(REQUEST, observer);
        } catch (RuntimeException e) {
            complete(check, false, describe(Status.fromThrowable(e)));
        }
    }

    /**
     * A call to the endpoint was answered (passive health): a health check that only times out
     * does not take such an endpoint out of service.
     *
     * @param endpoint the endpoint
     */
    void answered(String endpoint) {
        onLoop(() -> {
            Check c = checks.get(endpoint);
            if (c != null) {
                c.lastAnsweredNs = System.nanoTime();
            }
        });
    }

    private boolean answeredRecently(Check check) {
        return check.lastAnsweredNs != 0
                && System.nanoTime() - check.lastAnsweredNs < TimeUnit.MILLISECONDS.toNanos(healthCheckIntervalMs + deadlineMs);
    }

    private void complete(Check check, boolean success, String detail) {
        if (check.stopped) {
            return;
        }
        boolean first = !check.checkedOnce;
        check.checkedOnce = true;
        check.detail = detail;
        boolean changed;
        if (success) {
            check.failures = 0;
            changed = !check.healthy;
        } else {
            check.failures++;
            changed = check.healthy && (first || check.failures >= failureThreshold);
        }
        // Scheduled before the listener runs, so that a failing listener cannot stop the checks.
        check.next = loop.schedule(() -> run(check), healthCheckIntervalMs, TimeUnit.MILLISECONDS);
        if (changed) {
            check.healthy = success;
            listener.onHealthChanged(check.endpoint, success, detail);
        }
    }

    private void onLoop(Runnable task) {
        if (loop.inEventLoop()) {
            task.run();
        } else {
            loop.execute(task);
        }
    }

    static String describe(Status status) {
        StringBuilder sb = new StringBuilder(status.getCode().toString());
        if (status.getDescription() != null) {
            sb.append(": ").append(status.getDescription());
        }
        Throwable cause = status.getCause();
        if (cause != null && cause.getMessage() != null) {
            sb.append(" (").append(cause.getMessage()).append(')');
        }
        return sb.toString();
    }

    /** Health state of one endpoint. Accessed on the owning loop only. */
    private static final class Check {
        final String endpoint;
        final ManagedChannel channel;
        boolean healthy = true;
        boolean checkedOnce;
        int failures;
        long lastAnsweredNs;
        String detail = "not checked yet";
        boolean stopped;
        ScheduledFuture<?> next;

        Check(String endpoint, ManagedChannel channel) {
            this.endpoint = endpoint;
            this.channel = channel;
        }

        void stop() {
            stopped = true;
            if (next != null) {
                next.cancel(false);
            }
        }
    }
}
