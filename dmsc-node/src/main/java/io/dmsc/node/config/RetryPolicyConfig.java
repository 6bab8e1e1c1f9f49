package io.dmsc.node.config;

import io.dmsc.wire.ServicePrefix;
import java.util.List;
import java.util.Set;

/**
 * Retry policy of the calls to a prefix, in the spirit of gRPC's service config: which methods
 * may be retried after a pod got them (they are idempotent), on which status codes, how often.
 * Calls that failed before any pod got them are retried regardless (transparent retry).
 *
 * @param prefix           the calls' target prefix this applies to (longest match wins)
 * @param methods          full method names ({@code pkg.Service/Method}) or {@code pkg.Service/*};
 *                         empty means every method
 * @param maxAttempts      attempts in all, 2..5
 * @param retryableCodes   gRPC status code names, e.g. UNAVAILABLE
 * @param initialBackoffMs delay before the first retry; later ones double, with jitter
 * @param maxBackoffMs     largest delay
 */
public record RetryPolicyConfig(ServicePrefix prefix, List<String> methods, int maxAttempts,
                                Set<String> retryableCodes, long initialBackoffMs, long maxBackoffMs) {
    /** Validates and copies. */
    public RetryPolicyConfig {
        methods = List.copyOf(methods);
        retryableCodes = Set.copyOf(retryableCodes);
        if (maxAttempts < 2 || maxAttempts > 5) {
            throw new IllegalArgumentException("maxAttempts: " + maxAttempts + " (expected: 2..5)");
        }
        if (retryableCodes.isEmpty()) {
            throw new IllegalArgumentException("retryableStatusCodes: empty (expected: at least one, e.g. UNAVAILABLE)");
        }
        if (initialBackoffMs < 0 || maxBackoffMs < initialBackoffMs) {
            throw new IllegalArgumentException("initialBackoffMs " + initialBackoffMs + ", maxBackoffMs " + maxBackoffMs
                    + " (expected: 0 <= initialBackoffMs <= maxBackoffMs)");
        }
    }

    /**
     * @param fullMethod {@code pkg.Service/Method}
     * @return true if the policy covers the method
     */
    public boolean covers(String fullMethod) {
        if (methods.isEmpty()) {
            return true;
        }
        for (String m : methods) {
            if (m.equals(fullMethod) || (m.endsWith("/*")
                    && fullMethod.startsWith(m.substring(0, m.length() - 1)))) {
                return true;
            }
        }
        return false;
    }
}
