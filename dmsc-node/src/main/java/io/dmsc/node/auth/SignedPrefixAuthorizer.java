package io.dmsc.node.auth;

import io.dmsc.routing.AuthorizationVerdict;
import io.dmsc.routing.PrefixAuthorizer;
import io.dmsc.routing.PrefixRejection;
import io.dmsc.wire.auth.AuthorizationVerifier;
import io.dmsc.wire.auth.PrefixAuthorization;
import io.dmsc.wire.auth.TrustAnchors;
import io.dmsc.wire.link.PrefixEntry;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.ByteBuffer;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * The node's {@link PrefixAuthorizer} in mode {@code required}: Ed25519 verification of each
 * prefix authorization against the trust anchors (JDK crypto), with a bounded cache of results
 * keyed by (origin, prefix, authorization bytes), so that the same authorization seen again (a
 * re-flood after a restart, the same grant in another fragment) is not verified twice. Validity
 * times are converted from the SPA's wall clock into the protocol's monotonic timebase.
 *
 * <p>Thread: the node's conductor, which owns the routing protocol; not thread-safe. Metrics:
 * {@code dmsc_prefix_verifications_total}, {@code dmsc_prefix_verification_failures_total{reason}},
 * {@code dmsc_prefix_verification_cache_hits_total}.
 */
public final class SignedPrefixAuthorizer implements PrefixAuthorizer {
    /** Largest number of cached verification results. */
    public static final int DEFAULT_CACHE_ENTRIES = 65_536;

    private final AuthorizationVerifier verifier;
    private final LongSupplier wallClockMs;
    private final Map<CacheKey, AuthorizationVerifier.Result> cache;
    private final Counter verifications;
    private final Counter cacheHits;
    private final Map<PrefixRejection, Counter> failures = new EnumMap<>(PrefixRejection.class);
    private final MeterRegistry registry;

    private record CacheKey(String origin, String prefix, ByteBuffer authorization) {
    }

    /**
     * @param anchors      the trusted SPA keys
     * @param registry     where the counters go
     * @param wallClockMs  the wall clock the SPA's validity times refer to
     * @param cacheEntries largest number of cached results, > 0
     */
    public SignedPrefixAuthorizer(TrustAnchors anchors, MeterRegistry registry, LongSupplier wallClockMs,
            int cacheEntries) {
        this.verifier = new AuthorizationVerifier(anchors);
        this.registry = Objects.requireNonNull(registry, "registry");
        this.wallClockMs = Objects.requireNonNull(wallClockMs, "wallClockMs");
        if (cacheEntries < 1) {
            throw new IllegalArgumentException("cacheEntries: " + cacheEntries + " (expected: > 0)");
        }
        this.cache = new LinkedHashMap<>(1024, 0.75f, true) {
            private static final long serialVersionUID = 1L;

            @Override
            protected boolean removeEldestEntry(Map.Entry<CacheKey, AuthorizationVerifier.Result> eldest) {
                return size() > cacheEntries;
            }
        };
        verifications = Counter.builder("dmsc_prefix_verifications")
                .description("Prefix authorizations whose signature was checked").register(registry);
        cacheHits = Counter.builder("dmsc_prefix_verification_cache_hits")
                .description("Prefix authorizations found already checked").register(registry);
    }

    @Override
    public AuthorizationVerdict verify(String origin, PrefixEntry entry, long nowNs) {
        byte[] bytes = entry.authorization();
        CacheKey key = new CacheKey(origin, entry.prefix().toString(), ByteBuffer.wrap(bytes));
        AuthorizationVerifier.Result r = cache.get(key);
        if (r == null) {
            verifications.increment();
            r = verifier.verify(bytes, entry.prefix(), origin);
            cache.put(key, r);
        } else {
            cacheHits.increment();
        }
        AuthorizationVerdict v;
        if (!r.verified()) {
            v = AuthorizationVerdict.reject(PrefixRejection.valueOf(r.failure().name()), r.detail());
        } else {
            PrefixAuthorization a = r.authorization();
            long wallMs = wallClockMs.getAsLong();
            v = AuthorizationVerdict.valid(a.owner(), toNs(nowNs, a.notBeforeMs() - wallMs),
                    toNs(nowNs, a.notAfterMs() - wallMs), a.notAfterMs());
        }
        PrefixRejection now = v.rejectionAt(nowNs);
        if (now != null) {
            failures.computeIfAbsent(now, k -> Counter.builder("dmsc_prefix_verification_failures")
                    .tag("reason", k.label()).description("Advertised prefixes not installed, by reason")
                    .register(registry)).increment();
        }
        return v;
    }

    private static long toNs(long nowNs, long deltaMs) {
        // Saturate: validity far in the past or future must not wrap the timebase.
        long capMs = TimeUnit.DAYS.toMillis(365 * 100);
        long d = Math.max(-capMs, Math.min(capMs, deltaMs));
        return nowNs + TimeUnit.MILLISECONDS.toNanos(d);
    }

    /** @return the trust anchors' key ids */
    public java.util.List<String> keyIds() {
        return verifier.anchors().keyIds();
    }
}
