package io.dmsc.node.config;

/**
 * Bounds policy retries per gateway, as gRPC's retryThrottling does: a failure costs one token,
 * a success earns {@code tokenRatio}; retries are allowed while more than half of
 * {@code maxTokens} remain.
 *
 * @param maxTokens  bucket size, 1..1000
 * @param tokenRatio tokens earned per success, (0, 1]
 */
public record RetryBudgetConfig(int maxTokens, double tokenRatio) {
    /** gRPC's usual values. */
    public static final RetryBudgetConfig DEFAULT = new RetryBudgetConfig(10, 0.1);

    /** Validates. */
    public RetryBudgetConfig {
        if (maxTokens < 1 || maxTokens > 1000) {
            throw new IllegalArgumentException("maxTokens: " + maxTokens + " (expected: 1..1000)");
        }
        if (!(tokenRatio > 0 && tokenRatio <= 1)) {
            throw new IllegalArgumentException("tokenRatio: " + tokenRatio + " (expected: > 0 and <= 1)");
        }
    }
}
