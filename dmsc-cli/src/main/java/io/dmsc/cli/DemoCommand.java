package io.dmsc.cli;

import ch.qos.logback.classic.Level;
import java.io.OutputStream;
import java.io.PrintStream;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code dmsc demo}: the draft's Figure 2 end to end, narrated and checked step by step. */
@Command(name = "demo", description = {
    "The draft's Figure 2 end to end in this process, each step checked.",
    "Run the draft's Figure 2 in this process (4 SPAs, SG-1..SG-4, SR-1..SR-3, the SCSC, 4 pods, mutual TLS on "
        + "every link, ephemeral loopback ports) and walk through the four signal types in seven steps, each checking "
        + "what it shows: pods announce (type 1), SPAs authorize and one bad claim is rejected (type 3), LSPs flood "
        + "and every node converges (type 2), A/1 calls B/4 through a generated gRPC stub, telemetry and an impaired "
        + "path make the SCSC steer calls to /B (type 4), an SR stops under traffic, and a summary.",
    "Exit status: 0 when every step held, 1 naming the step that did not."},
        footerHeading = "%nExamples:%n",
        footer = {"  dmsc demo", "  dmsc demo --keep-running"})
final class DemoCommand implements Callable<Integer> {
    @Option(names = "--keep-running", description = "leave the mesh up after the steps and print commands to try")
    boolean keepRunning;

    @Option(names = "--quiet", description = "print only the summary")
    boolean quiet;

    @Option(names = "--verbose", description = "show the nodes' INFO logs (default: errors only; the narration tells the rest)")
    boolean verbose;

    /** Where the narration and the summary go (tests replace it). */
    PrintStream out = System.out;
    /** The SPA policy of the run: what each pod may own (tests give a wrong one). */
    java.util.Map<String, String> owns = Demo.OWNS;
    /** The last run's step results (tests read them). */
    java.util.List<Demo.Step> steps = java.util.List.of();

    @Override
    public Integer call() throws Exception {
        if (!verbose && System.getenv("DMSC_LOG_LEVEL") == null) {
            ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger("io.dmsc")).setLevel(Level.ERROR);
        }
        PrintStream narration = quiet ? new PrintStream(OutputStream.nullOutputStream()) : out;
        long start = System.nanoTime();
        Demo demo = new Demo(narration, owns);
        try {
            boolean ok = demo.run();
            steps = demo.steps();
            out.println();
            out.print(demo.summary(System.nanoTime() - start));
            if (!ok) {
                Demo.Step failed = steps.stream().filter(s -> !s.passed()).findFirst().orElseThrow();
                out.println("demo FAILED at step " + failed.number() + " (" + failed.title() + "): " + failed.detail());
                return 1;
            }
            out.println("demo passed: all 7 steps held");
            if (keepRunning) {
                demo.restore();
                out.println();
                out.print(demo.commandsToTry());
                CountDownLatch stop = new CountDownLatch(1);
                Thread console = new Thread(() -> UpCommand.console(demo.mesh()), "dmsc-demo-console");
                console.setDaemon(true);
                console.start();
                Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                    demo.close();
                    stop.countDown();
                }));
                stop.await();
            }
            return 0;
        } finally {
            demo.close();
        }
    }
}
