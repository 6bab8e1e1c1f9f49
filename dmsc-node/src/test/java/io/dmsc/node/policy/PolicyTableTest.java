package io.dmsc.node.policy;

import static org.assertj.core.api.Assertions.assertThat;

import io.dmsc.routing.Fib;
import io.dmsc.routing.FibEntry;
import io.dmsc.wire.ServicePrefix;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** What a node accepts from the SCSC, and when a policy stops applying. */
class PolicyTableTest {
    private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final Set<String> up = new java.util.HashSet<>(Set.of("sr-1"));
    private final Fib fib = new Fib(List.of(
            new FibEntry(ServicePrefix.parse("/B"), List.of("sr-1"), false, 30),
            new FibEntry(ServicePrefix.nodePrefix("sg-4"), List.of("sr-1"), false, 30),
            new FibEntry(ServicePrefix.nodePrefix("sg-2"), List.of("sr-1"), false, 30)), Map.of());
    private final PolicyTable table = new PolicyTable("sg-1", () -> fib, up::contains, registry, 10_000);

    @Test
    void shouldRefuseWhatItCannotFollowAndSayWhy() {
        assertThat(table.install(1, "/B", "sg-1", "sg-4", List.of("sr-1", "sr-2", "sr-1", "sg-4"), 1000, "", 0))
                .contains("visits sr-1 twice");
        assertThat(table.install(2, "/Z", "sg-1", "sg-4", List.of("sr-1", "sg-4"), 1000, "", 0))
                .contains("/Z is not in the FIB");
        assertThat(table.install(3, "/B", "sg-1", "sg-9", List.of("sr-1", "sg-9"), 1000, "", 0))
                .contains("egress sg-9 is not reachable");
        assertThat(table.install(4, "/B", "sg-1", "sg-4", List.of("sr-3", "sg-4"), 1000, "", 0))
                .contains("sr-3, is not an up neighbour");
        assertThat(table.install(5, "/B", "sg-3", "sg-4", List.of("sr-3", "sg-4"), 1000, "", 0))
                .contains("neither the ingress nor on");
        assertThat(table.install(6, "/B", "sg-1", "sg-4", List.of("sr-1", "sg-2"), 1000, "", 0))
                .contains("does not end with the egress");
        assertThat(table.install(0, "/B", "sg-1", "sg-4", List.of("sr-1", "sg-4"), 1000, "", 0))
                .contains("policy id 0");
        assertThat(table.install(7, "/B", "sg-1", "sg-4", List.of("sr-1", "sg-4"), 5, "", 0)).contains("TTL 5 ms");
        assertThat(table.install(8, "/_dmsc/x", "sg-1", "sg-4", List.of("sr-1", "sg-4"), 1000, "", 0))
                .contains("reserved");
        assertThat(table.size()).isZero();
        assertThat(registry.find("dmsc_policy_refused_total").counters()).hasSizeGreaterThanOrEqualTo(5);
    }

    @Test
    void shouldApplyAPolicyUntilItExpiresOrItsFirstHopGoesDown() {
        assertThat(table.install(9, "/B", "sg-1", "sg-4", List.of("sr-1", "sr-2", "sg-4"), 1000, "delay", 0)).isNull();
        ServicePrefix b = ServicePrefix.parse("/B");
        assertThat(table.forCall(b, 10 * MS)).isNotNull().extracting(ForwardingPolicy::egress).isEqualTo("sg-4");
        up.remove("sr-1");
        assertThat(table.forCall(b, 20 * MS)).as("first hop down: shortest path").isNull();
        up.add("sr-1");
        assertThat(table.forCall(b, 30 * MS)).isNotNull();
        // A refresh moves the expiry.
        assertThat(table.install(9, "/B", "sg-1", "sg-4", List.of("sr-1", "sr-2", "sg-4"), 1000, "delay", 500 * MS))
                .isNull();
        assertThat(table.forCall(b, 1200 * MS)).isNotNull();
        assertThat(table.forCall(b, 1500 * MS)).as("expired").isNull();
        assertThat(table.size()).isZero();
        assertThat(registry.find("dmsc_policy_fallbacks_total").tag("reason", "expired").counter().count())
                .isEqualTo(1);
    }

    @Test
    void shouldWithdrawAndReplaceByPrefix() {
        assertThat(table.install(10, "/B", "sg-1", "sg-4", List.of("sr-1", "sg-4"), 1000, "", 0)).isNull();
        assertThat(table.install(11, "/B", "sg-1", "sg-2", List.of("sr-1", "sg-2"), 1000, "", 0)).isNull();
        assertThat(table.policies()).extracting(ForwardingPolicy::id).containsExactly(11L);
        assertThat(table.withdraw(11, "recovered")).isTrue();
        assertThat(table.withdraw(11, "again")).isFalse();
        assertThat(table.forCall(ServicePrefix.parse("/B"), 0)).isNull();
    }

    @Test
    void shouldRefuseAPolicyBeyondItsLimitWithTheReasonAndKeepWhatItHolds() {
        Fib two = new Fib(List.of(
                new FibEntry(ServicePrefix.parse("/B"), List.of("sr-1"), false, 30),
                new FibEntry(ServicePrefix.parse("/C"), List.of("sr-1"), false, 30),
                new FibEntry(ServicePrefix.parse("/D"), List.of("sr-1"), false, 30),
                new FibEntry(ServicePrefix.nodePrefix("sg-4"), List.of("sr-1"), false, 30)), Map.of());
        PolicyTable small = new PolicyTable("sg-1", () -> two, up::contains, registry, 2);
        assertThat(small.install(1, "/B", "sg-1", "sg-4", List.of("sr-1", "sg-4"), 1000, "", 0)).isNull();
        assertThat(small.install(2, "/C", "sg-1", "sg-4", List.of("sr-1", "sg-4"), 1000, "", 0)).isNull();

        assertThat(small.install(3, "/D", "sg-1", "sg-4", List.of("sr-1", "sg-4"), 1000, "", 0))
                .contains("holds 2 policies").contains("limits.maxPolicies");
        assertThat(small.install(2, "/C", "sg-1", "sg-4", List.of("sr-1", "sg-4"), 2000, "", 0))
                .as("a refresh of a held policy is not a new one").isNull();
        assertThat(small.policies()).extracting(ForwardingPolicy::id).containsExactlyInAnyOrder(1L, 2L);
        assertThat(registry.find("dmsc_policy_refused_total").tag("reason", "table_full").counter().count())
                .isEqualTo(1);
    }
}
