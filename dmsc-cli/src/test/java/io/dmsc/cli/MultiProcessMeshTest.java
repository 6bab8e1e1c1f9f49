package io.dmsc.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dmsc.node.NodeStatus;
import io.dmsc.node.config.ConfigLoader;
import io.dmsc.node.config.NodeConfig;
import io.dmsc.node.config.TopologyConfig;
import io.dmsc.node.link.HostPort;
import io.dmsc.routing.FibEntry;
import io.dmsc.testkit.ReferenceRoutes;
import io.dmsc.wire.ServicePrefix;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Figure 2 with every node in its own JVM, started by {@code dmsc run --topology FILE --node ID}. */
class MultiProcessMeshTest {
    private static final ObjectMapper JSON = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    /** A free port, held by a socket in {@code held} so that the next call cannot return it too. */
    private static int freePort(List<ServerSocket> held) throws IOException {
        ServerSocket s = new ServerSocket(0);
        held.add(s);
        return s.getLocalPort();
    }

    @Test
    void shouldBuildTheSameFibsAsOneProcessPerNode(@TempDir Path dir) throws Exception {
        // Figure 2 with every fixed port replaced by a free one, so the test never collides with
        // a mesh someone is running.
        String text = Files.readString(Path.of("../examples/figure2.yaml"));
        Matcher m = Pattern.compile("127\\.0\\.0\\.1:(\\d+)").matcher(text);
        Map<String, Integer> ports = new HashMap<>();
        StringBuilder sb = new StringBuilder();
        List<ServerSocket> held = new ArrayList<>();
        try {
            while (m.find()) {
                int port = ports.computeIfAbsent(m.group(1), k -> {
                    try {
                        return freePort(held);
                    } catch (IOException e) {
                        throw new IllegalStateException(e);
                    }
                });
                m.appendReplacement(sb, "127.0.0.1:" + port);
            }
        } finally {
            for (ServerSocket s : held) {
                s.close();
            }
        }
        m.appendTail(sb);
        // One process per node cannot share the ephemeral CA of security: auto: make the files
        // with the CLI, as an operator would.
        Path ca = dir.resolve("ca");
        assertThat(Dmsc.execute("ca", "init", "--dir", ca.toString(), "--mesh", "figure2")).isZero();
        // The SPAs serve TLS with node certificates of their own (spiffe://figure2/node/spa-N).
        for (String id : List.of("sg-1", "sg-2", "sg-3", "sg-4", "sr-1", "sr-2", "sr-3", "scsc", "spa-1", "spa-2", "spa-3",
                "spa-4")) {
            assertThat(Dmsc.execute("ca", "issue", "--dir", ca.toString(), "--node", id)).isZero();
        }
        String secured = sb.toString().replace("security: auto", "security: {ca: ca/ca.crt, certDir: ca}");
        assertThat(secured).contains("certDir: ca");
        Path file = dir.resolve("figure2.yaml");
        Files.writeString(file, secured);
        // The policy, key and tokens the file names, relative to it.
        for (String sub : new String[] {"spa", "tokens"}) {
            Files.createDirectories(dir.resolve(sub));
            try (var files = Files.list(Path.of("../examples", sub))) {
                for (Path f : files.toList()) {
                    Files.copy(f, dir.resolve(sub).resolve(f.getFileName()));
                }
            }
        }
        TopologyConfig topology = ConfigLoader.loadTopology(file);

        List<Process> processes = new ArrayList<>();
        try {
            // One SPA of four: every SG whose own SPA is down fails over to spa-1.
            List<String> ids = new ArrayList<>(List.of("spa-1"));
            topology.nodes().forEach(n -> ids.add(n.id()));
            for (String id : ids) {
                ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-Xmx96m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                        "-cp", System.getProperty("java.class.path"), Dmsc.class.getName(),
                        "run", "--topology", file.toString(), "--node", id, "--exit-after-ms", "120000");
                pb.redirectErrorStream(true);
                pb.redirectOutput(dir.resolve(id + ".log").toFile());
                processes.add(pb.start());
            }
            Map<String, Map<ServicePrefix, FibEntry>> expected = ReferenceRoutes.compute(topology, Set.of(), Set.of());
            await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(300)).untilAsserted(() -> {
                for (NodeConfig n : topology.nodes()) {
                    NodeStatus s;
                    try {
                        s = JSON.readValue(ShowCommand.fetch(HostPort.parse(n.admin())), NodeStatus.class);
                    } catch (RuntimeException | java.io.IOException e) {
                        // Thirteen JVMs starting on two cores: an admin port may not answer in time yet.
                        throw new AssertionError(n.id() + " not answering yet: " + e, e);
                    }
                    Map<ServicePrefix, FibEntry> actual = new TreeMap<>();
                    for (NodeStatus.Forwarding f : s.fib()) {
                        actual.put(ServicePrefix.parse(f.prefix()), new FibEntry(ServicePrefix.parse(f.prefix()),
                                f.nextHops(), f.local(), f.cost()));
                    }
                    assertThat(actual).as(n.id()).isEqualTo(expected.get(n.id()));
                }
            });
            for (Process p : processes) {
                assertThat(p.isAlive()).isTrue();
            }
        } finally {
            for (Process p : processes) {
                p.destroy();
            }
            for (Process p : processes) {
                p.waitFor();
            }
        }
    }
}
