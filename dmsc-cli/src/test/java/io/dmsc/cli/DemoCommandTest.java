package io.dmsc.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * {@code dmsc demo} as a user runs it: Figure 2 with SPAs, TLS and the SCSC, seven steps, exit 0
 * only when each held; and a run whose SPA policy is wrong fails at the step that checks it.
 */
class DemoCommandTest {
    private static String run(DemoCommand command, int[] exit, String... args) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        command.out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        exit[0] = new CommandLine(command).execute(args);
        return bytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    void shouldPassAllSevenStepsAndPrintTheSummary() {
        DemoCommand demo = new DemoCommand();
        int[] exit = new int[1];
        String out = run(demo, exit);
        System.out.println(out);

        assertThat(exit[0]).as("exit code; output:%n%s", out).isZero();
        assertThat(demo.steps).hasSize(7).allSatisfy(s -> assertThat(s.passed()).as("step %d: %s", s.number(),
                s.detail()).isTrue());
        assertThat(demo.steps).extracting(Demo.Step::number).containsExactly(1, 2, 3, 4, 5, 6, 7);
        for (int i = 1; i <= 6; i++) {
            assertThat(out).contains("[" + i + "/7] ");
        }
        assertThat(out).contains("pod-3 /B/4  REJECTED: PREFIX_NOT_ALLOWED")
                .contains("sg-1 (sg) forwarding table")
                .contains("owner of /B/4")
                .contains("calls failed: 0 (expected 0)")
                .contains("steering: impairment to policy at sg-1")
                .contains("demo passed: all 7 steps held");
    }

    @Test
    void shouldFailNamingTheStepWhenAClaimItShowsRejectedIsAllowed() {
        DemoCommand demo = new DemoCommand();
        Map<String, String> owns = new HashMap<>(Demo.OWNS);
        owns.put("pod-3", "[/B/3/**, /B/4/**]");
        demo.owns = owns;
        int[] exit = new int[1];
        String out = run(demo, exit, "--quiet");
        System.out.println(out);

        assertThat(exit[0]).isEqualTo(1);
        assertThat(demo.steps).hasSize(2);
        assertThat(demo.steps.get(0).passed()).isTrue();
        assertThat(demo.steps.get(1).passed()).isFalse();
        assertThat(out).contains("demo FAILED at step 2 (signal type 3")
                .contains("pod-3's claim of /B/4 was accepted (expected: rejected")
                .doesNotContain("[1/7]");
    }
}
