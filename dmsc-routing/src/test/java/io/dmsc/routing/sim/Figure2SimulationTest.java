package io.dmsc.routing.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.dmsc.routing.FibEntry;
import io.dmsc.routing.RoutingConfig;
import io.dmsc.wire.ServicePrefix;
import io.dmsc.wire.link.NodeRole;
import io.dmsc.wire.link.PrefixEntry;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class Figure2SimulationTest {
    private static SimulatedNetwork figure2() {
        SimulatedNetwork net = new SimulatedNetwork(id -> RoutingConfig.defaults(id,
                id.startsWith("sg") ? NodeRole.SG : NodeRole.SR), 1);
        for (int i = 1; i <= 4; i++) {
            net.addNode("sg-" + i, List.of(PrefixEntry.of(ServicePrefix.parse("/demo/sg-" + i), 0)));
        }
        for (int i = 1; i <= 3; i++) {
            net.addNode("sr-" + i, List.of());
        }
        String[][] links = {{"sg-1", "sr-1"}, {"sg-2", "sr-2"}, {"sr-1", "sr-2"}, {"sr-1", "sr-3"}, {"sr-2", "sr-3"},
            {"sg-3", "sr-1"}, {"sg-3", "sr-3"}, {"sg-4", "sr-2"}, {"sg-4", "sr-3"}};
        for (String[] l : links) {
            net.addLink(l[0], l[1], 10);
        }
        return net;
    }

    @Test
    void shouldConvergeWithEqualCostNextHops() {
        SimulatedNetwork net = figure2();
        net.runUntilQuiet(TimeUnit.SECONDS.toNanos(30), TimeUnit.SECONDS.toNanos(5));
        FibEntry toSg4 = net.protocol("sr-1").fib().lookup("/demo/sg-4/x/y");
        assertThat(toSg4).isNotNull();
        assertThat(toSg4.nextHops()).containsExactly("sr-2", "sr-3");
        assertThat(net.protocol("sg-1").fib().lookup("/demo/sg-4").nextHops()).containsExactly("sr-1");
        assertThat(net.protocol("sg-1").fib().size()).isEqualTo(4 + 7);
        assertThat(net.protocol("sg-4").fib().lookup("/demo/sg-4").local()).isTrue();
    }

    @Test
    void shouldRerouteAfterLinkFailure() {
        SimulatedNetwork net = figure2();
        net.runUntilQuiet(TimeUnit.SECONDS.toNanos(30), TimeUnit.SECONDS.toNanos(5));
        net.linkDown("sr-1", "sr-2");
        net.runUntilQuiet(TimeUnit.SECONDS.toNanos(30), TimeUnit.SECONDS.toNanos(5));
        assertThat(net.protocol("sr-1").fib().lookup("/demo/sg-4").nextHops()).containsExactly("sr-3");
        assertThat(net.protocol("sr-1").fib().lookup("/demo/sg-2").nextHops()).containsExactly("sr-3");
    }
}
