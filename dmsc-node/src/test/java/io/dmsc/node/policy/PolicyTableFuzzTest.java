package io.dmsc.node.policy;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.dmsc.routing.Fib;
import io.dmsc.routing.FibEntry;
import io.dmsc.wire.ServicePrefix;
import io.dmsc.wire.data.DataFrames;
import io.dmsc.wire.proto.data.v1.OpenTail;
import io.dmsc.wire.proto.scsc.v1.Policy;
import io.dmsc.wire.proto.scsc.v1.ScscMessage;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Fuzz target of what a node does with the telemetry stream's answers from the SCSC
 * ({@code TelemetryClient} hands each {@link ScscMessage} to {@link PolicyTable}): install,
 * refresh and withdraw of forwarding policies. Without {@code JAZZER_FUZZ=1} it replays the seed
 * corpus in {@code PolicyTableFuzzTestInputs/applyScscMessages}.
 *
 * <p>The input is a sequence of length-delimited {@link ScscMessage}s. Properties: {@code install}
 * returns null or a sentence saying what was expected, never throws; every policy held can be put
 * into an OPEN frame (its path fits the frame layout) and that frame passes the check every node
 * runs; the operator rows and expiry never throw; the table never holds more than one policy per
 * prefix for calls of this node.
 */
class PolicyTableFuzzTest {
    private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);
    private static final Fib FIB = new Fib(List.of(
            new FibEntry(ServicePrefix.parse("/B"), List.of("sr-1"), false, 30),
            new FibEntry(ServicePrefix.parse("/shop/payment"), List.of("sr-2"), false, 20),
            new FibEntry(ServicePrefix.nodePrefix("sg-4"), List.of("sr-1"), false, 30),
            new FibEntry(ServicePrefix.nodePrefix("sg-2"), List.of("sr-1"), false, 30)), Map.of());

    @FuzzTest(maxDuration = "60s")
    void applyScscMessages(byte[] input) {
        PolicyTable table = new PolicyTable("sg-1", () -> FIB, Set.of("sr-1", "sr-2")::contains,
                new SimpleMeterRegistry(), 10_000);
        ByteArrayInputStream in = new ByteArrayInputStream(input);
        long now = 0;
        for (int n = 0; n < 64; n++) {
            ScscMessage m;
            try {
                m = ScscMessage.parseDelimitedFrom(in);
            } catch (IOException e) {
                break; // gRPC refuses such bytes before the table sees them
            }
            if (m == null) {
                break;
            }
            now += 100 * MS;
            switch (m.getKindCase()) {
                case INSTALL -> {
                    Policy p = m.getInstall();
                    String refused = table.install(p.getId(), p.getPrefix(), p.getIngress(), p.getEgress(),
                            p.getPathList(), p.getTtlMs(), p.getReason(), now);
                    if (refused != null) {
                        assertThat(refused).contains("(expected:");
                    }
                }
                case WITHDRAW -> table.withdraw(m.getWithdraw().getId(), m.getWithdraw().getReason());
                default -> {
                }
            }
            check(table, now);
        }
        table.expire(now + TimeUnit.HOURS.toNanos(2));
        assertThat(table.size()).as("everything expires").isZero();
    }

    private static void check(PolicyTable table, long now) {
        assertThat(table.rows(now)).hasSize(table.size());
        for (ForwardingPolicy p : table.policies()) {
            assertThat(p.reason().length()).isLessThanOrEqualTo(200);
            ByteBuf open = DataFrames.open(UnpooledByteBufAllocator.DEFAULT, 1, DataFrames.DEFAULT_HOP_LIMIT, 0,
                    p.prefix().toString(), p.egress(), p.path(), p.id(), OpenTail.getDefaultInstance());
            try {
                DataFrames.validate(open);
                assertThat(DataFrames.pathPolicy(open)).isEqualTo(p.id());
                assertThat(DataFrames.pathNode(open, 0)).isEqualTo(p.path().get(0));
            } finally {
                open.release();
            }
            ForwardingPolicy forCall = table.forCall(p.prefix(), now);
            if (forCall != null) {
                assertThat(forCall.ingress()).isEqualTo("sg-1");
                assertThat(forCall.prefix()).isEqualTo(p.prefix());
            }
        }
        assertThat(table.policies().stream().filter(p -> p.ingress().equals("sg-1")).map(ForwardingPolicy::prefix)
                .distinct().count())
                .as("one policy per prefix for this node's calls")
                .isEqualTo(table.policies().stream().filter(p -> p.ingress().equals("sg-1")).count());
    }
}
