package io.dmsc.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.dmsc.node.config.NeighborConfig;
import io.dmsc.node.config.NodeConfig;
import io.dmsc.node.link.EventLoops;
import io.dmsc.node.link.HostPort;
import io.dmsc.node.link.TcpLinkTransport;
import io.dmsc.wire.link.HelloMessage;
import io.dmsc.wire.link.LinkFrameCodec;
import io.dmsc.wire.link.NodeRole;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.EventLoopGroup;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * A hostile process opening connection after connection to a node's fabric port, each with a
 * hello for a node that is no neighbour, costs one log line per cause and interval, not one per
 * connection; every connection is still refused.
 */
class HostileLinkLogTest {
    @Test
    void shouldLogARepeatedRefusalOncePerIntervalAndRefuseEveryConnection() throws Exception {
        Logger logger = (Logger) LoggerFactory.getLogger(NodeConductor.class);
        ListAppender<ILoggingEvent> lines = new ListAppender<>();
        lines.start();
        logger.addAppender(lines);
        Level before = logger.getLevel();
        logger.setLevel(Level.INFO);
        EventLoopGroup group = EventLoops.newGroup(1, "hostile-test");
        NodeConfig c = NodeConfig.of("sr-1", NodeRole.SR, "127.0.0.1:0")
                .withNeighbors(List.of(new NeighborConfig("sg-4", null, 10)));
        DmscNode sr1 = new DmscNode(c, new TcpLinkTransport(group, 65_536, null)).start();
        try {
            HostPort hp = HostPort.parse(sr1.listenAddress());
            ByteBuf b = LinkFrameCodec.encode(new HelloMessage(1, "intruder", 1000, "", NodeRole.SR),
                    UnpooledByteBufAllocator.DEFAULT);
            byte[] hello = new byte[b.readableBytes()];
            b.readBytes(hello);
            b.release();
            int connections = 500;
            int closedByNode = 0;
            for (int i = 0; i < connections; i++) {
                try (Socket s = new Socket(hp.host(), hp.port())) {
                    s.setSoTimeout(5000);
                    s.getOutputStream().write(hello);
                    if (s.getInputStream().read(new byte[4096]) >= 0) {
                        // the node's own hello may come first; then the close
                        while (s.getInputStream().read(new byte[4096]) >= 0) {
                            // drain
                        }
                    }
                    closedByNode++;
                } catch (java.net.SocketException e) {
                    closedByNode++; // reset by the node: refused too
                }
            }
            assertThat(closedByNode).as("every connection refused").isEqualTo(connections);
            await().atMost(Duration.ofSeconds(5)).until(() -> lines.list.stream()
                    .anyMatch(e -> e.getFormattedMessage().contains("'intruder' is not a configured neighbour")));
            long refusals = lines.list.stream()
                    .filter(e -> e.getFormattedMessage().contains("is not a configured neighbour")).count();
            assertThat(refusals).as("log lines for %d refused connections", connections).isBetween(1L, 2L);
        } finally {
            sr1.close();
            group.shutdownGracefully().awaitUninterruptibly();
            logger.detachAppender(lines);
            logger.setLevel(before);
        }
    }
}
