package io.dmsc.routing.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.dmsc.routing.RoutingConfig;
import io.dmsc.wire.ServicePrefix;
import io.dmsc.wire.link.NodeRole;
import io.dmsc.wire.link.PrefixEntry;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * An SG with more prefixes than one fragment holds: a prefix added or removed near the front of
 * its list moves other entries between fragments. None of the moved prefixes may go missing from
 * another node's FIB meanwhile (make before break).
 */
class RefragmentationTest {
    private static final int PREFIXES = 120;

    private static List<PrefixEntry> prefixes(String first) {
        List<PrefixEntry> out = new ArrayList<>();
        if (first != null) {
            out.add(PrefixEntry.of(ServicePrefix.parse(first), 0));
        }
        for (int i = 0; i < PREFIXES; i++) {
            out.add(PrefixEntry.of(ServicePrefix.parse(String.format("/svc/p%03d", i)), 0));
        }
        return out;
    }

    private static int routed(SimulatedNetwork net, String node) {
        int n = 0;
        for (int i = 0; i < PREFIXES; i++) {
            if (net.protocol(node).fib().get(ServicePrefix.parse(String.format("/svc/p%03d", i))) != null) {
                n++;
            }
        }
        return n;
    }

    @Test
    void shouldNeverUnrouteAPrefixThatMovesToAnotherFragment() {
        SimulatedNetwork net = new SimulatedNetwork(id -> RoutingConfig.defaults(id, id.startsWith("sg")
                ? NodeRole.SG : NodeRole.SR).withMaxLspBytes(1024), 7);
        net.addNode("sg-a", prefixes(null));
        net.addNode("sr-1", List.of());
        net.addNode("sr-2", List.of());
        net.addLink("sg-a", "sr-1", 10);
        net.addLink("sr-1", "sr-2", 10);
        net.runUntilQuiet(TimeUnit.SECONDS.toNanos(30), TimeUnit.SECONDS.toNanos(3));
        assertThat(routed(net, "sr-2")).isEqualTo(PREFIXES);
        assertThat(net.protocol("sg-a").lsdb().size()).as("several fragments").isGreaterThan(3);

        AtomicInteger fewest = new AtomicInteger(PREFIXES);
        net.observeFibs((node, fib) -> {
            if (node.equals("sr-2")) {
                int n = 0;
                for (int i = 0; i < PREFIXES; i++) {
                    if (fib.get(ServicePrefix.parse(String.format("/svc/p%03d", i))) != null) {
                        n++;
                    }
                }
                fewest.accumulateAndGet(n, Math::min);
            }
        });
        // /a/first sorts before every /svc prefix: each fragment hands its last entries to the next.
        net.setPrefixes("sg-a", prefixes("/a/first"));
        net.runUntilQuiet(TimeUnit.SECONDS.toNanos(30), TimeUnit.SECONDS.toNanos(3));
        assertThat(net.protocol("sr-2").fib().get(ServicePrefix.parse("/a/first"))).isNotNull();
        // And back: entries move to the previous fragment.
        net.setPrefixes("sg-a", prefixes(null));
        net.runUntilQuiet(TimeUnit.SECONDS.toNanos(30), TimeUnit.SECONDS.toNanos(3));

        assertThat(routed(net, "sr-2")).isEqualTo(PREFIXES);
        assertThat(fewest.get()).as("fewest /svc prefixes routed at sr-2 while entries moved").isEqualTo(PREFIXES);
    }
}
