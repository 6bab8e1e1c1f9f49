package io.dmsc.sdk;

import io.dmsc.wire.ServicePrefix;
import io.grpc.LoadBalancer;
import io.grpc.LoadBalancerProvider;
import io.grpc.NameResolver.ConfigOrError;
import io.grpc.Status;
import java.util.Map;

/**
 * The {@value #POLICY_NAME} load-balancing policy: one connection to the Service Gateway (pick
 * first) whose every call carries {@code dmsc-target: <target>}. A name resolver cannot add
 * headers, but a policy's pick may attach a {@link io.grpc.ClientStreamTracer.Factory}, which
 * receives the call's outgoing headers before they are sent; this is how {@code dmsc:///B}
 * becomes a header without an interceptor. Selected by {@link DmscNameResolverProvider}'s service
 * config, {@code {"loadBalancingConfig": [{"dmsc_target": {"target": "/B"}}]}}. Registered as a
 * Java service ({@code META-INF/services/io.grpc.LoadBalancerProvider}).
 */
public final class DmscTargetLoadBalancerProvider extends LoadBalancerProvider {
    /** The policy name used in service configs. */
    public static final String POLICY_NAME = "dmsc_target";

    /** Creates the provider; used by {@link java.util.ServiceLoader}. */
    public DmscTargetLoadBalancerProvider() {
    }

    @Override
    public boolean isAvailable() {
        return true;
    }

    @Override
    public int getPriority() {
        return 5;
    }

    @Override
    public String getPolicyName() {
        return POLICY_NAME;
    }

    /**
     * Creates the balancer of one channel.
     *
     * @param helper the channel's helper
     * @return the balancer
     */
    @Override
    public LoadBalancer newLoadBalancer(LoadBalancer.Helper helper) {
        return new DmscTargetLoadBalancer(helper);
    }

    /**
     * Parses {@code {"target": "/B"}}.
     *
     * @param rawConfig the policy's JSON object
     * @return the validated target prefix, or an INVALID_ARGUMENT status saying what is wrong
     */
    @Override
    public ConfigOrError parseLoadBalancingPolicyConfig(Map<String, ?> rawConfig) {
        Object target = rawConfig.get("target");
        if (!(target instanceof String text)) {
            return ConfigOrError.fromError(Status.INVALID_ARGUMENT.withDescription(
                    POLICY_NAME + " config: target is " + target + " (expected: a service prefix string like \"/B\")"));
        }
        try {
            return ConfigOrError.fromConfig(new DmscTargetLoadBalancer.Config(ServicePrefix.parse(text).toString()));
        } catch (IllegalArgumentException e) {
            return ConfigOrError.fromError(Status.INVALID_ARGUMENT.withDescription(
                    POLICY_NAME + " config: " + e.getMessage()));
        }
    }
}
