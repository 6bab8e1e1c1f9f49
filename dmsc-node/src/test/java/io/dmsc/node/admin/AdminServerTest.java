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
        NodeConfig c = NodeConfig.of("sr-a", NodeRole.SR, "mem:sr-a").withAdmin("127.0.0.1:0")
                .withAdminTokenFile(tokenFile);
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
    void shouldKeepStateChangesOffWithoutATokenFile() throws Exception {
        try (DmscNode node = start(null)) {
            HttpResponse<String> r = send(node, "POST", "/overload?set=on", TOKEN);
            assertThat(r.statusCode()).isEqualTo(403);
            assertThat(r.body()).contains("adminTokenFile");
        }
    }

    @Test
    void shouldRefuseATokenFileOthersCanReadOrAShortToken() throws Exception {
        Path open = tokenFile(TOKEN, "rw-r--r--");
        assertThatThrownBy(() -> start(open)).hasMessageContaining(open.toString());
        Path shortToken = tokenFile("short", "rw-------");
        assertThatThrownBy(() -> start(shortToken)).hasMessageContaining("at least 16 printable characters");
    }
}
