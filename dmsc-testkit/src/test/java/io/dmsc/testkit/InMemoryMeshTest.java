package io.dmsc.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dmsc.node.Mesh;
import io.dmsc.node.config.ConfigLoader;
import io.dmsc.node.config.TopologyConfig;
import java.time.Duration;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Hundreds of real node runtimes (conductors, codec, adjacency FSMs) linked in memory. */
class InMemoryMeshTest {
    /**
     * A connected random sparse topology (hello 2 s, hold 10 s: 200 conductors share two
     * cores with everything else the build runs, and the start-up flood must not starve hellos): a random spanning tree plus extra links up to an
     * average degree of about 4; one node in five is an SG owning a prefix.
     */
    static TopologyConfig randomTopology(int nodes, long seed) {
        Random r = new Random(seed);
        StringBuilder y = new StringBuilder("name: random\ntimers: {helloIntervalMs: 2000, holdTimeMs: 10000}\nnodes:\n");
        for (int i = 0; i < nodes; i++) {
            boolean sg = i % 5 == 0;
            y.append("  - {id: n").append(i).append(", role: ").append(sg ? "sg" : "sr")
                    .append(", listen: 127.0.0.1:0").append(sg ? ", prefixes: [/svc/s" + (i % 15) + "]" : "")
                    .append("}\n");
        }
        y.append("links:\n");
        Set<String> links = new HashSet<>();
        for (int i = 1; i < nodes; i++) {
            int j = r.nextInt(i);
            links.add(ReferenceRoutes.key("n" + i, "n" + j));
            y.append("  - {a: n").append(i).append(", b: n").append(j).append(", metric: ")
                    .append(1 + r.nextInt(5)).append("}\n");
        }
        while (links.size() < nodes * 2) {
            int i = r.nextInt(nodes);
            int j = r.nextInt(nodes);
            if (i != j && links.add(ReferenceRoutes.key("n" + i, "n" + j))) {
                y.append("  - {a: n").append(i).append(", b: n").append(j).append(", metric: ")
                        .append(1 + r.nextInt(5)).append("}\n");
            }
        }
        return ConfigLoader.parseTopology("random-" + nodes + ".yaml", y.toString());
    }

    @Test
    void shouldConvergeWith200Nodes() {
        try (Mesh mesh = Mesh.start(randomTopology(200, 42), Mesh.Links.IN_MEMORY)) {
            await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500)).untilAsserted(() ->
                    assertThat(MeshChecks.fibDifferences(mesh, Set.of(), Set.of())).isEmpty());
            // Anycast: /svc/s0 is owned by several SGs; every node reaches it.
            assertThat(mesh.node("n7").fib().lookup("/svc/s0/api")).isNotNull();
        }
    }
}
