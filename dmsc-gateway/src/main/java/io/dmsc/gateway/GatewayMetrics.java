package io.dmsc.gateway;

import io.grpc.Status;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Call metrics of a gateway: calls ended by role (ingress, egress) and status code, retries by
 * kind, calls started. Thread-safe.
 */
public final class GatewayMetrics {
    private final MeterRegistry registry;
    private final Map<Status.Code, Counter> ingress = new EnumMap<>(Status.Code.class);
    private final Map<Status.Code, Counter> egress = new EnumMap<>(Status.Code.class);
    private final Map<String, Counter> retries = new ConcurrentHashMap<>();

    /** @param registry where to register */
    public GatewayMetrics(MeterRegistry registry) {
        this.registry = registry;
        for (Status.Code c : Status.Code.values()) {
            ingress.put(c, Counter.builder("dmsc_calls").tag("role", "ingress").tag("code", c.name())
                    .description("Calls ended, by role and gRPC status code").register(registry));
            egress.put(c, Counter.builder("dmsc_calls").tag("role", "egress").tag("code", c.name())
                    .description("Calls ended, by role and gRPC status code").register(registry));
        }
    }

    void ingressEnded(Status.Code code) {
        ingress.get(code).increment();
    }

    void egressEnded(Status.Code code) {
        egress.get(code).increment();
    }

    void retried(String kind) {
        retries.computeIfAbsent(kind, k -> Counter.builder("dmsc_call_retries").tag("kind", k)
                .description("Calls re-sent on a new path: transparent (no pod had them) or policy")
                .register(registry)).increment();
    }

    /**
     * @param code a status code
     * @return ingress calls that ended with it
     */
    public long ingressCalls(Status.Code code) {
        return (long) ingress.get(code).count();
    }

    /**
     * @param code a status code
     * @return egress calls that ended with it
     */
    public long egressCalls(Status.Code code) {
        return (long) egress.get(code).count();
    }

    /**
     * @param kind "transparent" or "policy"
     * @return retries of that kind
     */
    public long retries(String kind) {
        Counter c = retries.get(kind);
        return c == null ? 0 : (long) c.count();
    }
}
