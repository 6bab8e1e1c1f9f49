package io.dmsc.spa;

import io.dmsc.wire.proto.spa.v1.DenyReason;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/** Prometheus metrics of one SPA: grants, denials by reason, invalid requests, reloads. Thread-safe. */
public final class SpaMetrics {
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Counter grants;
    private final Counter invalid;
    private final Map<DenyReason, Counter> denials = new EnumMap<>(DenyReason.class);
    private final Counter reloads;
    private final Counter reloadFailures;
    private final AtomicLong identities = new AtomicLong();

    /** @param spaId tagged as {@code spa} */
    public SpaMetrics(String spaId) {
        registry.config().commonTags("spa", spaId);
        grants = Counter.builder("dmsc_spa_grants").description("Prefix authorizations granted").register(registry);
        invalid = Counter.builder("dmsc_spa_invalid_requests")
                .description("Requests answered INVALID_ARGUMENT (malformed or oversized)").register(registry);
        for (DenyReason r : DenyReason.values()) {
            if (r != DenyReason.DENY_REASON_UNSPECIFIED && r != DenyReason.UNRECOGNIZED) {
                denials.put(r, Counter.builder("dmsc_spa_denials").tag("reason", r.name().toLowerCase())
                        .description("Prefix authorizations denied, by reason").register(registry));
            }
        }
        reloads = Counter.builder("dmsc_spa_reloads").description("Policy or key files loaded after a change")
                .register(registry);
        reloadFailures = Counter.builder("dmsc_spa_reload_failures")
                .description("Changed policy or key files rejected (the previous ones stay in force)")
                .register(registry);
        Gauge.builder("dmsc_spa_policy_identities", identities, AtomicLong::get)
                .description("Identities in the policy in force").register(registry);
    }

    void granted() {
        grants.increment();
    }

    void denied(DenyReason reason) {
        Counter c = denials.get(reason);
        if (c != null) {
            c.increment();
        }
    }

    void invalidRequest() {
        invalid.increment();
    }

    void reloaded(int identityCount) {
        reloads.increment();
        identities.set(identityCount);
    }

    void policyInForce(int identityCount) {
        identities.set(identityCount);
    }

    void reloadFailed() {
        reloadFailures.increment();
    }

    /** @return grants so far */
    public long grants() {
        return (long) grants.count();
    }

    /**
     * @param reason a deny reason
     * @return denials for it so far
     */
    public long denials(DenyReason reason) {
        Counter c = denials.get(reason);
        return c == null ? 0 : (long) c.count();
    }

    /** @return invalid requests so far */
    public long invalidRequests() {
        return (long) invalid.count();
    }

    /** @return where the metrics are kept (the admin port adds its own) */
    public io.micrometer.core.instrument.MeterRegistry registry() {
        return registry;
    }

    /** @return the Prometheus text exposition */
    public String scrape() {
        return registry.scrape();
    }
}
