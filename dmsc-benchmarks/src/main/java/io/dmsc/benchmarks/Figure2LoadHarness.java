package io.dmsc.benchmarks;

import static io.dmsc.benchmarks.ForwardingLoadHarness.fmt1;
import static io.dmsc.benchmarks.ForwardingLoadHarness.fmt3;
import static io.dmsc.benchmarks.ForwardingLoadHarness.ms;
import static io.dmsc.benchmarks.ForwardingLoadHarness.progress;

import io.dmsc.testkit.EchoService;
import io.dmsc.testkit.TestPod;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import java.lang.management.ManagementFactory;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Figure 2 as a user runs it, against direct gRPC in the same run: the whole example mesh in one process
 * started as the launcher starts it ({@code java <the launcher's up defaults> -cp dmsc.jar io.dmsc.cli.Dmsc up
 * examples/figure2.yaml}, security auto: TLS on every link), the Echo {@link TestPod} attached at sg-4 as
 * pod-4 with its example token under {@code /B/4}, and the client calling sg-1's upstream port
 * (127.0.0.1:7201, bound to {@code /B/4}): client → sg-1 → sr-1 → sr-2 → sg-4 → pod, four link hops.
 * The direct path calls the pod's own endpoint. Client and server run in this process.
 *
 * <p><b>Modes.</b>
 * <ul>
 *   <li>{@code steady}: a warm-up (closed loop, mesh then direct), then closed-loop throughput with
 *       {@code --concurrency} calls in flight and one-in-flight latency (the unloaded round trip), each in
 *       segments alternating direct and mesh in ABBA order. Added latency is the difference of the
 *       percentiles.</li>
 *   <li>{@code warmup}: a freshly started mesh; the first call through it is sent at t = 0, one call in
 *       flight, successful calls counted per second for {@code --timeline-s}; then the same for the direct
 *       path (the harness JVM is no longer fresh then: the target concerns the mesh); then a short steady
 *       closed-loop check with {@code --concurrency} in flight, ABBA. The verdict compares seconds 0–10 with
 *       the last ten seconds of the timeline.</li>
 * </ul>
 *
 * <p>The example's ports are fixed (7001.., 9101.., 7201): nothing else may hold them while it runs.
 * {@code --jvm-opts} is handed to the launcher as {@code DMSC_JAVA_OPTS}, so the mesh gets exactly what
 * {@code DMSC_JAVA_OPTS='...' ./dmsc up} would give it. Single-threaded apart from gRPC callbacks; Linux
 * only ({@code /proc}).
 *
 * <p>Run: {@code java -cp dmsc-benchmarks/target/benchmarks.jar io.dmsc.benchmarks.Figure2LoadHarness
 * [--quick] [--mode steady|warmup] [options]}, from the repository root.
 */
public final class Figure2LoadHarness {
    private static final double TARGET_RATIO = 0.45;
    private static final double TARGET_ADDED_P50_MS = 0.25;
    private static final double TARGET_WARM_FRACTION = 0.80;
    /** Seconds compared by the warm-up verdict: the first ten, and the last ten of the timeline. */
    private static final int WARM_WINDOW_S = 10;

    static final String USAGE = String.join("\n",
            "usage: java -cp dmsc-benchmarks/target/benchmarks.jar io.dmsc.benchmarks.Figure2LoadHarness [options]",
            "  --mode steady|warmup     steady: throughput and latency after a warm-up; warmup: calls/s per",
            "                           second of a fresh mesh from its first call (default steady)",
            "  --topology FILE          the mesh (default examples/figure2.yaml)",
            "  --launcher PATH          the dmsc script whose 'up' JVM defaults the mesh gets (default ./dmsc)",
            "  --jvm-opts 'OPTS'        given to the launcher as DMSC_JAVA_OPTS (default none)",
            "  --cli-jar PATH           shaded dmsc CLI jar (default dmsc-cli/target/dmsc.jar)",
            "  --warmup-s S             steady: closed-loop warm-up through the mesh (default 45; direct gets",
            "                           at most 10)",
            "  --concurrency N          calls in flight for throughput (default 16)",
            "  --segment-s S            length of one measured segment (default 10)",
            "  --segments N             segments per path and measurement, ABBA order (default 2)",
            "  --timeline-s N           warmup: seconds counted through the fresh mesh (default 60)",
            "  --direct-timeline-s N    warmup: seconds counted direct, 0 skips (default 60)",
            "  --request-bytes N        request and reply payload (default 1024)",
            "  --pod-gateway HOST:PORT  where the pod attaches: sg-4's pod port (default 127.0.0.1:7104)",
            "  --upstream HOST:PORT     where the client calls: sg-1's upstream port (default 127.0.0.1:7201)",
            "  --ingress-admin HOST:PORT sg-1's admin, whose FIB must list the prefix (default 127.0.0.1:9101)",
            "  --pod-id ID              (default pod-4)",
            "  --token-file FILE        the pod's token (default examples/tokens/pod-4.token)",
            "  --prefix P               what the pod announces; the upstream's target (default /B/4)",
            "  --out FILE               also write the Markdown report to FILE",
            "  --quick                  smoke mode: a few seconds of load, numbers not meaningful");

    private static final Map<String, String> DEFAULTS = new LinkedHashMap<>();
    private static final Map<String, String> QUICK = Map.of("warmup-s", "2", "segment-s", "1", "segments", "1",
            "timeline-s", "6", "direct-timeline-s", "3");

    static {
        DEFAULTS.put("mode", "steady");
        DEFAULTS.put("topology", "examples/figure2.yaml");
        DEFAULTS.put("launcher", "./dmsc");
        DEFAULTS.put("jvm-opts", "");
        DEFAULTS.put("cli-jar", "dmsc-cli/target/dmsc.jar");
        DEFAULTS.put("warmup-s", "45");
        DEFAULTS.put("concurrency", "16");
        DEFAULTS.put("segment-s", "10");
        DEFAULTS.put("segments", "2");
        DEFAULTS.put("timeline-s", "60");
        DEFAULTS.put("direct-timeline-s", "60");
        DEFAULTS.put("request-bytes", "1024");
        DEFAULTS.put("pod-gateway", "127.0.0.1:7104");
        DEFAULTS.put("upstream", "127.0.0.1:7201");
        DEFAULTS.put("ingress-admin", "127.0.0.1:9101");
        DEFAULTS.put("pod-id", "pod-4");
        DEFAULTS.put("token-file", "examples/tokens/pod-4.token");
        DEFAULTS.put("prefix", "/B/4");
        DEFAULTS.put("out", "");
    }

    private final Map<String, String> opts;
    private final boolean quick;
    private final boolean warmupMode;
    private final String command;
    private final Path workDir;
    private final int concurrency;
    private final int segments;
    private final double segmentS;
    private final int requestBytes;
    private List<String> meshJvm = List.of();
    private MeshProcess mesh;
    private TestPod pod;
    private ManagedChannel directChannel;
    private ManagedChannel meshChannel;
    /** From starting the mesh process to sg-1's FIB listing the prefix, in ns. */
    private long readyNs;

    private Figure2LoadHarness(Map<String, String> opts, boolean quick, String command, Path workDir) {
        this.opts = opts;
        this.quick = quick;
        this.command = command;
        this.workDir = workDir;
        String mode = opts.get("mode");
        if (!mode.equals("steady") && !mode.equals("warmup")) {
            throw new IllegalArgumentException("--mode: " + mode + " (expected: steady or warmup)");
        }
        warmupMode = mode.equals("warmup");
        concurrency = HarnessOptions.positiveInt(opts, "concurrency");
        segments = HarnessOptions.positiveInt(opts, "segments");
        segmentS = HarnessOptions.positive(opts, "segment-s");
        requestBytes = HarnessOptions.positiveInt(opts, "request-bytes");
        HarnessOptions.nonNegative(opts, "warmup-s");
        HarnessOptions.positiveInt(opts, "timeline-s");
        HarnessOptions.nonNegative(opts, "direct-timeline-s");
    }

    /**
     * @param args see {@link #USAGE}
     * @throws Exception on failure
     */
    public static void main(String[] args) throws Exception {
        Figure2LoadHarness h;
        String command = "java -cp dmsc-benchmarks/target/benchmarks.jar io.dmsc.benchmarks.Figure2LoadHarness"
                + (args.length == 0 ? "" : " " + String.join(" ", ForwardingLoadHarness.quoteAll(args)));
        try {
            Map<String, String> v = HarnessOptions.values(args, DEFAULTS, QUICK);
            h = new Figure2LoadHarness(v, Arrays.asList(args).contains("--quick"), command,
                    Files.createTempDirectory("dmsc-fig2-bench-"));
            for (String file : List.of("cli-jar", "topology", "launcher", "token-file")) {
                if (!Files.isRegularFile(Path.of(v.get(file)))) {
                    throw new IllegalArgumentException("--" + file + ": no file at " + Path.of(v.get(file))
                            .toAbsolutePath() + (file.equals("cli-jar") ? " (build it: mvn -q -B -ntp -pl dmsc-cli "
                            + "-am package -DskipTests)" : " (expected: run from the repository root)"));
                }
            }
        } catch (IllegalArgumentException e) {
            System.err.println("Figure2LoadHarness: " + e.getMessage());
            System.err.println(USAGE);
            System.exit(2);
            return;
        }
        ForwardingLoadHarness.runAndReport(h::close, h::run,
                h.opts.get("out").isEmpty() ? null : Path.of(h.opts.get("out")));
    }

    private String run() throws Exception {
        String loadBefore = ForwardingLoadHarness.loadAverage();
        String started = ZonedDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss"))
                + " UTC";
        startMeshAndAttach();
        EchoLoad direct = new EchoLoad("direct", directChannel, requestBytes, requestBytes);
        EchoLoad viaMesh = new EchoLoad("mesh", meshChannel, requestBytes, requestBytes);
        Report report = new Report();
        if (warmupMode) {
            int buckets = Integer.parseInt(opts.get("timeline-s"));
            progress("warm-up timeline: first call through the fresh mesh now, one in flight, " + buckets + " s");
            report.meshTimeline = viaMesh.timeline(1, buckets, TimeUnit.SECONDS.toNanos(1));
            int directBuckets = (int) HarnessOptions.nonNegative(opts, "direct-timeline-s");
            if (directBuckets > 0) {
                progress("direct timeline: one in flight, " + directBuckets + " s");
                report.directTimeline = direct.timeline(1, directBuckets, TimeUnit.SECONDS.toNanos(1));
            }
            progress("steady check: " + concurrency + " in flight, warm-up " + fmt1(segmentS) + " s per path");
            warm(viaMesh, direct, seconds(segmentS), seconds(segmentS));
            report.throughput = abba(direct, viaMesh, concurrency, false);
        } else {
            double warmupS = HarnessOptions.nonNegative(opts, "warmup-s");
            progress("warm-up: " + fmt1(warmupS) + " s through the mesh, " + fmt1(Math.min(warmupS, 10))
                    + " s direct, " + concurrency + " in flight");
            warm(viaMesh, direct, seconds(warmupS), seconds(Math.min(warmupS, 10)));
            progress("throughput: " + concurrency + " in flight, " + segments + " segments of " + fmt1(segmentS)
                    + " s per path, ABBA");
            report.throughput = abba(direct, viaMesh, concurrency, false);
            progress("latency: one in flight, " + segments + " segments of " + fmt1(segmentS) + " s per path, ABBA");
            report.latency = abba(direct, viaMesh, 1, true);
        }
        if (!mesh.isAlive()) {
            throw new IllegalStateException("the mesh process exited during the run:\n" + mesh.logTail());
        }
        return report.render(started, loadBefore, ForwardingLoadHarness.loadAverage());
    }

    private void warm(EchoLoad viaMesh, EchoLoad direct, long meshNs, long directNs) {
        EchoLoad.CpuSampler none = () -> new long[0];
        viaMesh.closedLoop(concurrency, meshNs, 1, none);
        direct.closedLoop(concurrency, directNs, 1, none);
    }

    /** Closed-loop segments in ABBA order (direct, mesh, mesh, direct, ...), summed per path. */
    private PathPair abba(EchoLoad direct, EchoLoad viaMesh, int inFlight, boolean withLatency) {
        PathPair pair = new PathPair(inFlight);
        EchoLoad.CpuSampler none = () -> new long[0];
        for (int i = 0; i < 2 * segments; i++) {
            boolean meshFirst = (i / 2) % 2 == 1;
            boolean isMesh = (i % 2 == 0) == meshFirst;
            PathTotals t = isMesh ? pair.mesh : pair.direct;
            EchoLoad.ClosedLoopResult r = (isMesh ? viaMesh : direct).closedLoop(inFlight, 0, seconds(segmentS), none,
                    withLatency ? t.latencies : null);
            t.calls += r.calls();
            t.errors += r.errors();
            t.windowNs += r.windowNs();
            progress(String.format(java.util.Locale.ROOT, "  %-6s %d in flight: %.1f calls/s, errors %d",
                    isMesh ? "mesh" : "direct", inFlight, r.callsPerS(), r.errors()));
        }
        return pair;
    }

    /** One path's measured closed-loop segments. */
    private static final class PathTotals {
        final LatencySamples latencies = new LatencySamples();
        long calls;
        long errors;
        long windowNs;

        double callsPerS() {
            return calls * 1e9 / windowNs;
        }
    }

    /** Both paths of one measurement. */
    private static final class PathPair {
        final int inFlight;
        final PathTotals direct = new PathTotals();
        final PathTotals mesh = new PathTotals();

        PathPair(int inFlight) {
            this.inFlight = inFlight;
        }
    }

    private void startMeshAndAttach() throws Exception {
        Path launcher = Path.of(opts.get("launcher"));
        Path cliJar = Path.of(opts.get("cli-jar"));
        List<String> up = List.of("up", opts.get("topology"));
        String jvmOpts = opts.get("jvm-opts").trim();
        meshJvm = MeshProcess.launcherJvmOptions(launcher, up, jvmOpts);
        String podGateway = opts.get("pod-gateway");
        String upstream = opts.get("upstream");
        for (String port : List.of(podGateway, upstream, opts.get("ingress-admin"))) {
            if (ForwardingLoadHarness.accepts(port)) {
                throw new IllegalStateException(port + " is already taken (expected: no other Figure 2 mesh "
                        + "running)");
            }
        }
        Path javaBin = Path.of(System.getProperty("java.home"), "bin", "java");
        progress("starting java " + String.join(" ", meshJvm) + " -cp " + cliJar + " io.dmsc.cli.Dmsc "
                + String.join(" ", up) + "; log in " + workDir);
        long t0 = System.nanoTime();
        mesh = MeshProcess.start(javaBin, meshJvm, cliJar, up, "dmsc-up", workDir, false);
        long deadlineNs = t0 + TimeUnit.SECONDS.toNanos(120);
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        while (!ForwardingLoadHarness.accepts(podGateway) || !ForwardingLoadHarness.accepts(upstream)) {
            awaitOrFail(deadlineNs, "sg-4's pod port " + podGateway + " and sg-1's upstream " + upstream);
        }
        String token = Files.readString(Path.of(opts.get("token-file"))).trim();
        String prefix = opts.get("prefix");
        // The SGs' SPAs may still be starting: an announcement can be refused until they answer.
        RuntimeException last = null;
        while (pod == null) {
            try {
                pod = TestPod.start(podGateway, opts.get("pod-id"), token, List.of(prefix),
                        new EchoService("bench").definition());
            } catch (RuntimeException e) {
                last = e;
                if (System.nanoTime() > deadlineNs) {
                    throw new IllegalStateException("the pod could not attach at " + podGateway + ": " + last, last);
                }
                awaitOrFail(deadlineNs, "the pod's announcement of " + prefix);
            }
        }
        progress("pod attached at " + podGateway + " under " + prefix + "; waiting for sg-1's FIB to list it");
        while (!ForwardingLoadHarness.fibLists(ForwardingLoadHarness.statusJson(http, opts.get("ingress-admin")),
                prefix)) {
            awaitOrFail(deadlineNs, "sg-1's FIB to list " + prefix);
        }
        readyNs = System.nanoTime() - t0;
        directChannel = NettyChannelBuilder.forTarget(pod.endpoint()).usePlaintext().directExecutor().build();
        meshChannel = NettyChannelBuilder.forTarget(upstream).usePlaintext().directExecutor().build();
        progress("mesh ready " + fmt1(readyNs / 1e9) + " s after its start");
    }

    private void awaitOrFail(long deadlineNs, String what) {
        if (!mesh.isAlive()) {
            throw new IllegalStateException("the mesh exited while waiting for " + what + "; log " + mesh.log()
                    + ":\n" + mesh.logTail());
        }
        if (System.nanoTime() > deadlineNs) {
            throw new IllegalStateException("timed out waiting for " + what + "; log " + mesh.log() + ":\n"
                    + mesh.logTail());
        }
        EchoLoad.sleepNs(TimeUnit.MILLISECONDS.toNanos(100));
    }

    private synchronized void close() {
        if (directChannel != null) {
            directChannel.shutdownNow();
        }
        if (meshChannel != null) {
            meshChannel.shutdownNow();
        }
        if (pod != null) {
            pod.close();
            pod = null;
        }
        if (mesh != null) {
            // A JVM asked to write a class-data archive at exit needs a few seconds for it.
            mesh.close(30);
        }
    }

    private static long seconds(double s) {
        return (long) (s * 1e9);
    }

    /** Renders the results as Markdown. */
    private final class Report {
        EchoLoad.TimelineResult meshTimeline;
        EchoLoad.TimelineResult directTimeline;
        PathPair throughput;
        PathPair latency;
        private final StringBuilder md = new StringBuilder();

        String render(String started, String loadBefore, String loadAfter) {
            line("## Figure 2 (`dmsc up`, client at sg-1's upstream, pod at sg-4) against direct gRPC"
                    + (warmupMode ? ": warm-up" : "") + (quick ? " — QUICK SMOKE RUN, numbers not meaningful" : ""));
            line("");
            String javaVersion = ForwardingLoadHarness.runForOutput(Path.of(System.getProperty("java.home"), "bin",
                    "java").toString(), "-version").trim().replace("\n", "; ");
            List<String> harnessJvm = ManagementFactory.getRuntimeMXBean().getInputArguments();
            line("| | |");
            line("|---|---|");
            line("| date | " + started + " |");
            line("| command | `" + command + "`" + (harnessJvm.isEmpty() ? "" : " (harness JVM options: `"
                    + String.join(" ", harnessJvm) + "`)") + " |");
            line("| CPU | `nproc` = " + ForwardingLoadHarness.runForOutput("nproc").trim() + ", \""
                    + ForwardingLoadHarness.cpuModel() + "\" |");
            line("| Java | `" + javaVersion + "` |");
            line("| mesh process | `java " + String.join(" ", meshJvm) + " -cp " + opts.get("cli-jar")
                    + " io.dmsc.cli.Dmsc up " + opts.get("topology") + "` (JVM options from `"
                    + (opts.get("jvm-opts").isBlank() ? "" : "DMSC_JAVA_OPTS='" + opts.get("jvm-opts") + "' ")
                    + "DMSC_LAUNCHER_PRINT=1 " + opts.get("launcher") + " up`), pid " + mesh.pid() + " |");
            line("| mesh ready | " + fmt1(readyNs / 1e9) + " s from process start to sg-1's FIB listing "
                    + opts.get("prefix") + " |");
            line("| load average (1, 5, 15 min) | at start " + loadBefore + ", at end " + loadAfter + " |");
            line("");
            if (meshTimeline != null) {
                timeline();
            }
            if (throughput != null) {
                throughput();
            }
            if (latency != null) {
                latency();
            }
            return md.toString();
        }

        private void timeline() {
            line("### Warm-up: successful calls per second from the first call, one in flight");
            line("");
            line("Mesh: the first call through the freshly started mesh at t = 0. Direct: afterwards, same client "
                    + "and server (this JVM is no longer cold by then).");
            line("");
            line("| path | seconds | calls/s, each second | mean |");
            line("|---|---|---|---:|");
            rows("mesh", meshTimeline);
            if (directTimeline != null) {
                rows("direct", directTimeline);
            }
            line("");
            int n = meshTimeline.okPerBucket().length;
            int w = Math.min(WARM_WINDOW_S, n / 2);
            double first = meshTimeline.callsPerS(0, w);
            double last = meshTimeline.callsPerS(n - w, n);
            double fraction = first / last;
            int reach = -1;
            for (int i = 0; i < n; i++) {
                if (meshTimeline.okPerBucket()[i] >= TARGET_WARM_FRACTION * last) {
                    reach = i;
                    break;
                }
            }
            line("| measurement | value |");
            line("|---|---:|");
            line("| mesh, seconds 0–" + w + " | " + fmt1(first) + " calls/s |");
            line("| mesh, seconds " + (n - w) + "–" + n + " (steady) | " + fmt1(last) + " calls/s |");
            line("| first second at ≥ " + Math.round(100 * TARGET_WARM_FRACTION) + "% of steady | "
                    + (reach < 0 ? "none" : "second " + reach) + " |");
            line("| mesh calls failed | " + meshTimeline.errors() + (meshTimeline.firstError() == null ? ""
                    : " (first: `" + meshTimeline.firstError().replace('|', '/') + "`)") + " |");
            if (directTimeline != null) {
                int dn = directTimeline.okPerBucket().length;
                int dw = Math.min(WARM_WINDOW_S, dn / 2);
                line("| direct, seconds 0–" + dw + " / last " + dw + " | " + fmt1(directTimeline.callsPerS(0, dw))
                        + " / " + fmt1(directTimeline.callsPerS(dn - dw, dn)) + " calls/s |");
            }
            line("");
            line("| target | measured | result |");
            line("|---|---:|:---:|");
            line("| seconds 0–" + w + " ≥ " + Math.round(100 * TARGET_WARM_FRACTION) + "% of seconds " + (n - w)
                    + "–" + n + " | " + fmt1(100 * fraction) + "% | " + verdict(fraction >= TARGET_WARM_FRACTION,
                    meshTimeline.errors()) + " |");
            line("");
        }

        private void rows(String path, EchoLoad.TimelineResult t) {
            long[] c = t.okPerBucket();
            for (int from = 0; from < c.length; from += 10) {
                int to = Math.min(c.length, from + 10);
                StringBuilder each = new StringBuilder();
                for (int i = from; i < to; i++) {
                    each.append(i == from ? "" : " ").append(c[i]);
                }
                line("| " + path + " | " + from + "–" + to + " | " + each + " | " + fmt1(t.callsPerS(from, to)) + " |");
            }
        }

        private void throughput() {
            double ratio = throughput.mesh.callsPerS() / throughput.direct.callsPerS();
            line("### Closed-loop throughput, " + throughput.inFlight + " calls in flight");
            line("");
            line(segments + " segments of " + fmt1(segmentS) + " s per path, ABBA, after the warm-up.");
            line("");
            line("| path | calls | errors | calls/s |");
            line("|---|---:|---:|---:|");
            line("| direct | " + throughput.direct.calls + " | " + throughput.direct.errors + " | "
                    + fmt1(throughput.direct.callsPerS()) + " |");
            line("| mesh | " + throughput.mesh.calls + " | " + throughput.mesh.errors + " | "
                    + fmt1(throughput.mesh.callsPerS()) + " |");
            line("");
            line("| target | measured | result |");
            line("|---|---:|:---:|");
            line("| mesh ≥ " + TARGET_RATIO + "× direct | " + fmt3(ratio) + "× | " + verdict(ratio >= TARGET_RATIO,
                    throughput.mesh.errors) + " |");
            line("");
        }

        private void latency() {
            line("### Latency, one call in flight");
            line("");
            line(segments + " segments of " + fmt1(segmentS) + " s per path, ABBA, after the warm-up; every "
                    + "sample kept, nearest-rank percentiles, in ms.");
            line("");
            line("| path | calls | errors | p50 | p90 | p99 | max |");
            line("|---|---:|---:|---:|---:|---:|---:|");
            for (PathTotals t : List.of(latency.direct, latency.mesh)) {
                LatencySamples l = t.latencies;
                line("| " + (t == latency.direct ? "direct" : "mesh") + " | " + l.count() + " | " + t.errors + " | "
                        + ms(l.quantileNs(0.5)) + " | " + ms(l.quantileNs(0.9)) + " | " + ms(l.quantileNs(0.99))
                        + " | " + ms(l.maxNs()) + " |");
            }
            double p50 = added(0.5);
            line("| **added (mesh − direct)** | | | " + fmt3(p50) + " | " + fmt3(added(0.9)) + " | "
                    + fmt3(added(0.99)) + " | |");
            line("");
            line("| target | measured | result |");
            line("|---|---:|:---:|");
            line("| added p50 ≤ +" + TARGET_ADDED_P50_MS + " ms | +" + fmt3(p50) + " ms | "
                    + verdict(p50 <= TARGET_ADDED_P50_MS, latency.mesh.errors) + " |");
            line("");
        }

        private double added(double q) {
            return (latency.mesh.latencies.quantileNs(q) - latency.direct.latencies.quantileNs(q)) / 1e6;
        }

        private String verdict(boolean met, long errors) {
            if (errors > 0) {
                return "**NOT MET** (calls failed)";
            }
            return met ? "MET" : "**NOT MET**";
        }

        private void line(String s) {
            md.append(s).append('\n');
        }
    }
}
