package io.dmsc.testkit.forwarding;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import io.dmsc.gateway.Gateway;
import io.dmsc.node.DmscNode;
import io.dmsc.node.Mesh;
import io.dmsc.node.config.ConfigLoader;
import io.dmsc.node.config.TopologyConfig;
import io.dmsc.node.data.FlowInfo;
import io.dmsc.routing.FibEntry;
import io.grpc.ClientInterceptor;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.LoggerFactory;

/** What the forwarding tests share: topologies, channels to gateways, flow-table checks. */
final class Fabric {
    static final Duration CONVERGENCE = Duration.ofSeconds(30);
    static final Metadata.Key<String> TARGET = Metadata.Key.of("dmsc-target", Metadata.ASCII_STRING_MARSHALLER);
    /** Largest message the test clients accept. */
    static final int CLIENT_MAX_MESSAGE = 32 << 20;

    /** A chain of five links: sg-a — sr-1 — sr-2 — sr-3 — sr-4 — sg-b. */
    static final String CHAIN = """
            name: chain
            timers: {helloIntervalMs: 1000, holdTimeMs: 3000}
            nodes:
              - {id: sg-a, role: sg, listen: 127.0.0.1:0, pod: 127.0.0.1:0}
              - {id: sr-1, role: sr, listen: 127.0.0.1:0}
              - {id: sr-2, role: sr, listen: 127.0.0.1:0}
              - {id: sr-3, role: sr, listen: 127.0.0.1:0}
              - {id: sr-4, role: sr, listen: 127.0.0.1:0}
              - {id: sg-b, role: sg, listen: 127.0.0.1:0, pod: 127.0.0.1:0}
            links:
              - {a: sg-a, b: sr-1, metric: 10}
              - {a: sr-1, b: sr-2, metric: 10}
              - {a: sr-2, b: sr-3, metric: 10}
              - {a: sr-3, b: sr-4, metric: 10}
              - {a: sr-4, b: sg-b, metric: 10}
            """;

    private Fabric() {
    }

    /**
     * The per-frame DEBUG log of the data plane (logback-test.xml) makes 16 MiB messages and a
     * thousand streams slow; these tests count and inspect flows instead.
     */
    static void quietDataPlaneLog() {
        ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger("io.dmsc.node.data")).setLevel(Level.INFO);
    }

    /**
     * Figure 2 without its SPAs, in authorization mode open: these tests are about forwarding and
     * use pods and prefixes the example policy does not list. The example itself, with
     * authorization required, is run by Figure2MeshTest, ForwardingSmokeTest and the dmsc-cli tests.
     */
    static TopologyConfig figure2() throws IOException {
        return ConfigLoader.parseTopology("../examples/figure2.yaml", figure2Text()).withoutAuthorization();
    }


    /** Figure 2 without its SCSC (and in authorization mode open): plain shortest paths only. */
    static TopologyConfig figure2WithoutScsc() throws IOException {
        StringBuilder b = new StringBuilder();
        boolean inScsc = false;
        for (String line : figure2Text().split("\n")) {
            if (line.startsWith("  - {id: scsc,")) {
                inScsc = true;
            }
            if (!inScsc && !line.contains("{a: scsc,")) {
                b.append(line).append('\n');
            }
            if (inScsc && line.endsWith("}}}")) {
                inScsc = false;
            }
        }
        return ConfigLoader.parseTopology("../examples/figure2.yaml", b.toString()).withoutAuthorization();
    }

    static String figure2Text() throws IOException {
        return Files.readString(Path.of("../examples/figure2.yaml")).replaceAll("127\\.0\\.0\\.1:\\d+", "127.0.0.1:0");
    }

    static TopologyConfig chain() {
        return ConfigLoader.parseTopology("chain.yaml", CHAIN);
    }

    static Mesh start(TopologyConfig topology) {
        quietDataPlaneLog();
        return Mesh.start(topology, Mesh.Links.TCP, Gateway.factory());
    }

    static Gateway gateway(Mesh mesh, String node) {
        return mesh.node(node).extension(Gateway.class);
    }

    static ManagedChannel channel(String address) {
        return NettyChannelBuilder.forTarget(address).usePlaintext().maxInboundMessageSize(CLIENT_MAX_MESSAGE).build();
    }

    static ManagedChannel channelTo(Mesh mesh, String node) {
        return channel(gateway(mesh, node).podAddress());
    }

    static ClientInterceptor target(String prefix) {
        Metadata md = new Metadata();
        md.put(TARGET, prefix);
        return MetadataUtils.newAttachHeadersInterceptor(md);
    }

    /** Waits until {@code node} routes {@code name} (and, if given, over exactly those next hops). */
    static void awaitRoute(Mesh mesh, String node, String name, String... nextHops) {
        await().atMost(CONVERGENCE).pollInterval(Duration.ofMillis(50)).untilAsserted(() -> {
            FibEntry e = mesh.node(node).fib().lookup(name);
            assertThat(e).as("route to %s at %s", name, node).isNotNull();
            if (nextHops.length > 0) {
                assertThat(e.nextHops()).as("next hops to %s at %s", name, node).containsExactlyInAnyOrder(nextHops);
            }
        });
    }

    /** @return the flow entries of every running node, by node, taken on each node's loop */
    static Map<String, List<FlowInfo>> flows(Mesh mesh) throws Exception {
        Map<String, List<FlowInfo>> out = new LinkedHashMap<>();
        for (DmscNode n : mesh.nodes()) {
            List<FlowInfo> f = n.forwarder().flows().get(5, TimeUnit.SECONDS);
            if (!f.isEmpty()) {
                out.put(n.id(), f);
            }
        }
        return out;
    }

    /** Every hop's flow table empties: nothing leaked (the idle reaper only runs after 10 minutes). */
    static void awaitNoFlows(Mesh mesh) {
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50))
                .untilAsserted(() -> assertThat(flows(mesh)).as("flow entries left").isEmpty());
    }

    static int flowCount(Mesh mesh, String node) throws Exception {
        return mesh.node(node).forwarder().flows().get(5, TimeUnit.SECONDS).size();
    }

    static void shutdown(ManagedChannel... channels) throws InterruptedException {
        for (ManagedChannel c : channels) {
            if (c != null) {
                c.shutdownNow();
                c.awaitTermination(5, TimeUnit.SECONDS);
            }
        }
    }
}
