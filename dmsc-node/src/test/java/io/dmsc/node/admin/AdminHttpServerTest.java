package io.dmsc.node.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The admin HTTP server on real sockets: each limit answers with its reason and spares the other clients. */
@Timeout(30)
class AdminHttpServerTest {
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final List<Socket> sockets = new ArrayList<>();
    private final ExecutorService pool = Executors.newCachedThreadPool();
    private AdminHttpServer server;

    @AfterEach
    void tearDown() throws IOException {
        for (Socket s : sockets) {
            s.close();
        }
        pool.shutdownNow();
        if (server != null) {
            server.close();
        }
    }

    private AdminHttpServer start(AdminHttpSettings settings) {
        server = new AdminHttpServer("test", settings, registry, "/healthz or POST /change")
                .get("/healthz", r -> CompletableFuture.completedFuture(AdminResponse.text(200, "ok\n")))
                .post("/change", r -> CompletableFuture.completedFuture(AdminResponse.text(200, "changed\n")))
                .start("127.0.0.1:0");
        return server;
    }

    private static AdminHttpSettings settings(long requestTimeoutMs, long idleTimeoutMs, int maxConnections) {
        return new AdminHttpSettings(requestTimeoutMs, idleTimeoutMs, 4096, 8192, 4096, maxConnections, 3000);
    }

    private HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://" + server.address() + path))
                .timeout(Duration.ofSeconds(1)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private Socket connect() throws IOException {
        String[] hp = server.address().split(":");
        Socket s = new Socket(hp[0], Integer.parseInt(hp[1]));
        s.setSoTimeout(5000);
        sockets.add(s);
        return s;
    }

    /** Sends {@code request} and reads until the server closes. */
    private String exchange(String request) throws Exception {
        Socket s = connect();
        Future<?> sending = pool.submit(() -> {
            s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            return null;
        });
        String answer = readToEnd(s.getInputStream());
        try {
            sending.get();
        } catch (java.util.concurrent.ExecutionException e) {
            // The server may stop reading once it has answered.
        }
        return answer;
    }

    private static String readToEnd(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[8192];
        for (int n; (n = in.read(buf)) >= 0; ) {
            out.write(buf, 0, n);
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    private double counter(String name, String... tags) {
        var c = registry.find(name).tags(tags).counter();
        return c == null ? 0 : c.count();
    }

    @Test
    void shouldAnswerHealthzWhileASlowClientTricklesAndCloseTheSlowOneAtTheTimeout() throws Exception {
        start(settings(300, 10_000, 64));
        Socket slow = connect();
        OutputStream out = slow.getOutputStream();
        byte[] request = "GET /healthz HTTP/1.1\r\nHost: admin\r\nX-Padding: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n\r\n"
                .getBytes(StandardCharsets.US_ASCII);
        java.util.concurrent.atomic.AtomicInteger sent = new java.util.concurrent.atomic.AtomicInteger();
        Future<Integer> trickle = pool.submit(() -> {
            try {
                // A byte every 50 ms: the pace of the attack, not a wait for the server.
                for (; sent.get() < request.length; sent.incrementAndGet()) {
                    out.write(request[sent.get()]);
                    out.flush();
                    Thread.sleep(50);
                }
            } catch (IOException e) {
                // closed by the server, as expected
            }
            return sent.get();
        });
        await().atMost(Duration.ofSeconds(2)).until(() -> sent.get() >= 2);
        long t0 = System.nanoTime();
        HttpResponse<String> health = get("/healthz");
        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(1));

        String answer = readToEnd(slow.getInputStream());
        assertThat(answer).startsWith("HTTP/1.1 408").contains("did not arrive within 300 ms")
                .containsIgnoringCase("connection: close");
        assertThat(counter("dmsc_admin_timeouts")).isEqualTo(1.0);
        assertThat(trickle.get()).as("the slow client was cut off before its request was complete")
                .isLessThan(request.length);
        assertThat(get("/healthz").statusCode()).isEqualTo(200);
    }

    @Test
    void shouldRefuseConnectionsBeyondTheCapAndServeAgainOnceTheyGo() throws Exception {
        start(settings(10_000, 10_000, 4));
        List<Socket> held = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            held.add(connect());
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> registry.get("dmsc_admin_connections").gauge().value() == 4);
        String refused = exchange("GET /healthz HTTP/1.1\r\nHost: admin\r\n\r\n");
        assertThat(refused).startsWith("HTTP/1.1 503").contains("too many admin connections: 4 open (expected: at "
                + "most 4");
        HttpResponse<String> alsoRefused = get("/healthz");
        assertThat(alsoRefused.statusCode()).isEqualTo(503);
        assertThat(counter("dmsc_admin_connections_refused")).isEqualTo(2.0);

        for (Socket s : held) {
            s.close();
        }
        await().atMost(Duration.ofSeconds(5)).ignoreExceptions().until(() -> get("/healthz").statusCode() == 200);
    }

    @Test
    void shouldAnswer405WithAllowForAMethodTheEndpointDoesNotTake() throws Exception {
        start(AdminHttpSettings.DEFAULTS);
        HttpResponse<String> post = http.send(HttpRequest.newBuilder(URI.create("http://" + server.address()
                + "/healthz")).POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(post.statusCode()).isEqualTo(405);
        assertThat(post.headers().firstValue("Allow")).hasValue("GET, HEAD");
        assertThat(post.body()).contains("POST /healthz (expected: GET or HEAD");
        HttpResponse<String> getChange = get("/change");
        assertThat(getChange.statusCode()).isEqualTo(405);
        assertThat(getChange.headers().firstValue("Allow")).hasValue("POST");
        HttpResponse<String> head = http.send(HttpRequest.newBuilder(URI.create("http://" + server.address()
                + "/healthz")).method("HEAD", HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(head.statusCode()).isEqualTo(200);
        assertThat(head.body()).isEmpty();
        assertThat(counter("dmsc_admin_requests", "code", "405")).isEqualTo(2.0);
    }

    @Test
    void shouldAnswer414ToAHugeUrlWithoutEchoingIt() throws Exception {
        start(AdminHttpSettings.DEFAULTS);
        String huge = "/x" + "A".repeat(100 * 1024);
        String answer = exchange("GET " + huge + " HTTP/1.1\r\nHost: admin\r\n\r\n");
        assertThat(answer).startsWith("HTTP/1.1 414").contains("longer than 4096 bytes").doesNotContain("AAAAAAAAAA");
        assertThat(answer.length()).isLessThan(600);
        assertThat(counter("dmsc_admin_requests", "code", "414")).isEqualTo(1.0);
        assertThat(get("/healthz").statusCode()).isEqualTo(200);
    }

    @Test
    void shouldEchoAtMostAHundredCharactersOfAnUnknownPathWithoutControls() throws Exception {
        start(AdminHttpSettings.DEFAULTS);
        HttpResponse<String> r = get("/evil%0D%0ASet-Cookie:x" + "B".repeat(3000));
        assertThat(r.statusCode()).isEqualTo(404);
        assertThat(r.body()).startsWith("not found: /evil??Set-Cookie:x").contains("... (3019 characters)")
                .contains("(expected: /healthz or POST /change)").doesNotContain("\r").doesNotContain("B".repeat(101));
        assertThat(r.body().length()).isLessThan(250);
    }

    @Test
    void shouldAnswer431ToHeadersTooLarge() throws Exception {
        start(AdminHttpSettings.DEFAULTS);
        String answer = exchange("GET /healthz HTTP/1.1\r\nHost: admin\r\nX-Big: " + "c".repeat(9000) + "\r\n\r\n");
        assertThat(answer).startsWith("HTTP/1.1 431").contains("larger than 8192 bytes");
        assertThat(counter("dmsc_admin_requests", "code", "431")).isEqualTo(1.0);
    }

    @Test
    void shouldAnswer413ToABody() throws Exception {
        start(AdminHttpSettings.DEFAULTS);
        String answer = exchange("POST /change HTTP/1.1\r\nHost: admin\r\nContent-Length: 100000\r\n\r\n"
                + "d".repeat(100_000));
        assertThat(answer).startsWith("HTTP/1.1 413").contains("larger than 4096 bytes");
        assertThat(counter("dmsc_admin_requests", "code", "413")).isEqualTo(1.0);
    }

    @Test
    void shouldKeepAConnectionAliveAndCloseItWhenIdle() throws Exception {
        start(settings(5_000, 300, 64));
        Socket s = connect();
        OutputStream out = s.getOutputStream();
        InputStream in = s.getInputStream();
        for (int i = 0; i < 2; i++) {
            out.write("GET /healthz HTTP/1.1\r\nHost: admin\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            byte[] buf = new byte[4096];
            int n = in.read(buf);
            String answer = new String(buf, 0, n, StandardCharsets.US_ASCII);
            assertThat(answer).as("answer %d on one connection", i).startsWith("HTTP/1.1 200").endsWith("ok\n");
        }
        long t0 = System.nanoTime();
        assertThat(in.read()).as("closed when idle").isEqualTo(-1);
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(3));
    }

    @Test
    void shouldRefuseSettingsOutOfRangeWithWhatWasExpected() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> settings(0, 1, 1))
                .hasMessage("requestTimeoutMs: 0 (expected: > 0)");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> settings(1, 1, 0))
                .hasMessage("maxConnections: 0 (expected: >= 1)");
    }
}
