package io.dmsc.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dmsc.node.Mesh;
import io.dmsc.node.config.ConfigLoader;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code dmsc link impair|clear} against a real node's admin port. */
@Timeout(60)
class LinkCommandTest {
    @TempDir
    static Path dir;
    private static Mesh mesh;
    private static String admin;
    private static String tokenFile;

    /** A command's exit code and what it printed. */
    private record Run(int code, String out, String err) {
    }

    @BeforeAll
    static void start() throws Exception {
        Path token = dir.resolve("admin.token");
        Files.writeString(token, "0123456789abcdef0123456789abcdef\n");
        Files.setPosixFilePermissions(token, PosixFilePermissions.fromString("rw-------"));
        tokenFile = token.toString();
        String topology = """
                name: link
                nodes:
                  - {id: a, role: sr, listen: 127.0.0.1:0, admin: 127.0.0.1:0, adminTokenFile: admin.token}
                  - {id: b, role: sr, listen: 127.0.0.1:0}
                links:
                  - {a: a, b: b, metric: 10}
                """;
        mesh = Mesh.start(ConfigLoader.parseTopology(dir.resolve("link.yaml").toString(), topology), Mesh.Links.TCP);
        admin = mesh.node("a").adminAddress();
        await().atMost(Duration.ofSeconds(10)).until(() -> mesh.node("a").fib().lookup("/_dmsc/node/b") != null);
    }

    @AfterAll
    static void stop() {
        mesh.close();
    }

    private static Run run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        int code;
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            code = Dmsc.execute(args);
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void shouldImpairAndClearALinkAndPrintWhatWasSet() throws Exception {
        Run set = run("link", "impair", "--admin", admin, "--peer", "b", "--delay-ms", "50", "--jitter-ms", "5",
                "--loss-percent", "2.5", "--rate-kbps", "1000", "--token-file", tokenFile);
        assertThat(set.code()).as(set.err()).isZero();
        assertThat(set.out()).startsWith("link a -> b impaired: delay 50 ms, jitter 5 ms, loss 2.5 %, rate 1000 kbit/s");
        assertThat(mesh.node("a").conductor().impairments().get(5, TimeUnit.SECONDS)).singleElement()
                .satisfies(s -> assertThat(s.onLink()).isTrue());

        Run clear = run("link", "clear", "--admin", admin, "--peer", "b", "--token-file", tokenFile);
        assertThat(clear.code()).as(clear.err()).isZero();
        assertThat(clear.out()).isEqualTo("link a -> b: impairment cleared\n");
        assertThat(mesh.node("a").conductor().impairments().get(5, TimeUnit.SECONDS)).isEmpty();
    }

    @Test
    void shouldReportWhatTheNodeRefusedAndWhy() {
        Run huge = run("link", "impair", "--admin", admin, "--peer", "b", "--delay-ms", "70000",
                "--token-file", tokenFile);
        assertThat(huge.code()).isEqualTo(2);
        assertThat(huge.err()).contains("answered 400: delayMs: 70000 (expected: an integer 0..60000)");

        Run negative = run("link", "impair", "--admin", admin, "--peer", "b", "--loss-percent", "-3",
                "--token-file", tokenFile);
        assertThat(negative.err()).contains("lossPercent: '-3' (expected: a number 0..100");

        Run stranger = run("link", "impair", "--admin", admin, "--peer", "zz", "--delay-ms", "5",
                "--token-file", tokenFile);
        assertThat(stranger.code()).isEqualTo(2);
        assertThat(stranger.err()).contains("answered 404: peer 'zz' is not a neighbour of a (expected: one of b)");

        Run noToken = run("link", "impair", "--admin", admin, "--peer", "b", "--delay-ms", "5");
        assertThat(noToken.code()).isEqualTo(2);
        assertThat(noToken.err()).contains("answered 401: no Authorization header");

        Run nothing = run("link", "impair", "--admin", admin, "--peer", "b", "--token-file", tokenFile);
        assertThat(nothing.code()).isEqualTo(2);
        assertThat(nothing.err()).contains("nothing to impair (expected: at least one of --delay-ms");

        Run nan = run("link", "impair", "--admin", admin, "--peer", "b", "--loss-percent", "NaN");
        assertThat(nan.code()).isEqualTo(2);
        assertThat(nan.err()).contains("--loss-percent");
    }
}
