package io.dmsc.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.dmsc.node.NodeStatus;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ShowCommandTest {
    private static NodeStatus status() {
        return new NodeStatus("sr-1", "sr", "127.0.0.1:7011", 1000,
                List.of(new NodeStatus.Neighbor("sg-1", "UP", "127.0.0.1:7001", "in", 10, 65_000, "sg", 0,
                        "tls sg-1")),
                List.of(new NodeStatus.Lsp("sg-1-00", "sg-1", 0, "3", 1190, "sg", false, List.of("sr-1:10"),
                        List.of("/_dmsc/node/sg-1", "/demo/sg-1"), false, "signed")),
                List.of(new NodeStatus.Route("/demo/sg-4", 20, List.of("sg-4"), List.of("sr-2", "sr-3"), false)),
                List.of(new NodeStatus.Forwarding("/demo/sg-4", List.of("sr-2", "sr-3"), false, 20),
                        new NodeStatus.Forwarding("/_dmsc/node/sr-1", List.of(), true, 0)),
                Map.of(), "QUIET", "required",
                List.of(new NodeStatus.Prefix("/B/4", "sg-4", "pod-4", "2026-12-02T10:20:00Z", "installed", ""),
                        new NodeStatus.Prefix("/B/4", "sg-9", "", "", "rejected: unsigned",
                                "no authorization (expected: one signed by a prefix authority)")));
    }

    @Test
    void shouldPrintPrefixesWithOwnerExpiryAndRejectionReason() {
        String out = ShowCommand.render(ShowCommand.What.prefixes, status());
        assertThat(out).startsWith("sr-1 (sr) advertised prefixes: 2, authorization required\n");
        assertThat(out).containsPattern("/B/4 +sg-4 +pod-4 +2026-12-02T10:20:00Z +installed");
        assertThat(out).containsPattern("/B/4 +sg-9 +- +- +rejected: unsigned +no authorization");
    }

    @Test
    void shouldPrintAlignedFibWithEqualCostNextHopsAndLocalEntries() {
        String out = ShowCommand.render(ShowCommand.What.fib, status());
        assertThat(out).isEqualTo("sr-1 (sr) forwarding table: 2 entries\n"
                + "Prefix            Next hops   Cost\n"
                + "/demo/sg-4        sr-2, sr-3  20\n"
                + "/_dmsc/node/sr-1  local       0\n");
    }

    @Test
    void shouldPrintNeighborsLsdbAndRib() {
        assertThat(ShowCommand.render(ShowCommand.What.neighbors, status()))
                .contains("sg-1      UP     sg    127.0.0.1:7001  in   10      00:01:05  0        tls sg-1");
        assertThat(ShowCommand.render(ShowCommand.What.lsdb, status()))
                .contains("sg-1-00  3    1190s     sg    -   signed  sr-1:10    /_dmsc/node/sg-1 /demo/sg-1");
        assertThat(ShowCommand.render(ShowCommand.What.rib, status()))
                .contains("/demo/sg-4  20    sg-4    sr-2,sr-3");
    }

    @Test
    void shouldExplainAnUnreachableAdminAddress() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream old = System.err;
        int code;
        try {
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            code = Dmsc.execute("show", "fib", "--admin", "127.0.0.1:1");
        } finally {
            System.setErr(old);
        }
        assertThat(code).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("cannot connect to admin HTTP at 127.0.0.1:1");
    }

    @Test
    void shouldNameTheBadKeyOfATopologyFile() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream old = System.err;
        int code;
        try {
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            code = Dmsc.execute("up", "no-such-topology.yaml");
        } finally {
            System.setErr(old);
        }
        assertThat(code).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8))
                .contains("no-such-topology.yaml: file not found (expected: a readable YAML file)");
    }

    @Test
    void shouldFetchEveryRowOfATableTheSummaryCuts() throws Exception {
        io.dmsc.node.config.NodeConfig c = io.dmsc.node.config.NodeConfig.of("sr-a", io.dmsc.wire.link.NodeRole.SR,
                "mem:sr-a");
        List<Map<String, Object>> flows = new java.util.ArrayList<>();
        for (int i = 0; i < 345; i++) {
            flows.add(Map.of("name", "/f/" + i, "upstream", "sg-1", "downstream", "sr-2"));
        }
        try (io.dmsc.node.DmscNode node = new io.dmsc.node.DmscNode(c, new io.dmsc.node.link.InMemoryLinkTransport(
                new io.dmsc.node.link.InMemoryLinkNetwork(), io.dmsc.wire.link.LinkFrameCodec.DEFAULT_MAX_FRAME_LENGTH))
                .start();
             io.dmsc.node.admin.AdminServer admin = new io.dmsc.node.admin.AdminServer("127.0.0.1:0",
                     node.conductor(), node.metrics(),
                     () -> java.util.concurrent.CompletableFuture.completedFuture(Map.of("flows", flows)), null,
                     io.dmsc.node.admin.AdminHttpSettings.DEFAULTS)) {
            io.dmsc.node.link.HostPort hp = io.dmsc.node.link.HostPort.parse(admin.address());
            com.fasterxml.jackson.databind.JsonNode all = new com.fasterxml.jackson.databind.ObjectMapper()
                    .readTree(ShowCommand.fetch(hp, null, 150));
            assertThat(all.path("flows").size()).as("two full pages and a part").isEqualTo(345);
            assertThat(all.path("flows").get(344).path("name").asText()).isEqualTo("/f/344");
            assertThat(all.has("sections")).isFalse();
            assertThat(ShowCommand.renderData(ShowCommand.What.flows, all)).contains("flows: 345");

            com.fasterxml.jackson.databind.JsonNode fibOnly = new com.fasterxml.jackson.databind.ObjectMapper()
                    .readTree(ShowCommand.fetch(hp, java.util.Set.of("fib")));
            assertThat(fibOnly.path("flows").size()).as("a table not asked for keeps the summary's rows")
                    .isEqualTo(100);
        }
    }
}
