package io.dmsc.benchmarks;

import io.dmsc.node.auth.SignedPrefixAuthorizer;
import io.dmsc.routing.AuthorizationVerdict;
import io.dmsc.wire.ServicePrefix;
import io.dmsc.wire.auth.AuthorizationVerifier;
import io.dmsc.wire.auth.PrefixAuthorization;
import io.dmsc.wire.auth.SpaKeys;
import io.dmsc.wire.link.PrefixEntry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.security.PublicKey;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Throughput of checking one signed prefix authorization (signal type 3) on one thread, so the
 * score is per core:
 *
 * <ul>
 *   <li>{@link #verifierUncached}: {@link AuthorizationVerifier#verify}, the full check a node
 *       makes for an authorization it has not seen: decode, trust-anchor lookup, Ed25519
 *       signature, prefix and SG binding. Stateless, so every operation is a fresh verification;</li>
 *   <li>{@link #signatureOnly}: the Ed25519 check alone ({@link SpaKeys#verify}) on the
 *       already decoded signed bytes, to show how much of the above is the signature;</li>
 *   <li>{@link #signatureOnlyJdk}: the same with the JDK's Ed25519, the baseline;</li>
 *   <li>{@link #authorizerCacheMiss}: {@link SignedPrefixAuthorizer#verify}, the node's port,
 *       with a one-entry cache and two alternating entries, so every call misses and verifies;</li>
 *   <li>{@link #authorizerCacheHit}: the same port with the default cache and one entry seen
 *       before: the cost of an authorization that was already checked (cache lookup, counter,
 *       validity window).</li>
 * </ul>
 *
 * <p>The authorization is a genuine one: a 4-component prefix, a pod, an SG, signed by a key
 * generated at setup that is the only trust anchor. Setup checks that it verifies; tear-down
 * checks that the cache-hit benchmark never verified a signature after its first call.
 *
 * <p>Run: {@code java -jar dmsc-benchmarks/target/benchmarks.jar AuthorizationVerifyBenchmark -f 1 -wi 3 -i 5}.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@Threads(1)
@State(Scope.Thread)
public class AuthorizationVerifyBenchmark {
    private static final String ORIGIN = "sg-4";
    private static final ServicePrefix PREFIX = ServicePrefix.parse("/shop/payment/eu-west-1/v2");
    private static final ServicePrefix OTHER_PREFIX = ServicePrefix.parse("/shop/cart/eu-west-1/v2");

    private AuthorizationVerifier verifier;
    private byte[] authorization;
    private PublicKey publicKey;
    private byte[] signedBytes;
    private byte[] signature;
    private PrefixEntry entry;
    private PrefixEntry[] alternating;
    private int nextAlternating;
    private SimpleMeterRegistry hitRegistry;
    private SignedPrefixAuthorizer cachingAuthorizer;
    private SignedPrefixAuthorizer missingAuthorizer;
    private long nowNs;

    /** Signs the authorizations, builds the verifiers and checks that everything verifies. */
    @Setup(Level.Trial)
    public void setUp() {
        SpaFixture spa = new SpaFixture();
        PrefixAuthorization a = spa.authorize(PREFIX, "pod-17", ORIGIN, 1);
        authorization = a.encode();
        publicKey = spa.key().getPublic();
        signedBytes = a.signedBytes();
        signature = a.signature();
        verifier = new AuthorizationVerifier(spa.anchors());
        entry = new PrefixEntry(PREFIX, 0, authorization);
        alternating = new PrefixEntry[] {entry,
                new PrefixEntry(OTHER_PREFIX, 0, spa.authorize(OTHER_PREFIX, "pod-18", ORIGIN, 2).encode())};
        nowNs = System.nanoTime();

        hitRegistry = new SimpleMeterRegistry();
        cachingAuthorizer = new SignedPrefixAuthorizer(spa.anchors(), hitRegistry, System::currentTimeMillis,
                SignedPrefixAuthorizer.DEFAULT_CACHE_ENTRIES);
        missingAuthorizer = new SignedPrefixAuthorizer(spa.anchors(), new SimpleMeterRegistry(),
                System::currentTimeMillis, 1);

        AuthorizationVerifier.Result r = verifier.verify(authorization, PREFIX, ORIGIN);
        require(r.verified(), "verifier: " + r.failure() + " " + r.detail());
        require(SpaKeys.verify(publicKey, signedBytes, signature), "signature does not verify");
        for (PrefixEntry e : alternating) {
            AuthorizationVerdict v = missingAuthorizer.verify(ORIGIN, e, nowNs);
            require(v.rejectionAt(nowNs) == null, "authorizer rejects " + e + ": " + v.rejection() + " " + v.detail());
        }
        AuthorizationVerdict v = cachingAuthorizer.verify(ORIGIN, entry, nowNs);
        require(v.rejectionAt(nowNs) == null, "authorizer rejects " + entry + ": " + v.rejection());
        require(signatureChecks() == 1, "the first call must verify once, not " + signatureChecks() + " times");
    }

    /** Checks that the cached path was served from the cache throughout. */
    @TearDown(Level.Trial)
    public void checkCacheHits() {
        require(signatureChecks() == 1, "the cache-hit benchmark verified " + signatureChecks()
                + " signatures (expected: 1, at setup)");
    }

    private double signatureChecks() {
        return hitRegistry.counter("dmsc_prefix_verifications").count();
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalStateException(message);
        }
    }

    /**
     * A fresh, complete verification of one authorization.
     *
     * @return the result
     */
    @Benchmark
    public AuthorizationVerifier.Result verifierUncached() {
        return verifier.verify(authorization, PREFIX, ORIGIN);
    }

    /**
     * The Ed25519 signature check alone.
     *
     * @return whether it verified
     */
    @Benchmark
    public boolean signatureOnly() {
        return SpaKeys.verify(publicKey, signedBytes, signature);
    }

    /**
     * The baseline of {@link #signatureOnly}: the same check with the JDK's own Ed25519
     * ({@code java.security.Signature}), which {@link SpaKeys#verify} used before.
     *
     * @return whether it verified
     * @throws java.security.GeneralSecurityException never for this key and signature
     */
    @Benchmark
    public boolean signatureOnlyJdk() throws java.security.GeneralSecurityException {
        java.security.Signature s = java.security.Signature.getInstance("Ed25519");
        s.initVerify(publicKey);
        s.update(signedBytes);
        return s.verify(signature);
    }

    /**
     * The node's authorizer when its cache never holds the entry.
     *
     * @return the verdict
     */
    @Benchmark
    public AuthorizationVerdict authorizerCacheMiss() {
        PrefixEntry e = alternating[nextAlternating];
        nextAlternating ^= 1;
        return missingAuthorizer.verify(ORIGIN, e, nowNs);
    }

    /**
     * The node's authorizer for an authorization it has already checked.
     *
     * @return the verdict
     */
    @Benchmark
    public AuthorizationVerdict authorizerCacheHit() {
        return cachingAuthorizer.verify(ORIGIN, entry, nowNs);
    }
}
