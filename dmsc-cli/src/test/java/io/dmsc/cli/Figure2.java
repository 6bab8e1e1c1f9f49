package io.dmsc.cli;

import static org.awaitility.Awaitility.await;

import io.dmsc.gateway.Gateway;
import io.dmsc.node.DmscNode;
import io.dmsc.node.Mesh;
import io.dmsc.node.config.ConfigLoader;
import io.dmsc.node.config.NodeConfig;
import io.dmsc.node.config.SpaConfig;
import io.dmsc.node.config.TopologyConfig;
import io.dmsc.node.config.UpstreamConfig;
import io.dmsc.wire.link.NodeRole;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The draft's Figure 2, {@code examples/figure2.yaml} as it is (authorization required, security
 * auto) but on ephemeral loopback ports, for the CLI tests; and what each of the file's fixed
 * addresses became.
 */
final class Figure2 implements AutoCloseable {
    /** The example, relative to the module directory (the tests' working directory). */
    static final Path FILE = Path.of("../examples/figure2.yaml");

    private final Mesh mesh;
    private final TopologyConfig asWritten;

    private Figure2(Mesh mesh, TopologyConfig asWritten) {
        this.mesh = mesh;
        this.asWritten = asWritten;
    }

    /** Starts every node and SPA of the example over loopback TCP; the caller closes it. */
    static Figure2 start() throws IOException {
        String text = Files.readString(FILE);
        // Named by its path so that its policy, key and token files resolve.
        TopologyConfig asWritten = ConfigLoader.parseTopology(FILE.toString(), text);
        TopologyConfig ephemeral = ConfigLoader.parseTopology(FILE.toString(),
                text.replaceAll("127\\.0\\.0\\.1:\\d+", "127.0.0.1:0"));
        return new Figure2(Mesh.start(ephemeral, Mesh.Links.TCP, Gateway.factory()), asWritten);
    }

    Mesh mesh() {
        return mesh;
    }

    /** @return an SG's pod-facing address */
    String podAddress(String sg) {
        return mesh.node(sg).extension(Gateway.class).podAddress();
    }

    /**
     * @return each address written in the example file (fabric, admin, pod-facing, upstream and
     *         scheduler ports of the nodes; the SPAs' and their admin ports) mapped to the address
     *         the same node bound for the same purpose
     */
    Map<String, String> boundAddresses() {
        Map<String, String> bound = new HashMap<>();
        for (NodeConfig c : asWritten.nodes()) {
            DmscNode n = mesh.node(c.id());
            bound.put(c.listen(), n.listenAddress());
            if (c.admin() != null) {
                bound.put(c.admin(), n.adminAddress());
            }
            if (c.scheduler() != null) {
                bound.put(c.scheduler().listen(), n.schedulerAddress());
            }
            Gateway g = n.extension(Gateway.class);
            if (c.gateway() != null && g != null) {
                bound.put(c.pod(), g.podAddress());
                for (UpstreamConfig u : c.gateway().upstreams()) {
                    bound.put(u.listen(), g.upstreamAddresses().get(u.target().toString()));
                }
            }
        }
        for (SpaConfig s : asWritten.spas()) {
            bound.put(s.listen(), mesh.spaAddress(s.id()));
            if (s.admin() != null) {
                bound.put(s.admin(), mesh.spaAdminAddress(s.id()));
            }
        }
        bound.values().removeIf(java.util.Objects::isNull);
        return bound;
    }

    /**
     * Waits until every SG and SR routes each name and every SG's node name: a probe sent through
     * a router still converging is lost.
     */
    void awaitRoutes(List<String> names) {
        List<String> all = new java.util.ArrayList<>(names);
        asWritten.nodes().stream().filter(c -> c.role() == NodeRole.SG).forEach(c -> all.add("/_dmsc/node/" + c.id()));
        await().atMost(Duration.ofSeconds(30)).until(() -> asWritten.nodes().stream()
                .filter(c -> c.role() != NodeRole.SCSC)
                .allMatch(c -> all.stream().allMatch(name -> mesh.node(c.id()).fib().lookup(name) != null)));
    }

    /** @return a pod's token from examples/tokens */
    static String token(String pod) {
        try {
            return Files.readString(Path.of("../examples/tokens/" + pod + ".token")).trim();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        mesh.close();
    }
}
