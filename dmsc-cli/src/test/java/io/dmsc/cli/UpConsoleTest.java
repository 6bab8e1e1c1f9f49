package io.dmsc.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.dmsc.node.DmscNode;
import io.dmsc.node.Mesh;
import io.dmsc.node.config.ConfigLoader;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The stdin console of {@code dmsc up}, against a real two-node mesh. */
@Timeout(30)
class UpConsoleTest {
    @TempDir
    Path dir;
    private Mesh mesh;

    @BeforeEach
    void start() {
        String topology = """
                name: console
                nodes:
                  - {id: sr-1, role: sr, listen: 127.0.0.1:0}
                  - {id: sr-2, role: sr, listen: 127.0.0.1:0}
                links:
                  - {a: sr-1, b: sr-2, metric: 10}
                """;
        mesh = Mesh.start(ConfigLoader.parseTopology(dir.resolve("console.yaml").toString(), topology),
                Mesh.Links.TCP);
    }

    @AfterEach
    void stop() {
        mesh.close();
    }

    private String console(String commands) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        UpCommand.console(mesh, new BufferedReader(new StringReader(commands)),
                new PrintStream(out, true, StandardCharsets.UTF_8));
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void shouldRefuseToStartARunningNodeAndLeaveItRunning() {
        DmscNode before = mesh.node("sr-1");
        String out = console("start sr-1\n");
        assertThat(out).contains("sr-1 is running (expected: stop sr-1 first)").doesNotContain("started again");
        assertThat(mesh.node("sr-1")).isSameAs(before);
    }

    @Test
    void shouldSayAStoppedNodeIsStoppedAndStartItOnlyWhenStopped() {
        String out = console("stop sr-1\nstop sr-1\nstart sr-1\n");
        assertThat(out).contains("sr-1 stopped (its links closed; neighbours reroute)")
                .contains("sr-1 is stopped (expected: start sr-1 to run it again)")
                .contains("sr-1 started again");
        assertThat(out.split("stopped \\(its links closed").length).isEqualTo(2);
        assertThat(mesh.node("sr-1")).isNotNull();
    }
}
