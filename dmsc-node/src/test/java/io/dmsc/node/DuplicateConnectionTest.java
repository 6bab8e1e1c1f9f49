package io.dmsc.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dmsc.node.config.NeighborConfig;
import io.dmsc.node.config.NodeConfig;
import io.dmsc.node.link.EventLoops;
import io.dmsc.node.link.TcpLinkTransport;
import io.dmsc.wire.link.NodeRole;
import io.netty.channel.EventLoopGroup;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class DuplicateConnectionTest {
    @Test
    void shouldEndWithOneConnectionWhenBothNodesDialEachOther() throws Exception {
        EventLoopGroup group = EventLoops.newGroup(1, "test-links");
        DmscNode a = new DmscNode(NodeConfig.of("a", NodeRole.SR, "127.0.0.1:0"), new TcpLinkTransport(group, 65536))
                .start();
        DmscNode b = new DmscNode(NodeConfig.of("b", NodeRole.SR, "127.0.0.1:0"), new TcpLinkTransport(group, 65536))
                .start();
        try {
            // Both learn each other's address at the same moment and dial at once.
            a.setNeighbors(List.of(new NeighborConfig("b", b.listenAddress(), 10)));
            b.setNeighbors(List.of(new NeighborConfig("a", a.listenAddress(), 10)));
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                for (DmscNode n : List.of(a, b)) {
                    List<NodeStatus.Neighbor> ns = n.status().get().neighbors();
                    assertThat(ns).hasSize(1);
                    assertThat(ns.get(0).state()).isEqualTo("UP");
                }
                assertThat(a.fib().lookup("/_dmsc/node/b")).isNotNull()
                        .extracting(e -> e.nextHops()).isEqualTo(List.of("b"));
            });
            // Both ends keep the same connection: dialed by one of them, accepted by the other. (Which
            // one depends on timing: before either is up, the one dialed by the lower id wins; once
            // one is up on plaintext links, a second connection claiming the same node never
            // replaces it.)
            String da = a.status().get().neighbors().get(0).direction();
            String db = b.status().get().neighbors().get(0).direction();
            assertThat(List.of(da, db)).containsExactlyInAnyOrder("in", "out");
        } finally {
            a.close();
            b.close();
            group.shutdownGracefully().awaitUninterruptibly();
        }
    }
}
