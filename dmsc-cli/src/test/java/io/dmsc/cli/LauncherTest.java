package io.dmsc.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The launcher's JVM defaults per role: a bounded heap for each kind of process (not the
 * machine's default quarter of memory), G1 returning memory to the OS after load, and
 * DMSC_JAVA_OPTS last so that an operator's settings win. Runs the real {@code ./dmsc} script
 * with {@code DMSC_LAUNCHER_PRINT=1}, which prints the java command instead of running it.
 */
class LauncherTest {
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

    private static String launch(String javaOpts, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("bash", ROOT.resolve("dmsc").toString()));
        command.addAll(List.of(args));
        ProcessBuilder b = new ProcessBuilder(command).directory(ROOT.toFile()).redirectErrorStream(true);
        b.environment().put("DMSC_LAUNCHER_PRINT", "1");
        if (javaOpts == null) {
            b.environment().remove("DMSC_JAVA_OPTS");
        } else {
            b.environment().put("DMSC_JAVA_OPTS", javaOpts);
        }
        Process p = b.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        return out;
    }

    @Test
    void shouldSizeTheHeapForTheRoleOfTheNodeItRuns() throws Exception {
        assertThat(launch(null, "run", "--topology", "examples/figure2.yaml", "--node", "sr-1"))
                .contains("-Xmx256m", "-XX:+UseG1GC", "-XX:G1PeriodicGCInterval=15000", "-XX:MaxHeapFreeRatio=30",
                        "-XX:+ExitOnOutOfMemoryError", "-jar ", "dmsc.jar run --topology examples/figure2.yaml");
        assertThat(launch(null, "run", "--topology", "examples/figure2.yaml", "--node", "sg-1")).contains("-Xmx512m");
        assertThat(launch(null, "run", "--topology=examples/figure2.yaml", "--node=scsc")).contains("-Xmx384m");
        assertThat(launch(null, "run", "examples/spa-1.yaml")).contains("-Xmx256m");
        assertThat(launch(null, "run", "examples/sg-1.yaml")).contains("-Xmx512m");
        assertThat(launch(null, "up", "examples/figure2.yaml")).contains("-Xmx1g", "-XX:G1PeriodicGCInterval");
    }

    @Test
    void shouldStartShortCommandsSmallAndLetDmscJavaOptsWin() throws Exception {
        String show = launch(null, "show", "fib", "--admin", "127.0.0.1:9101");
        assertThat(show).contains("-Xmx128m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1");
        String overridden = launch("-Xmx2g -XX:+UseZGC", "run", "--topology", "examples/figure2.yaml", "--node", "sr-1");
        assertThat(overridden.indexOf("-Xmx2g")).as(overridden).isGreaterThan(overridden.indexOf("-Xmx256m"));
        assertThat(overridden).contains("-XX:+UseZGC").doesNotContain("-XX:+UseG1GC", "G1PeriodicGCInterval");
    }
}
