package io.dmsc.gateway;

import io.dmsc.node.config.RetryBudgetConfig;
import io.dmsc.node.config.RetryPolicyConfig;
import io.dmsc.wire.ServicePrefix;
import io.grpc.Status;
import java.util.List;

/**
 * The per-prefix retry policies of a gateway and its retry budget (gRPC retryThrottling: a
 * failure costs a token, a success earns {@code tokenRatio}, retries need more than half the
 * bucket). Data-plane loop only.
 */
final class RetryPolicies {
    private final List<RetryPolicyConfig> policies;
    private final RetryBudgetConfig budget;
    private double tokens;

    RetryPolicies(List<RetryPolicyConfig> policies, RetryBudgetConfig budget) {
        this.policies = policies;
        this.budget = budget;
        this.tokens = budget.maxTokens();
    }

    /**
     * @param target     the call's target prefix
     * @param fullMethod the method
     * @return the policy of the longest prefix covering the call, or null
     */
    RetryPolicyConfig find(ServicePrefix target, String fullMethod) {
        for (RetryPolicyConfig p : policies) {
            if (p.prefix().isPrefixOf(target) && p.covers(fullMethod)) {
                return p;
            }
        }
        return null;
    }

    /** @param code how a call attempt ended; updates the budget */
    void record(Status.Code code, RetryPolicyConfig policy) {
        if (policy == null) {
            return;
        }
        if (code == Status.Code.OK) {
            tokens = Math.min(budget.maxTokens(), tokens + budget.tokenRatio());
        } else if (policy.retryableCodes().contains(code.name())) {
            tokens = Math.max(0, tokens - 1);
        }
    }

    /** @return true if the budget allows one more policy retry */
    boolean budgetAllows() {
        return tokens > budget.maxTokens() / 2.0;
    }
}
