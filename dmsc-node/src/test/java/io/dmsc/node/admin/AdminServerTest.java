package io.dmsc.node.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.dmsc.node.DmscNode;
import io.dmsc.node.config.NodeConfig;
import io.dmsc.node.link.InMemoryLinkNetwork;
import io.dmsc.node.link.InMemoryLinkTransport;
import io.dmsc.wire.link.LinkFrameCodec;
import io.dmsc.wire.link.NodeRole;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The admin port of a real node: reads are open, changes of state need the bearer token. */
class AdminServerTest {
    private static final String TOKEN = "0123456789abcdef0123456789abcdef";
    private final HttpClient http = HttpClient.newHttpClient();

    @TempDir
    Path dir;

    private DmscNode start(Path tokenFile) {
        // sr-b is a passive neighbour that never connects: its link can be impaired before it comes up.
        NodeConfig c = NodeConfig.of("sr-a", NodeRole.SR, "mem:sr-a").withAdmin("127.0.0.1:0")
                .withAdminTokenFile(tokenFile)
                .withNeighbors(java.util.List.of(new io.dmsc.node.config.NeighborConfig("sr-b", null, 10)));
        return new DmscNode(c, new InMemoryLinkTransport(new InMemoryLinkNetwork(),
                LinkFrameCodec.DEFAULT_MAX_FRAME_LENGTH)).start();
    }

    private Path tokenFile(String token, String perms) throws Exception {
        Path f = dir.resolve("admin.token");
        Files.writeString(f, token + "\n");
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString(perms));
        return f;
    }

    private HttpResponse<String> send(DmscNode node, String method, String path, String bearer) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://" + node.adminAddress() + path))
                .timeout(Duration.ofSeconds(5)).method(method, HttpRequest.BodyPublishers.noBody());
        if (bearer != null) {
            b.header("Authorization", "Bearer " + bearer);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static boolean overloaded(DmscNode node) throws Exception {
        return node.status().get(5, TimeUnit.SECONDS).lsdb().stream()
                .anyMatch(l -> l.origin().equals("sr-a") && l.overload());
    }

    @Test
    void shouldChangeStateOnlyWithTheBearerToken() throws Exception {
        try (DmscNode node = start(tokenFile(TOKEN, "rw-------"))) {
            assertThat(send(node, "GET", "/status", null).statusCode()).as("reads stay open").isEqualTo(200);
            HttpResponse<String> none = send(node, "POST", "/overload?set=on", null);
            assertThat(none.statusCode()).isEqualTo(401);
            assertThat(none.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(v -> assertThat(v)
                    .startsWith("Bearer"));
            assertThat(none.body()).contains("no Authorization header");
            HttpResponse<String> wrong = send(node, "POST", "/overload?set=on", TOKEN.replace('0', '1'));
            assertThat(wrong.statusCode()).isEqualTo(401);
            assertThat(wrong.body()).contains("does not match").doesNotContain(TOKEN);
            assertThat(send(node, "GET", "/overload?set=on", TOKEN).statusCode()).isEqualTo(405);
            assertThat(send(node, "POST", "/overload?set=maybe", TOKEN).body()).contains("expected: set=on or set=off");
            assertThat(overloaded(node)).isFalse();
            assertThat(send(node, "GET", "/metrics", null).body()).contains("dmsc_admin_unauthorized_total{")
                    .doesNotContain(TOKEN);

            HttpResponse<String> ok = send(node, "POST", "/overload?set=on", TOKEN);
            assertThat(ok.statusCode()).isEqualTo(200);
            await().atMost(Duration.ofSeconds(10)).until(() -> overloaded(node));
            assertThat(send(node, "POST", "/overload?set=off", TOKEN).statusCode()).isEqualTo(200);
            await().atMost(Duration.ofSeconds(10)).until(() -> !overloaded(node));
        }
    }

    @Test
    void shouldImpairAndClearALinkOnlyWithTheBearerToken() throws Exception {
        try (DmscNode node = start(tokenFile(TOKEN, "rw-------"))) {
            String impair = "/link/impair?peer=sr-b&delayMs=50&jitterMs=5&lossPercent=1.5&rateKbps=800";
            HttpResponse<String> none = send(node, "POST", impair, null);
            assertThat(none.statusCode()).isEqualTo(401);
            assertThat(none.body()).contains("no Authorization header");
            assertThat(send(node, "POST", impair, TOKEN.replace('0', '1')).statusCode()).isEqualTo(401);
            assertThat(send(node, "GET", impair, TOKEN).statusCode()).isEqualTo(405);
            assertThat(node.conductor().impairments().get(5, TimeUnit.SECONDS)).isEmpty();

            HttpResponse<String> ok = send(node, "POST", impair, TOKEN);
            assertThat(ok.statusCode()).isEqualTo(200);
            assertThat(ok.body()).isEqualTo("link sr-a -> sr-b impaired: delay 50 ms, jitter 5 ms, loss 1.5 %, rate "
                    + "800 kbit/s (on the frames sr-a sends to sr-b; loss drops data and probe frames only)\n");
            String status = send(node, "GET", "/status", null).body();
            assertThat(status).contains("\"impairments\" : [ {", "\"neighbor\" : \"sr-b\"", "\"delayMs\" : 50",
                    "\"jitterMs\" : 5", "\"lossPercent\" : 1.5", "\"rateKbps\" : 800", "\"onLink\" : false");
            assertThat(send(node, "GET", "/metrics", null).body())
                    .contains("dmsc_link_impairments_active{node=\"sr-a\"} 1.0")
                    .contains("dmsc_link_impaired_frames_dropped_total{neighbor=\"sr-b\",node=\"sr-a\",reason=\"loss\"}");

            HttpResponse<String> clear = send(node, "POST", "/link/clear?peer=sr-b", TOKEN);
            assertThat(clear.statusCode()).isEqualTo(200);
            assertThat(clear.body()).isEqualTo("link sr-a -> sr-b: impairment cleared\n");
            assertThat(send(node, "POST", "/link/clear?peer=sr-b", TOKEN).body()).contains("was not impaired");
            assertThat(send(node, "POST", "/link/clear?peer=sr-b", null).statusCode()).isEqualTo(401);
            assertThat(node.conductor().impairments().get(5, TimeUnit.SECONDS)).isEmpty();
        }
    }

    @Test
    void shouldRefuseBadImpairmentsWithWhatWasExpected() throws Exception {
        try (DmscNode node = start(tokenFile(TOKEN, "rw-------"))) {
            String[][] cases = {
                {"peer=sr-b&delayMs=-5", "delayMs: '-5' (expected: an integer 0..60000)"},
                {"peer=sr-b&delayMs=600000", "delayMs: 600000 (expected: an integer 0..60000)"},
                {"peer=sr-b&lossPercent=NaN", "lossPercent: 'NaN' (expected: a number 0..100, e.g. 2.5)"},
                {"peer=sr-b&lossPercent=1000", "lossPercent: '1000' (expected: a number 0..100, e.g. 2.5)"},
                {"peer=sr-b&rateKbps=99999999999", "rateKbps: '99999999999' (expected: an integer 1..10000000"},
                {"peer=sr-b", "nothing to impair"},
                {"delayMs=5", "peer: missing"},
                {"peer=sr-b&delayMs=5&bogus=1", "unknown parameter 'bogus'"},
            };
            for (String[] c : cases) {
                HttpResponse<String> r = send(node, "POST", "/link/impair?" + c[0], TOKEN);
                assertThat(r.statusCode()).as(c[0]).isEqualTo(400);
                assertThat(r.body()).as(c[0]).contains(c[1]);
            }
            HttpResponse<String> unknown = send(node, "POST", "/link/impair?peer=sr-z&delayMs=5", TOKEN);
            assertThat(unknown.statusCode()).isEqualTo(404);
            assertThat(unknown.body()).isEqualTo("peer 'sr-z' is not a neighbour of sr-a (expected: one of sr-b)\n");
            assertThat(send(node, "POST", "/link/clear?peer=sr-z", TOKEN).statusCode()).isEqualTo(404);
            assertThat(send(node, "POST", "/link/impairs?peer=sr-b&delayMs=5", TOKEN).statusCode()).isEqualTo(404);
            // A delay that outlasts the hold time is allowed (drills), with a warning.
            HttpResponse<String> slow = send(node, "POST", "/link/impair?peer=sr-b&delayMs=5000", TOKEN);
            assertThat(slow.statusCode()).isEqualTo(200);
            assertThat(slow.body()).contains("warning: hellos are held up to 5000 ms");
            assertThat(node.conductor().impairments().get(5, TimeUnit.SECONDS)).hasSize(1);
        }
    }

    @Test
    void shouldKeepStateChangesOffWithoutATokenFile() throws Exception {
        try (DmscNode node = start(null)) {
            HttpResponse<String> r = send(node, "POST", "/overload?set=on", TOKEN);
            assertThat(r.statusCode()).isEqualTo(403);
            assertThat(r.body()).contains("adminTokenFile");
            assertThat(send(node, "POST", "/link/impair?peer=sr-b&delayMs=5", TOKEN).statusCode()).isEqualTo(403);
        }
    }

    @Test
    void shouldRefuseATokenFileOthersCanReadOrAShortToken() throws Exception {
        Path open = tokenFile(TOKEN, "rw-r--r--");
        assertThatThrownBy(() -> start(open)).hasMessageContaining(open.toString());
        Path shortToken = tokenFile("short", "rw-------");
        assertThatThrownBy(() -> start(shortToken)).hasMessageContaining("at least 16 printable characters");
    }

    @Test
    void shouldAnswer405WithAllowToAPostOfStatus() throws Exception {
        try (DmscNode node = start(null)) {
            HttpResponse<String> r = send(node, "POST", "/status", null);
            assertThat(r.statusCode()).isEqualTo(405);
            assertThat(r.headers().firstValue("Allow")).hasValue("GET, HEAD");
            assertThat(send(node, "PUT", "/status/lsdb", null).statusCode()).isEqualTo(405);
            assertThat(send(node, "GET", "/metrics", null).body()).contains("dmsc_admin_requests_total{code=\"405\"");
        }
    }

    @Test
    void shouldServeTheAdminPortWithTheLimitsOfTheNodesConfig() throws Exception {
        String path = "/" + "x".repeat(200);
        try (DmscNode node = start(null)) {
            assertThat(send(node, "GET", path, null).statusCode()).as("default request line 4 KiB").isEqualTo(404);
        }
        NodeConfig c = NodeConfig.of("sr-a", NodeRole.SR, "mem:sr-a").withAdmin("127.0.0.1:0")
                .withLimits(io.dmsc.node.config.LimitsConfig.DEFAULT.withAdminHttp(
                        new AdminHttpSettings(5_000, 15_000, 128, 8192, 4096, 64, 3_000)));
        try (DmscNode node = new DmscNode(c, new InMemoryLinkTransport(new InMemoryLinkNetwork(),
                LinkFrameCodec.DEFAULT_MAX_FRAME_LENGTH)).start()) {
            HttpResponse<String> r = send(node, "GET", path, null);
            assertThat(r.statusCode()).isEqualTo(414);
            assertThat(r.body()).contains("128");
        }
    }

    @Test
    void shouldCutTablesInTheSummaryAndPageThroughThemInFull() throws Exception {
        NodeConfig c = NodeConfig.of("sr-a", NodeRole.SR, "mem:sr-a");
        java.util.List<java.util.Map<String, Object>> flows = new java.util.ArrayList<>();
        for (int i = 0; i < 250; i++) {
            flows.add(java.util.Map.of("name", "flow-" + i));
        }
        try (DmscNode node = new DmscNode(c, new InMemoryLinkTransport(new InMemoryLinkNetwork(),
                LinkFrameCodec.DEFAULT_MAX_FRAME_LENGTH)).start();
             AdminServer admin = new AdminServer("127.0.0.1:0", node.conductor(), node.metrics(),
                     () -> java.util.concurrent.CompletableFuture.completedFuture(java.util.Map.of("flows", flows)),
                     null, AdminHttpSettings.DEFAULTS)) {
            com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
            java.util.function.Function<String, HttpResponse<String>> get = path -> {
                try {
                    return http.send(HttpRequest.newBuilder(URI.create("http://" + admin.address() + path))
                            .timeout(Duration.ofSeconds(5)).GET().build(), HttpResponse.BodyHandlers.ofString());
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            };
            var summary = json.readTree(get.apply("/status").body());
            assertThat(summary.path("nodeId").asText()).isEqualTo("sr-a");
            assertThat(summary.path("flows").size()).isEqualTo(StatusPages.SUMMARY_ROWS);
            assertThat(summary.path("sections").path("flows").path("total").asInt()).isEqualTo(250);
            assertThat(summary.path("sections").path("flows").path("truncated").asBoolean()).isTrue();
            assertThat(summary.path("sections").path("lsdb").path("truncated").asBoolean()).isFalse();

            var page = json.readTree(get.apply("/status/flows?offset=200&limit=40").body());
            assertThat(page.path("total").asInt()).isEqualTo(250);
            assertThat(page.path("items").size()).isEqualTo(40);
            assertThat(page.path("items").get(0).path("name").asText()).isEqualTo("flow-200");
            var last = json.readTree(get.apply("/status/flows?offset=240&limit=10000").body());
            assertThat(last.path("items").size()).isEqualTo(10);
            assertThat(last.path("items").get(9).path("name").asText()).isEqualTo("flow-249");
            assertThat(json.readTree(get.apply("/status/lsdb").body()).path("items").get(0).path("origin").asText())
                    .isEqualTo("sr-a");

            HttpResponse<String> tooMany = get.apply("/status/flows?limit=10001");
            assertThat(tooMany.statusCode()).isEqualTo(400);
            assertThat(tooMany.body()).isEqualTo("limit: 10001 (expected: an integer 1..10000)\n");
            assertThat(get.apply("/status/flows?offset=-1").body()).contains("offset: '-1' (expected: an integer");
            assertThat(get.apply("/status/flows?page=2").body()).contains("unknown parameter 'page'");
            HttpResponse<String> unknown = get.apply("/status/nope");
            assertThat(unknown.statusCode()).isEqualTo(404);
            assertThat(unknown.body()).contains("no table 'nope'").contains("lsdb, rib, fib").contains("flows");
        }
    }
}
