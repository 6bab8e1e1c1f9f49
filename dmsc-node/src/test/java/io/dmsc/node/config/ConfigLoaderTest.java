package io.dmsc.node.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dmsc.wire.link.NodeRole;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import java.util.stream.Stream;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ConfigLoaderTest {
    private static final String NODES = "nodes:\n"
            + "  - {id: a, role: sg, listen: 127.0.0.1:7001, prefixes: [/shop]}\n"
            + "  - {id: b, role: sr, listen: 127.0.0.1:7002}\n";

    @Test
    void shouldLoadFigure2WithNeighboursFromLinks() {
        TopologyConfig t = ConfigLoader.loadTopology(Path.of("../examples/figure2.yaml"));
        assertThat(t.nodes()).hasSize(8);
        assertThat(t.links()).hasSize(11);
        NodeConfig sr1 = t.node("sr-1");
        assertThat(sr1.role()).isEqualTo(NodeRole.SR);
        assertThat(sr1.neighbors()).extracting(NeighborConfig::id).containsExactlyInAnyOrder("sg-1", "sr-2", "sr-3",
                "sg-3", "scsc");
        // The SCSC: a node that never forwards, and every SG and SR reports to it.
        NodeConfig scsc = t.node("scsc");
        assertThat(scsc.role()).isEqualTo(NodeRole.SCSC);
        assertThat(scsc.routing().overload()).isTrue();
        assertThat(scsc.scheduler().listen()).isEqualTo("127.0.0.1:7020");
        assertThat(scsc.scheduler().thresholds()).isEqualTo(SchedulerConfig.Thresholds.DEFAULTS);
        assertThat(scsc.telemetry()).isNull();
        assertThat(sr1.telemetry().servers()).containsExactly("127.0.0.1:7020");
        assertThat(t.node("sg-4").telemetry().reportIntervalMs()).isEqualTo(1000);
        assertThat(sr1.neighbors()).filteredOn(n -> n.id().equals("sr-2")).first()
                .extracting(NeighborConfig::address).isEqualTo("127.0.0.1:7012");
        assertThat(t.node("sg-4").prefixes()).extracting(Object::toString).containsExactly("/demo/sg-4");
        assertThat(t.node("sg-1").admin()).isEqualTo("127.0.0.1:9101");
        assertThat(sr1.helloIntervalMs()).isEqualTo(1000);
        assertThat(sr1.holdTimeMs()).isEqualTo(3000);
    }

    @Test
    void shouldLoadTheGatewaySettingsOfFigure2() {
        TopologyConfig t = ConfigLoader.loadTopology(Path.of("../examples/figure2.yaml"));
        GatewayConfig g = t.node("sg-1").gateway();
        assertThat(g.pod()).isEqualTo("127.0.0.1:7101");
        assertThat(g.upstreams()).extracting(u -> u.listen() + " " + u.target()).containsExactly("127.0.0.1:7201 /B/4");
        assertThat(g.retryPolicies()).hasSize(1);
        RetryPolicyConfig p = g.retryPolicies().get(0);
        assertThat(p.covers("dmsc.example.greeter.Greeter/SayHello")).isTrue();
        assertThat(p.covers("dmsc.testkit.v1.Echo/Bidi")).isFalse();
        assertThat(p.retryableCodes()).containsExactly("UNAVAILABLE");
        assertThat(t.node("sg-2").gateway().upstreams()).isEmpty();
        assertThat(t.node("sr-1").gateway()).isNull();
    }

    @Test
    void shouldLoadTheSpasOfFigure2AndEachSgsFailOverOrder() {
        TopologyConfig t = ConfigLoader.loadTopology(Path.of("../examples/figure2.yaml"));
        assertThat(t.spas()).extracting(SpaConfig::id).containsExactly("spa-1", "spa-2", "spa-3", "spa-4");
        SpaConfig spa4 = t.spa("spa-4");
        assertThat(spa4.listen()).isEqualTo("127.0.0.1:7034");
        assertThat(spa4.admin()).isEqualTo("127.0.0.1:9134");
        assertThat(spa4.policyFile()).isEqualTo(Path.of("../examples/spa/policy.yaml").toAbsolutePath().normalize());
        assertThat(spa4.lifetimeS()).isEqualTo(600);
        SpaClientConfig client = t.node("sg-4").gateway().spa();
        assertThat(client.servers()).extracting(SpaClientConfig.Server::toString).containsExactly(
                "spa-4@127.0.0.1:7034", "spa-1@127.0.0.1:7031", "spa-2@127.0.0.1:7032", "spa-3@127.0.0.1:7033");
        assertThat(client.tokenFile()).hasFileName("sg-4.token");
        assertThat(t.node("sr-1").authorization().mode()).isEqualTo(AuthorizationConfig.Mode.REQUIRED);
        assertThat(t.node("sr-1").authorization().trustAnchors()).hasSize(1);
        assertThat(t.nodes()).extracting(NodeConfig::id).as("SPAs are not fabric nodes").doesNotContain("spa-1");
    }

    @Test
    void shouldLoadANodeFile() {
        NodeConfig c = ConfigLoader.loadNode(Path.of("../examples/sg-1.yaml"));
        assertThat(c.id()).isEqualTo("sg-1");
        assertThat(c.neighbors()).containsExactly(new NeighborConfig("sr-1", "127.0.0.1:7011", 10));
    }

    static Stream<Arguments> badTopologies() {
        return Stream.of(
            Arguments.of("unknown key", "nodes:\n  - {id: a, role: sg, listen: 127.0.0.1:1, lisen: x}\n", "t.yaml: nodes[0].lisen: unknown key (expected one of:"),
            Arguments.of("bad address", "nodes:\n  - {id: a, role: sg, listen: localhost}\n", "t.yaml: nodes[0].listen: 'localhost' (expected: HOST:PORT"),
            Arguments.of("bad role", "nodes:\n  - {id: a, role: router, listen: 127.0.0.1:1}\n", "t.yaml: nodes[0].role: 'router' (expected: sg, sr or scsc; spa for an SPA)"),
            Arguments.of("scsc without scheduler", "nodes:\n  - {id: c, role: scsc, listen: 127.0.0.1:1}\n",
                    "t.yaml: nodes[0].scheduler: missing on the SCSC (expected: scheduler: {listen: HOST:PORT"),
            Arguments.of("scsc forwarding", "nodes:\n  - {id: c, role: scsc, listen: 127.0.0.1:1, overload: false, "
                    + "scheduler: {listen: 127.0.0.1:2}}\n", "t.yaml: nodes[0].overload: false on the SCSC"),
            Arguments.of("scheduler on an SR", "nodes:\n  - {id: r, role: sr, listen: 127.0.0.1:1, "
                    + "scheduler: {listen: 127.0.0.1:2}}\n", "t.yaml: nodes[0].scheduler: set on sr r (expected: only on role: scsc)"),
            Arguments.of("bad threshold", "nodes:\n  - {id: c, role: scsc, listen: 127.0.0.1:1, "
                    + "scheduler: {listen: 127.0.0.1:2, thresholds: {delayMs: -1}}}\n",
                    "t.yaml: nodes[0].scheduler.thresholds.delayMs: -1.0 (expected: 0.0..60000.0)"),
            Arguments.of("short TTL", "nodes:\n  - {id: c, role: scsc, listen: 127.0.0.1:1, "
                    + "scheduler: {listen: 127.0.0.1:2, policyTtlMs: 1000}}\n",
                    "policyTtlMs: 1000 (expected: 3 report intervals (3000)..3600000)"),
            Arguments.of("spa without policy", "nodes:\n  - {id: s, role: spa, listen: 127.0.0.1:1}\n", "t.yaml: nodes[0].policy: missing (expected: policy: FILE"),
            Arguments.of("link to an spa", "spa: {policy: ../examples/spa/policy.yaml, signingKey: ../examples/spa/example-signing.key}\nnodes:\n  - {id: a, role: sr, listen: 127.0.0.1:1}\n  - {id: s, role: spa, listen: 127.0.0.1:2}\nlinks:\n  - {a: a, b: s}\n", "t.yaml: links[0].b: 's' is an SPA (expected: a link between SGs and SRs"),
            Arguments.of("spa key not a key", "spa: {policy: ../examples/spa/policy.yaml, signingKey: ../examples/spa/policy.yaml}\nnodes:\n  - {id: s, role: spa, listen: 127.0.0.1:2}\n", "t.yaml: spa.signingKey: "),
            Arguments.of("unknown spa server", "nodes:\n  - {id: a, role: sg, listen: 127.0.0.1:1, gateway: {spa: {servers: [spa-9]}}}\n", "t.yaml: nodes[0].gateway.spa.servers[0]: 'spa-9' (expected: HOST:PORT of an SPA)"),
            Arguments.of("bad node id", "nodes:\n  - {id: 'a b', role: sr, listen: 127.0.0.1:1}\n", "t.yaml: nodes[0].id: 'a b' (expected: a node id"),
            Arguments.of("duplicate id", "nodes:\n  - {id: a, role: sr, listen: 127.0.0.1:1}\n  - {id: a, role: sr, listen: 127.0.0.1:2}\n", "t.yaml: nodes[1].id: 'a' is used by two nodes"),
            Arguments.of("duplicate port", "nodes:\n  - {id: a, role: sr, listen: 127.0.0.1:1}\n  - {id: b, role: sr, listen: 127.0.0.1:1}\n", "t.yaml: nodes[1].listen: '127.0.0.1:1' is already used by a.listen"),
            Arguments.of("unknown link end", NODES + "links:\n  - {a: a, b: c}\n", "t.yaml: links[0].b: 'c' is not a node of this file (expected one of: a, b)"),
            Arguments.of("self link", NODES + "links:\n  - {a: a, b: a}\n", "t.yaml: links[0].b: 'a' links a node to itself"),
            Arguments.of("metric range", NODES + "links:\n  - {a: a, b: b, metric: 0}\n", "t.yaml: links[0].metric: 0 (expected: 1..16777215)"),
            Arguments.of("bad prefix", "nodes:\n  - {id: a, role: sg, listen: 127.0.0.1:1, prefixes: ['/shop//pay']}\n", "t.yaml: nodes[0].prefixes[0]: service prefix '/shop//pay': component 2 is empty"),
            Arguments.of("reserved prefix", "nodes:\n  - {id: a, role: sg, listen: 127.0.0.1:1, prefixes: [/_dmsc/x]}\n", "t.yaml: nodes[0].prefixes[0]: '/_dmsc/x' is in the reserved /_dmsc namespace"),
            Arguments.of("prefixes on SR", "nodes:\n  - {id: a, role: sr, listen: 127.0.0.1:1, prefixes: [/x]}\n", "t.yaml: nodes[0].prefixes: set on an SR"),
            Arguments.of("hold below hello", "timers: {helloIntervalMs: 1000, holdTimeMs: 500}\n" + NODES, "t.yaml: timers.holdTimeMs: 500 (expected: more than helloIntervalMs 1000"),
            Arguments.of("node hold below top-level hello", "timers: {helloIntervalMs: 1000}\nnodes:\n  - {id: a, role: sr, listen: 127.0.0.1:1, timers: {holdTimeMs: 500}}\n", "t.yaml: nodes[0].timers.holdTimeMs: 500 (expected: more than helloIntervalMs 1000"),
            Arguments.of("node hello above top-level hold", "timers: {holdTimeMs: 3000}\nnodes:\n  - {id: a, role: sr, listen: 127.0.0.1:1, timers: {helloIntervalMs: 5000}}\n", "t.yaml: nodes[0].timers.helloIntervalMs: 5000 (expected: less than holdTimeMs 3000"),
            Arguments.of("top-level hello above default hold", "timers: {helloIntervalMs: 3000}\n" + NODES, "t.yaml: timers.helloIntervalMs: 3000 (expected: less than holdTimeMs 1000"),
            Arguments.of("top-level lsp bytes", "timers: {maxFrameLength: 1024, maxLspBytes: 1000}\n" + NODES, "t.yaml: timers.maxLspBytes: 1000 (expected: at most maxFrameLength - 64 = 960)"),
            Arguments.of("top-level routing timers", "timers: {lspLifetimeS: 100, lspRefreshS: 200}\n" + NODES, "t.yaml: timers: "),
            Arguments.of("top-level scheduler", "scheduler: {thresholds: {delayMs: -1}}\nnodes:\n  - {id: c, role: scsc, listen: 127.0.0.1:1, scheduler: {listen: 127.0.0.1:2}}\n", "t.yaml: scheduler.thresholds.delayMs: -1.0 (expected: 0.0..60000.0)"),
            Arguments.of("spa limit not of the admin port", "spa: {policy: ../examples/spa/policy.yaml, signingKey: ../examples/spa/example-signing.key}\nnodes:\n  - {id: s, role: spa, listen: 127.0.0.1:2, limits: {maxFlows: 5}}\n", "t.yaml: nodes[0].limits.maxFlows: unknown key (expected one of: adminIdleTimeoutMs, adminRequestTimeoutMs, grpcHandshakeTimeoutMs, maxAdminBodyBytes"),
            Arguments.of("top-level spa", "spa: {policy: ../examples/spa/policy.yaml, signingKey: ../examples/spa/example-signing.key, lifetimeS: 1}\nnodes:\n  - {id: s, role: spa, listen: 127.0.0.1:2}\n", "t.yaml: spa.lifetimeS: 1 (expected: 2..604800)"),
            Arguments.of("top-level authorization", "authorization: {mode: maybe}\n" + NODES, "t.yaml: authorization.mode: 'maybe'"),
            Arguments.of("top-level security", "security: weird\n" + NODES, "t.yaml: security: 'weird'"),
            Arguments.of("timer type", "timers: {helloIntervalMs: fast}\n" + NODES, "t.yaml: timers.helloIntervalMs: 'fast' (expected: a whole number"),
            Arguments.of("no nodes", "links: []\n", "t.yaml: nodes: missing (expected: a list)"),
            Arguments.of("not yaml", "nodes: [\n", "t.yaml: not valid YAML at line"),
            Arguments.of("flow idle timeout", "timers: {flowIdleTimeoutMs: 500}\n" + NODES, "t.yaml: timers.flowIdleTimeoutMs: 500 (expected: 1000..86400000)"),
            Arguments.of("pod on SR", "nodes:\n  - {id: a, role: sr, listen: 127.0.0.1:1, pod: 127.0.0.1:2}\n", "t.yaml: nodes[0].pod: set on an SR (expected: only SGs have a pod-facing side)"),
            Arguments.of("upstream target", "nodes:\n  - {id: a, role: sg, listen: 127.0.0.1:1, upstreams: [{listen: 127.0.0.1:2, target: 'B/4'}]}\n", "t.yaml: nodes[0].upstreams[0].target: service prefix 'B/4'"),
            Arguments.of("upstream port reused", "nodes:\n  - {id: a, role: sg, listen: 127.0.0.1:1, pod: 127.0.0.1:2, upstreams: [{listen: 127.0.0.1:2, target: /B}]}\n", "t.yaml: nodes[0].upstreams[0].listen: '127.0.0.1:2' is already used by a.pod"),
            Arguments.of("retry method", "nodes:\n  - {id: a, role: sg, listen: 127.0.0.1:1, gateway: {retryPolicies: [{prefix: /B, methods: [SayHello]}]}}\n", "t.yaml: nodes[0].gateway.retryPolicies[0].methods[0]: 'SayHello' (expected: a full method name"),
            Arguments.of("retry code", "nodes:\n  - {id: a, role: sg, listen: 127.0.0.1:1, gateway: {retryPolicies: [{prefix: /B, retryableStatusCodes: [BUSY]}]}}\n", "t.yaml: nodes[0].gateway.retryPolicies[0].retryableStatusCodes[0]: 'BUSY' (expected: a gRPC status code name"),
            Arguments.of("retry attempts", "nodes:\n  - {id: a, role: sg, listen: 127.0.0.1:1, gateway: {retryPolicies: [{prefix: /B, maxAttempts: 9}]}}\n", "t.yaml: nodes[0].gateway.retryPolicies[0].maxAttempts: 9 (expected: 2..5)"),
            Arguments.of("limit out of range", "limits: {maxFlows: 0}\n" + NODES, "t.yaml: limits.maxFlows: 0 (expected: 1..100000000)"),
            Arguments.of("node limit unknown", "nodes:\n  - {id: a, role: sr, listen: 127.0.0.1:1, limits: {maxFlow: 5}}\n", "t.yaml: nodes[0].limits.maxFlow: unknown key (expected one of: adminIdleTimeoutMs, adminRequestTimeoutMs, grpcHandshakeTimeoutMs, maxAdminBodyBytes"),
            Arguments.of("admin limit out of range", "limits: {maxAdminConnections: 0}\n" + NODES, "t.yaml: limits.maxAdminConnections: 0 (expected: 1..100000)"),
            Arguments.of("lsdb smaller than an origin", "limits: {maxLsdbOriginBytes: 8192, maxLsdbBytes: 4096}\n" + NODES, "t.yaml: limits.maxLsdbBytes: 4096 (expected: at least maxLsdbOriginBytes 8192)"),
            Arguments.of("pod port connections", "nodes:\n  - {id: a, role: sg, listen: 127.0.0.1:1, gateway: {podPort: {maxConnections: 0}}}\n", "t.yaml: nodes[0].gateway.podPort.maxConnections: 0 (expected: 1..1000000)"),
            Arguments.of("pod port key", "nodes:\n  - {id: a, role: sg, listen: 127.0.0.1:1, gateway: {podPort: {handshakeMs: 5}}}\n", "t.yaml: nodes[0].gateway.podPort.handshakeMs: unknown key"),
            Arguments.of("window too small", "nodes:\n  - {id: a, role: sg, listen: 127.0.0.1:1, gateway: {streamWindowBytes: 10}}\n", "t.yaml: nodes[0].gateway.streamWindowBytes: 10 (expected: 16384..")
        );
    }

    @Test
    void shouldDetectSilentFailuresWithinASecondByDefaultForANodeInItsOwnProcess() throws Exception {
        java.nio.file.Path f = java.nio.file.Files.createTempFile("one", ".yaml");
        try {
            java.nio.file.Files.writeString(f, NODES);
            NodeConfig alone = ConfigLoader.loadTopologyForOneNode(f).node("b");
            assertThat(alone.helloIntervalMs()).isEqualTo(NodeConfig.DEFAULT_HELLO_INTERVAL_MS).isEqualTo(250);
            assertThat(alone.holdTimeMs()).isEqualTo(NodeConfig.DEFAULT_HOLD_TIME_MS).isEqualTo(1000);
            NodeConfig shared = ConfigLoader.loadTopology(f).node("b");
            assertThat(shared.helloIntervalMs()).isEqualTo(NodeConfig.SHARED_PROCESS_HELLO_INTERVAL_MS);
            assertThat(shared.holdTimeMs()).isEqualTo(NodeConfig.SHARED_PROCESS_HOLD_TIME_MS);
        } finally {
            java.nio.file.Files.delete(f);
        }
        assertThat(ConfigLoader.parseNode("n.yaml", "{id: a, role: sr, listen: 127.0.0.1:1}").holdTimeMs())
                .as("a node file is one node in its process").isEqualTo(1000);
        assertThat(ConfigLoader.parseTopology("t.yaml", "timers: {holdTimeMs: 1500}\n" + NODES).node("b").holdTimeMs())
                .as("explicit timers are kept").isEqualTo(1500);
    }

    @Test
    void shouldLayerTheTopologysLimitsUnderEachNodesAndDefaultTheRest() {
        TopologyConfig t = ConfigLoader.parseTopology("t.yaml", "limits: {maxFlows: 500, maxPods: 7}\n"
                + "nodes:\n"
                + "  - {id: a, role: sg, listen: 127.0.0.1:7001, limits: {maxPods: 3, podPrefixSharePercent: 50}}\n"
                + "  - {id: b, role: sr, listen: 127.0.0.1:7002}\n");
        LimitsConfig a = t.node("a").limits();
        assertThat(a.maxFlows()).isEqualTo(500);
        assertThat(a.maxPods()).isEqualTo(3);
        assertThat(a.podPrefixSharePercent()).isEqualTo(50);
        assertThat(a.maxLsdbOrigins()).isEqualTo(LimitsConfig.DEFAULT.maxLsdbOrigins());
        assertThat(t.node("b").limits().maxPods()).isEqualTo(7);
        assertThat(ConfigLoader.parseTopology("t.yaml", NODES).node("b").limits()).isEqualTo(LimitsConfig.DEFAULT);
    }

    @Test
    void shouldTakeTheAdminPortsAndPolicyLimitsFromTheLimitsBlock() {
        TopologyConfig t = ConfigLoader.parseTopology("t.yaml", "limits: {maxAdminConnections: 8, "
                + "adminRequestTimeoutMs: 2000, maxPolicies: 50}\n"
                + "nodes:\n"
                + "  - {id: a, role: sg, listen: 127.0.0.1:7001, limits: {maxAdminConnections: 4, maxAdminBodyBytes: 0}}\n"
                + "  - {id: b, role: sr, listen: 127.0.0.1:7002}\n");
        io.dmsc.node.admin.AdminHttpSettings a = t.node("a").limits().adminHttp();
        assertThat(a.maxConnections()).isEqualTo(4);
        assertThat(a.maxBodyBytes()).isZero();
        assertThat(a.requestTimeoutMs()).isEqualTo(2000);
        assertThat(a.maxHeaderBytes()).isEqualTo(io.dmsc.node.admin.AdminHttpSettings.DEFAULTS.maxHeaderBytes());
        assertThat(t.node("b").limits().adminHttp().maxConnections()).isEqualTo(8);
        assertThat(t.node("b").limits().maxPolicies()).isEqualTo(50);

        TopologyConfig spa = ConfigLoader.parseTopology("t.yaml", "spa: {policy: ../examples/spa/policy.yaml, "
                + "signingKey: ../examples/spa/example-signing.key}\nnodes:\n"
                + "  - {id: s, role: spa, listen: 127.0.0.1:2, limits: {maxAdminConnections: 3}}\n"
                + "  - {id: s2, role: spa, listen: 127.0.0.1:3}\n");
        assertThat(spa.spa("s").limits().adminHttp().maxConnections()).isEqualTo(3);
        assertThat(spa.spa("s2").limits()).isEqualTo(LimitsConfig.DEFAULT);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badTopologies")
    void shouldNameFileKeyAndExpectation(String name, String yaml, String message) {
        assertThatThrownBy(() -> ConfigLoader.parseTopology("t.yaml", yaml))
                .isInstanceOf(ConfigException.class).hasMessageContaining(message);
    }

    @Test
    void shouldNameAMissingFile() {
        assertThatThrownBy(() -> ConfigLoader.loadTopology(Path.of("no/such.yaml")))
                .isInstanceOf(ConfigException.class).hasMessage("no/such.yaml: file not found (expected: a readable YAML file)");
    }

    @Test
    void shouldNameABinaryFileAndTheFirstBadByte(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("t.yaml");
        Files.write(file, new byte[] {'n', 'o', 'd', 'e', 's', ':', ' ', (byte) 0xe2, (byte) 0x28, (byte) 0xa1});
        assertThatThrownBy(() -> ConfigLoader.loadTopology(file)).isInstanceOf(ConfigException.class)
                .hasMessage(file + ": not a UTF-8 text file (byte 0xe2 at offset 7; expected: a YAML topology or "
                        + "node file)");
        assertThatThrownBy(() -> ConfigLoader.loadNode(file)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("not a UTF-8 text file (byte 0xe2 at offset 7");
    }

    @Test
    void shouldNameADirectoryGivenAsAFile(@TempDir Path dir) {
        assertThatThrownBy(() -> ConfigLoader.loadTopology(dir)).isInstanceOf(ConfigException.class)
                .hasMessage(dir + ": is a directory (expected: a YAML topology or node file)");
    }

    @Test
    void shouldSayPermissionDeniedForAnUnreadableFile(@TempDir Path dir) throws Exception {
        // root reads any file, so this runs only as another user.
        Assumptions.assumeFalse("root".equals(System.getProperty("user.name")), "running as root");
        Path file = dir.resolve("t.yaml");
        Files.writeString(file, NODES);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("-w-------"));
        assertThatThrownBy(() -> ConfigLoader.loadTopology(file)).isInstanceOf(ConfigException.class)
                .hasMessageStartingWith(file + ": cannot read: permission denied");
    }

    @Test
    void shouldRejectAnUnknownNodeId() {
        TopologyConfig t = ConfigLoader.parseTopology("t.yaml", NODES);
        assertThatThrownBy(() -> t.node("zz")).isInstanceOf(ConfigException.class)
                .hasMessage("t.yaml: nodes: no node 'zz' (expected one of: a, b)");
    }

    @Test
    void shouldWarnOncePerWildcardAddressNamingNodeKeyAndWhatItExposes() {
        TopologyConfig t = ConfigLoader.parseTopology("t.yaml", """
                nodes:
                  - {id: sg-1, role: sg, listen: 0.0.0.0:7001, admin: '[::]:9101', pod: 127.0.0.1:7101,
                     upstreams: [{listen: '0.0.0.0:7201', target: /B}]}
                  - {id: sr-1, role: sr, listen: 127.0.0.1:7002, admin: 127.0.0.1:9102}
                  - {id: c, role: scsc, listen: 127.0.0.1:7003, scheduler: {listen: '0.0.0.0:7300'}}
                """);
        assertThat(t.node("sg-1").exposureWarnings()).containsExactly(
                "sg-1: listen listens on 0.0.0.0:7001: every host that reaches this machine can dial its fabric "
                        + "port and exchange link-state with it (security: off, so unauthenticated); bind it to the "
                        + "fabric network's address",
                "sg-1: admin listens on [::]:9101: every host that reaches this machine can read its status and "
                        + "metrics; bind it to loopback or a management network",
                "sg-1: upstreams[0].listen listens on 0.0.0.0:7201: every host that reaches this machine can call /B "
                        + "through this SG; bind it to loopback or the pod network");
        assertThat(t.node("sr-1").exposureWarnings()).isEmpty();
        assertThat(t.node("c").exposureWarnings()).containsExactly("c: scheduler.listen listens on 0.0.0.0:7300: "
                + "every host that reaches this machine can send QoS reports to this SCSC and read its policies; bind "
                + "it to the fabric network's address");
        NodeConfig pod = ConfigLoader.parseNode("n.yaml", "{id: g, role: sg, listen: 127.0.0.1:1, pod: '0.0.0.0:2'}");
        assertThat(pod.exposureWarnings()).singleElement().asString().startsWith("g: pod listens on 0.0.0.0:2: ");
    }

    @Test
    void shouldLoadPodPortLimitsWithDefaults() {
        TopologyConfig t = ConfigLoader.parseTopology("t.yaml", """
                nodes:
                  - {id: a, role: sg, listen: 127.0.0.1:1, gateway: {podPort: {handshakeTimeoutMs: 500, maxConnections: 7,
                     maxConnectionIdleMs: 60000, maxMetadataBytes: 16384}}}
                  - {id: b, role: sg, listen: 127.0.0.1:2, pod: 127.0.0.1:3}
                """);
        assertThat(t.node("a").gateway().podPort()).isEqualTo(new GatewayConfig.PodPort(500, 7, 60_000, 16_384));
        assertThat(t.node("b").gateway().podPort()).isEqualTo(GatewayConfig.PodPort.DEFAULTS)
                .isEqualTo(new GatewayConfig.PodPort(10_000, 10_000, 0, 8192));
    }
}
