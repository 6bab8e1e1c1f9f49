package io.dmsc.benchmarks;

import io.dmsc.testkit.EchoService;
import io.dmsc.testkit.TestPod;
import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * End-to-end forwarding benchmark: the same gRPC client and Echo server called directly, and through
 * ingress SG → SR → egress SG, in one run on one machine.
 *
 * <p><b>Set-up.</b> The mesh is three OS processes started with the product's launcher
 * ({@code java -cp dmsc.jar io.dmsc.cli.Dmsc run --topology FILE --node ID}): {@code sg-a}, {@code sr-1},
 * {@code sg-b}, links sg-a—sr-1 and sr-1—sg-b, free loopback ports picked at start. This process hosts both
 * the client (grpc-netty, direct executor) and the server (grpc-java {@link EchoService} in a {@link TestPod},
 * attached to sg-b under {@code /B/4}). The direct path calls the pod's endpoint; the mesh path calls sg-a's
 * pod-facing port with {@code dmsc-target: /B/4}. Both paths use the same client code and server.
 *
 * <p><b>Measurements.</b>
 * <ol>
 *   <li>Open-loop unary (1 KiB request, 1 KiB reply) at a fixed rate: warm-up on each path, then the measured
 *       time split into segments run in ABBA order (direct, mesh, mesh, direct, ...) so slow drift of the
 *       machine falls on both paths. Latency is taken from each call's <em>intended</em> send time (no
 *       coordinated omission); every sample is kept and percentiles are exact nearest-rank. "Added latency"
 *       is the difference of the percentiles (mesh p50 − direct p50), not a percentile of differences.</li>
 *   <li>CPU per call of each mesh process: utime + stime from {@code /proc/<pid>/stat} around every mesh
 *       segment, summed, divided by the calls. The same reading over the direct segments (mesh idle: hellos,
 *       GC, JIT) gives a background rate, reported and also subtracted in a "net" column; the verdict uses the
 *       raw figure.</li>
 *   <li>Closed-loop unary throughput: N calls outstanding, each completion starts the next; direct then mesh;
 *       calls/s and the ratio.</li>
 *   <li>Streaming: one bidi call of 64 KiB messages sent as fast as gRPC flow control allows; the server
 *       answers each message with a one-byte reply carrying its running byte count, and throughput is the
 *       bytes the server acknowledged in the window (MB = 10^6 bytes).</li>
 *   <li>Resident memory (VmRSS) of each mesh process when idle after convergence, after each load, and the
 *       peak (VmHWM).</li>
 * </ol>
 *
 * <p><b>Caveats.</b> Loopback only: no network latency or bandwidth limit, so the mesh's extra hops cost
 * only CPU and scheduling. Every process (client, server and three mesh JVMs) shares the machine's cores, so
 * on a 2-core machine the mesh path competes with the client and server for CPU, which is part of what is
 * measured (the targets say so), and any other work on the machine shows up as noise: run it on a
 * quiet machine and note the load average the report prints. CPU time has the kernel's tick resolution
 * ({@code getconf CLK_TCK}, usually 100/s); the report states the per-call resolution. Linux only
 * ({@code /proc}).
 *
 * <p>Run: {@code java -cp dmsc-benchmarks/target/benchmarks.jar io.dmsc.benchmarks.ForwardingLoadHarness
 * [--quick] [options]}; see {@code docs/bench/forwarding.md}. Single-threaded apart from gRPC callbacks.
 */
public final class ForwardingLoadHarness {
    private static final String TARGET = "/B/4";
    private static final String[] NODES = {"sg-a", "sr-1", "sg-b"};
    private static final double TARGET_ADDED_P50_MS = 0.2;
    private static final double TARGET_ADDED_P90_MS = 0.3;
    private static final double TARGET_SR_CPU_US = 5;
    private static final double TARGET_SG_CPU_US = 30;
    private static final double TARGET_CLOSED_RATIO = 0.55;
    private static final double TARGET_STREAM_RATIO = 0.50;
    private static final double TARGET_SR_RSS_MIB = 150;
    private static final double TARGET_SG_RSS_MIB = 250;
    /** The overload phase offers this multiple of the mesh's closed-loop throughput. */
    private static final double OVERLOAD_FACTOR = 2;

    private final HarnessOptions opts;
    private final String command;
    private final Path workDir;
    private final Map<String, MeshProcess> mesh = new LinkedHashMap<>();
    /** CPU ticks by thread group of each mesh process at the start and the end of the open-loop phase. */
    private final Map<String, Map<String, Long>> threadsBefore = new LinkedHashMap<>();
    private final Map<String, Map<String, Long>> threadsAfter = new LinkedHashMap<>();
    /** The overload phase: offered rate, what it did, and the latency of the calls that succeeded. */
    private double overloadRate;
    private EchoLoad.OpenLoopResult overload;
    private final LatencySamples overloadOk = new LatencySamples();
    /** The JVM options each mesh process was started with. */
    private final Map<String, List<String>> nodeJvm = new LinkedHashMap<>();
    private final List<String> rssPhases = new ArrayList<>();
    private final Map<String, List<Long>> rssKb = new LinkedHashMap<>();
    private final List<String> warmupErrors = new ArrayList<>();
    private final long selfPid = ProcessHandle.current().pid();
    private TestPod pod;
    private ManagedChannel directChannel;
    private ManagedChannel meshChannel;
    /** {@link #meshChannel} with {@code dmsc-target} stamped on every call. */
    private Channel meshRouted;

    private ForwardingLoadHarness(HarnessOptions opts, String command, Path workDir) {
        this.opts = opts;
        this.command = command;
        this.workDir = workDir;
    }

    /**
     * @param args see {@link HarnessOptions#USAGE}
     * @throws Exception on failure
     */
    public static void main(String[] args) throws Exception {
        HarnessOptions opts;
        try {
            opts = HarnessOptions.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("ForwardingLoadHarness: " + e.getMessage());
            System.err.println(HarnessOptions.USAGE);
            System.exit(2);
            return;
        }
        if (!Files.isRegularFile(opts.cliJar)) {
            System.err.println("ForwardingLoadHarness: no CLI jar at " + opts.cliJar.toAbsolutePath()
                    + " (build it: mvn -q -B -ntp -pl dmsc-cli -am package -DskipTests, or pass --cli-jar)");
            System.exit(2);
            return;
        }
        String command = "java -cp dmsc-benchmarks/target/benchmarks.jar io.dmsc.benchmarks.ForwardingLoadHarness"
                + (args.length == 0 ? "" : " " + String.join(" ", quoteAll(args)));
        ForwardingLoadHarness h = new ForwardingLoadHarness(opts, command,
                Files.createTempDirectory("dmsc-fwd-bench-"));
        runAndReport(h::close, h::run, opts.out);
    }

    /**
     * Runs a harness with its cleanup also on exit (Ctrl-C), prints its Markdown report and writes it
     * to {@code out} when given.
     *
     * @param close stops what the harness started
     * @param run   runs it and returns the report
     * @param out   the report file, or null
     * @throws Exception what the run threw
     */
    static void runAndReport(Runnable close, java.util.concurrent.Callable<String> run, Path out) throws Exception {
        Thread hook = new Thread(close, "harness-cleanup");
        Runtime.getRuntime().addShutdownHook(hook);
        String report;
        try {
            report = run.call();
        } finally {
            close.run();
            Runtime.getRuntime().removeShutdownHook(hook);
        }
        System.out.println(report);
        if (out != null) {
            Files.writeString(out, report);
            progress("report written to " + out.toAbsolutePath());
        }
    }

    private String run() throws Exception {
        String loadBefore = loadAverage();
        String started = ZonedDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss"))
                + " UTC";
        long tickNs = TimeUnit.SECONDS.toNanos(1) / clockTicksPerSecond();
        Map<String, String> addr = startMesh();
        attachPodAndConnect(addr);
        // Let start-up work (JIT of the first calls, lazy class loading) settle before reading idle figures.
        EchoLoad.sleepNs(TimeUnit.SECONDS.toNanos(1));
        sampleRss("idle");
        Map<String, long[]> livenessBefore = liveness(addr);

        EchoLoad direct = new EchoLoad("direct", directChannel, opts.requestBytes, opts.requestBytes);
        EchoLoad viaMesh = new EchoLoad("mesh", meshRouted, opts.requestBytes, opts.requestBytes);

        // 1. Open loop.
        long warmupCalls = Math.round(opts.ratePerS * opts.warmupS);
        if (warmupCalls > 0) {
            progress("open-loop warm-up: " + opts.warmupS + " s per path at " + opts.ratePerS + " calls/s");
            warmupErrors.add(check(direct.openLoop(opts.ratePerS, warmupCalls, null, null), "direct warm-up"));
            warmupErrors.add(check(viaMesh.openLoop(opts.ratePerS, warmupCalls, null, null), "mesh warm-up"));
            warmupErrors.removeIf(String::isEmpty);
        }
        OpenLoopTotals d = new OpenLoopTotals();
        OpenLoopTotals m = new OpenLoopTotals();
        int segments = opts.segmentsPerPath();
        progress("open loop: " + segments + " segments of " + opts.callsPerSegment() + " calls per path, ABBA order");
        mesh.forEach((id, p) -> threadsBefore.put(id, p.cpuTicksByThreadGroup()));
        for (int i = 0; i < 2 * segments; i++) {
            // ABBA: d m m d d m m d ...
            boolean meshFirst = (i / 2) % 2 == 1;
            boolean isMesh = (i % 2 == 0) == meshFirst;
            (isMesh ? m : d).segment(isMesh ? viaMesh : direct, opts.ratePerS, opts.callsPerSegment(), this::cpuTicks);
        }
        mesh.forEach((id, p) -> threadsAfter.put(id, p.cpuTicksByThreadGroup()));
        sampleRss("after open loop");

        // 2. Closed loop.
        progress("closed loop: " + opts.closedConcurrency + " outstanding, " + opts.closedS + " s per path");
        EchoLoad.ClosedLoopResult cd = direct.closedLoop(opts.closedConcurrency, seconds(opts.closedWarmupS),
                seconds(opts.closedS), this::cpuTicks);
        EchoLoad.ClosedLoopResult cm = viaMesh.closedLoop(opts.closedConcurrency, seconds(opts.closedWarmupS),
                seconds(opts.closedS), this::cpuTicks);
        sampleRss("after closed loop");

        // 2b. Overload: twice what the closed loop sustained, open loop, through the mesh only.
        if (opts.overloadS > 0) {
            overloadRate = OVERLOAD_FACTOR * cm.callsPerS();
            progress("overload: " + Math.round(overloadRate) + " calls/s open loop through the mesh for "
                    + opts.overloadS + " s");
            overload = viaMesh.openLoop((int) Math.round(overloadRate), Math.round(overloadRate * opts.overloadS),
                    overloadOk, null);
            sampleRss("after overload");
        }

        // 3. Streaming.
        progress("streaming: " + opts.streamMessageBytes + "-byte messages, " + opts.streamS + " s per path");
        EchoLoad.StreamResult sd = direct.stream(opts.streamMessageBytes, seconds(opts.streamWarmupS),
                seconds(opts.streamS));
        EchoLoad.StreamResult sm = viaMesh.stream(opts.streamMessageBytes, seconds(opts.streamWarmupS),
                seconds(opts.streamS));
        sampleRss("after streaming");
        if (opts.idleAfterS > 0) {
            progress("idle " + opts.idleAfterS + " s after the load");
            EchoLoad.sleepNs(seconds(opts.idleAfterS));
            sampleRss(fmt1(opts.idleAfterS) + " s idle after");
        }
        Map<String, Long> peakKb = new LinkedHashMap<>();
        for (MeshProcess p : mesh.values()) {
            peakKb.put(p.nodeId(), p.peakRssKb());
        }
        for (MeshProcess p : mesh.values()) {
            if (!p.isAlive()) {
                throw new IllegalStateException(p.nodeId() + " exited during the run:\n" + p.logTail());
            }
        }
        Map<String, long[]> livenessAfter = liveness(addr);
        return new Report(started, loadBefore, loadAverage(), tickNs).render(d, m, cd, cm, sd, sm, peakKb,
                livenessBefore, livenessAfter);
    }

    /** Accumulates the measured open-loop segments of one path. */
    private static final class OpenLoopTotals {
        final LatencySamples latencies = new LatencySamples();
        final LatencySamples sendLag = new LatencySamples();
        long calls;
        long errors;
        long sendingNs;
        long elapsedNs;
        String firstError;
        /** Ticks of sg-a, sr-1, sg-b and this process during this path's segments. */
        final long[] ticks = new long[NODES.length + 1];

        void segment(EchoLoad load, int ratePerS, long calls, EchoLoad.CpuSampler cpu) {
            long[] before = cpu.sample();
            EchoLoad.OpenLoopResult r = load.openLoop(ratePerS, calls, latencies, sendLag);
            long[] after = cpu.sample();
            for (int i = 0; i < ticks.length; i++) {
                ticks[i] += after[i] - before[i];
            }
            this.calls += r.calls();
            errors += r.errors();
            sendingNs += r.sendingNs();
            elapsedNs += r.elapsedNs();
            if (firstError == null) {
                firstError = r.firstError();
            }
            progress(String.format(Locale.ROOT, "  %-6s %d calls, p50 %.3f ms, errors %d", load.name(), r.calls(),
                    latencies.quantileNs(0.5) / 1e6, r.errors()));
        }
    }

    private Map<String, String> startMesh() throws IOException {
        // Closed again before the nodes bind them: another process could take one in between (unlikely).
        int[] ports = freePorts(8);
        Map<String, String> addr = new LinkedHashMap<>();
        addr.put("sg-a.listen", "127.0.0.1:" + ports[0]);
        addr.put("sr-1.listen", "127.0.0.1:" + ports[1]);
        addr.put("sg-b.listen", "127.0.0.1:" + ports[2]);
        addr.put("sg-a.admin", "127.0.0.1:" + ports[3]);
        addr.put("sr-1.admin", "127.0.0.1:" + ports[4]);
        addr.put("sg-b.admin", "127.0.0.1:" + ports[5]);
        addr.put("sg-a.pod", "127.0.0.1:" + ports[6]);
        addr.put("sg-b.pod", "127.0.0.1:" + ports[7]);
        String yaml = String.join("\n",
                "# Written by io.dmsc.benchmarks.ForwardingLoadHarness: client -> sg-a -> sr-1 -> sg-b -> pod /B/4.",
                "name: fwd-bench",
                "nodes:",
                "  - {id: sg-a, role: sg, listen: " + addr.get("sg-a.listen") + ", admin: " + addr.get("sg-a.admin")
                        + ", pod: " + addr.get("sg-a.pod")
                        + (opts.adaptiveAdmission ? ", gateway: {adaptiveAdmission: true}" : "") + "}",
                "  - {id: sr-1, role: sr, listen: " + addr.get("sr-1.listen") + ", admin: " + addr.get("sr-1.admin")
                        + "}",
                "  - {id: sg-b, role: sg, listen: " + addr.get("sg-b.listen") + ", admin: " + addr.get("sg-b.admin")
                        + ", pod: " + addr.get("sg-b.pod")
                        + (opts.adaptiveAdmission ? ", gateway: {adaptiveAdmission: true}" : "") + "}",
                "links:",
                "  - {a: sg-a, b: sr-1, metric: 10}",
                "  - {a: sr-1, b: sg-b, metric: 10}",
                "");
        Path topology = workDir.resolve("topology.yaml");
        Files.writeString(topology, yaml);
        Path javaBin = Path.of(System.getProperty("java.home"), "bin", "java");
        progress("starting sg-a, sr-1, sg-b from " + opts.cliJar + "; topology and logs in " + workDir);
        for (String id : NODES) {
            List<String> jvm = new ArrayList<>();
            if (opts.launcher != null) {
                jvm.addAll(MeshProcess.launcherJvmOptions(opts.launcher, topology, id));
            }
            jvm.addAll(opts.nodeJvmOpts);
            nodeJvm.put(id, jvm);
            mesh.put(id, MeshProcess.start(javaBin, jvm, opts.cliJar, topology, id, workDir));
        }
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        for (String id : NODES) {
            MeshProcess p = mesh.get(id);
            while (statusJson(http, addr.get(id + ".admin")) == null
                    || (addr.containsKey(id + ".pod") && !accepts(addr.get(id + ".pod")))) {
                awaitOrFail(p, deadlineNs, "admin /status and pod port");
            }
        }
        return addr;
    }

    private void attachPodAndConnect(Map<String, String> addr) {
        pod = TestPod.start(addr.get("sg-b.pod"), "bench-pod", TARGET, new EchoService("bench"));
        directChannel = NettyChannelBuilder.forTarget(pod.endpoint()).usePlaintext().directExecutor().build();
        meshChannel = NettyChannelBuilder.forTarget(addr.get("sg-a.pod")).usePlaintext().directExecutor().build();
        Metadata target = new Metadata();
        target.put(Metadata.Key.of("dmsc-target", Metadata.ASCII_STRING_MARSHALLER), TARGET);
        Channel routed = ClientInterceptors.intercept(meshChannel, MetadataUtils.newAttachHeadersInterceptor(target));
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        progress("pod attached to sg-b under " + TARGET + "; waiting for sg-a's FIB to list it");
        while (!fibLists(statusJson(http, addr.get("sg-a.admin")), TARGET)) {
            awaitOrFail(mesh.get("sg-a"), deadlineNs, "sg-a's FIB to list " + TARGET);
        }
        new EchoLoad("direct", directChannel, opts.requestBytes, opts.requestBytes).probe(5000);
        EchoLoad probe = new EchoLoad("mesh", routed, opts.requestBytes, opts.requestBytes);
        RuntimeException last = null;
        while (System.nanoTime() < deadlineNs) {
            try {
                probe.probe(5000);
                last = null;
                break;
            } catch (RuntimeException e) {
                last = e;
                EchoLoad.sleepNs(TimeUnit.MILLISECONDS.toNanos(200));
            }
        }
        if (last != null) {
            throw new IllegalStateException("no call got through the mesh in 60 s: " + last, last);
        }
        meshRouted = routed;
        progress("mesh path answers");
    }

    private long[] cpuTicks() {
        long[] t = new long[NODES.length + 1];
        for (int i = 0; i < NODES.length; i++) {
            t[i] = mesh.get(NODES[i]).cpuTicks();
        }
        t[NODES.length] = MeshProcess.cpuTicks(selfPid);
        return t;
    }

    private void sampleRss(String phase) {
        rssPhases.add(phase);
        for (MeshProcess p : mesh.values()) {
            rssKb.computeIfAbsent(p.nodeId(), k -> new ArrayList<>()).add(p.rssKb());
        }
    }

    /** @return a line describing the failed calls, or "" */
    private static String check(EchoLoad.OpenLoopResult r, String what) {
        if (r.errors() == 0) {
            return "";
        }
        String line = what + ": " + r.errors() + " of " + r.calls() + " calls failed, first: " + r.firstError();
        progress(line);
        return line;
    }

    private void awaitOrFail(MeshProcess p, long deadlineNs, String what) {
        if (!p.isAlive()) {
            throw new IllegalStateException(p.nodeId() + " exited while waiting for " + what + "; log "
                    + p.log() + ":\n" + p.logTail());
        }
        if (System.nanoTime() > deadlineNs) {
            throw new IllegalStateException("timed out waiting for " + what + " of " + p.nodeId() + "; log "
                    + p.log() + ":\n" + p.logTail());
        }
        EchoLoad.sleepNs(TimeUnit.MILLISECONDS.toNanos(100));
    }

    /**
     * Reads, per mesh node, {@code dmsc_adjacency_changes_total{state="down"}} and
     * {@code dmsc_hold_expiries_deferred_total} from its admin {@code /metrics}. No fault is injected
     * during a run, so every adjacency that goes down is a false alarm of the liveness timers.
     */
    private Map<String, long[]> liveness(Map<String, String> addr) {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        Map<String, long[]> out = new LinkedHashMap<>();
        for (String id : NODES) {
            String text = get(http, addr.get(id + ".admin"), "/metrics");
            if (text == null) {
                throw new IllegalStateException("no /metrics from " + id + " at " + addr.get(id + ".admin"));
            }
            out.put(id, new long[] {metric(text, "dmsc_adjacency_changes_total", "state=\"down\""),
                    metric(text, "dmsc_hold_expiries_deferred_total", "")});
        }
        return out;
    }

    /** The sum of the samples of {@code name} whose labels contain {@code label}, in Prometheus text. */
    static long metric(String text, String name, String label) {
        double sum = 0;
        boolean found = false;
        for (String l : text.split("\n")) {
            if (l.startsWith(name) && (l.length() == name.length() || l.charAt(name.length()) == '{'
                    || l.charAt(name.length()) == ' ') && l.contains(label)) {
                sum += Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1));
                found = true;
            }
        }
        if (!found) {
            throw new IllegalStateException("no sample of " + name + (label.isEmpty() ? "" : " with " + label)
                    + " in /metrics");
        }
        return Math.round(sum);
    }

    static String statusJson(HttpClient http, String admin) {
        return get(http, admin, "/status");
    }

    static String get(HttpClient http, String admin, String path) {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://" + admin + path))
                    .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200 ? r.body() : null;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Looks for the prefix in the {@code fib} section of {@code /status} (between "fib" and "counters"). */
    static boolean fibLists(String statusJson, String prefix) {
        if (statusJson == null) {
            return false;
        }
        int fib = statusJson.indexOf("\"fib\"");
        if (fib < 0) {
            return false;
        }
        int end = statusJson.indexOf("\"counters\"", fib);
        String section = statusJson.substring(fib, end < 0 ? statusJson.length() : end);
        return section.matches("(?s).*\"prefix\"\\s*:\\s*\"" + java.util.regex.Pattern.quote(prefix) + "\".*");
    }

    static boolean accepts(String hostPort) {
        int colon = hostPort.lastIndexOf(':');
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(hostPort.substring(0, colon),
                    Integer.parseInt(hostPort.substring(colon + 1))), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static int[] freePorts(int n) throws IOException {
        List<ServerSocket> held = new ArrayList<>();
        try {
            int[] ports = new int[n];
            for (int i = 0; i < n; i++) {
                ServerSocket s = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
                held.add(s);
                ports[i] = s.getLocalPort();
            }
            return ports;
        } finally {
            for (ServerSocket s : held) {
                s.close();
            }
        }
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
        for (MeshProcess p : mesh.values()) {
            p.close();
        }
    }

    private static long seconds(double s) {
        return (long) (s * 1e9);
    }

    static void progress(String line) {
        System.err.println("[harness] " + line);
    }

    static long clockTicksPerSecond() {
        String out = runForOutput("getconf", "CLK_TCK").trim();
        try {
            return Long.parseLong(out);
        } catch (NumberFormatException e) {
            progress("getconf CLK_TCK gave '" + out + "'; assuming 100");
            return 100;
        }
    }

    static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split(" ");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException e) {
            return "?";
        }
    }

    static String runForOutput(String... cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            try (InputStream in = p.getInputStream()) {
                String out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                p.waitFor(10, TimeUnit.SECONDS);
                return out;
            }
        } catch (IOException e) {
            return "(" + String.join(" ", cmd) + " failed: " + e.getMessage() + ")";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static List<String> quoteAll(String[] args) {
        List<String> q = new ArrayList<>();
        for (String a : args) {
            q.add(a.isEmpty() || a.matches(".*[\\s'\"$].*") ? "'" + a.replace("'", "'\\''") + "'" : a);
        }
        return q;
    }

    /** Renders the results as Markdown (also readable as plain text). */
    private final class Report {
        private final String started;
        private final String loadBefore;
        private final String loadAfter;
        private final long tickNs;
        private final StringBuilder md = new StringBuilder();

        Report(String started, String loadBefore, String loadAfter, long tickNs) {
            this.started = started;
            this.loadBefore = loadBefore;
            this.loadAfter = loadAfter;
            this.tickNs = tickNs;
        }

        String render(OpenLoopTotals d, OpenLoopTotals m, EchoLoad.ClosedLoopResult cd, EchoLoad.ClosedLoopResult cm,
                      EchoLoad.StreamResult sd, EchoLoad.StreamResult sm, Map<String, Long> peakKb,
                      Map<String, long[]> livenessBefore, Map<String, long[]> livenessAfter) {
            line("## Forwarding: mesh (SG → SR → SG) against direct gRPC" + (opts.quick ? " — QUICK SMOKE RUN, "
                    + "numbers not meaningful" : ""));
            line("");
            machine();
            openLoop(d, m);
            cpu(d, m, cm);
            closedLoop(cd, cm);
            streaming(sd, sm);
            overload();
            memory(peakKb);
            threads();
            liveness(livenessBefore, livenessAfter);
            return md.toString();
        }

        private void machine() {
            String javaVersion = runForOutput(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-version").trim().replace("\n", "; ");
            List<String> jvmArgs = ManagementFactory.getRuntimeMXBean().getInputArguments();
            line("| | |");
            line("|---|---|");
            line("| date | " + started + " |");
            line("| command | `" + command + "`" + (jvmArgs.isEmpty() ? "" : " (harness JVM options: `"
                    + String.join(" ", jvmArgs) + "`)") + " |");
            line("| CPU | `nproc` = " + runForOutput("nproc").trim() + ", \"" + cpuModel() + "\" |");
            line("| Java | `" + javaVersion + "` |");
            line("| mesh processes | `java OPTIONS -cp " + opts.cliJar + " io.dmsc.cli.Dmsc run --topology FILE --node "
                    + "ID`, pids " + pids() + " |");
            for (Map.Entry<String, List<String>> e : nodeJvm.entrySet()) {
                line("| " + e.getKey() + " JVM options | " + (e.getValue().isEmpty() ? "none (JVM defaults)"
                        : "`" + String.join(" ", e.getValue()) + "`") + (opts.launcher == null ? ""
                        : " (launcher " + opts.launcher + ")") + " |");
            }
            line("| load average (1, 5, 15 min) | at start " + loadBefore + ", at end " + loadAfter + " |");
            line("| CPU clock tick | " + tickNs / 1000 + " µs (`getconf CLK_TCK`) |");
            line("");
        }

        private void openLoop(OpenLoopTotals d, OpenLoopTotals m) {
            line("### Open-loop unary, " + opts.requestBytes + "-byte request and reply, " + opts.ratePerS
                    + " calls/s");
            line("");
            line("Warm-up " + fmt1(opts.warmupS) + " s per path, then " + opts.segmentsPerPath() + " segments of "
                    + opts.callsPerSegment() + " calls per path in ABBA order. Latency from each call's intended "
                    + "send time, in ms.");
            line("");
            line("| path | calls | errors | achieved calls/s | p50 | p90 | p99 | p99.9 | max | send lag p99 |");
            line("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
            for (OpenLoopTotals t : List.of(d, m)) {
                LatencySamples l = t.latencies;
                line("| " + (t == d ? "direct" : "mesh") + " | " + t.calls + " | " + t.errors + " | "
                        + fmt1(t.calls * 1e9 / t.sendingNs) + " | " + ms(l.quantileNs(0.5)) + " | "
                        + ms(l.quantileNs(0.9)) + " | " + ms(l.quantileNs(0.99)) + " | " + ms(l.quantileNs(0.999))
                        + " | " + ms(l.maxNs()) + " | " + ms(t.sendLag.quantileNs(0.99)) + " |");
            }
            double p50 = added(d, m, 0.5);
            double p90 = added(d, m, 0.9);
            double p99 = added(d, m, 0.99);
            line("| **added (mesh − direct)** | | | | " + fmt3(p50) + " | " + fmt3(p90) + " | " + fmt3(p99) + " | "
                    + fmt3(added(d, m, 0.999)) + " | | |");
            line("");
            for (String w : warmupErrors) {
                line("**Warm-up: " + w + "** (warm-up calls are not measured).");
                line("");
            }
            errors("direct", d.errors, d.firstError);
            errors("mesh", m.errors, m.firstError);
            line("| target | measured | result |");
            line("|---|---:|:---:|");
            line("| added latency p50 ≤ " + TARGET_ADDED_P50_MS + " ms | " + fmt3(p50) + " ms | "
                    + verdict(p50 <= TARGET_ADDED_P50_MS, m.errors) + " |");
            line("| added latency p90 ≤ " + TARGET_ADDED_P90_MS + " ms | " + fmt3(p90) + " ms | "
                    + verdict(p90 <= TARGET_ADDED_P90_MS, m.errors) + " |");
            line("| added latency p99 | " + fmt3(p99) + " ms | reported |");
            line("");
        }

        private void cpu(OpenLoopTotals d, OpenLoopTotals m, EchoLoad.ClosedLoopResult cm) {
            line("### CPU per call of each mesh process");
            line("");
            line("utime + stime over the open-loop mesh segments (" + m.calls + " calls, " + fmt1(m.elapsedNs / 1e9)
                    + " s) divided by the calls; resolution one tick = " + fmt2(tickNs / 1e3 / Math.max(1, m.calls))
                    + " µs/call. Idle rate: the same process over the direct segments (" + fmt1(d.elapsedNs / 1e9)
                    + " s), when the mesh carries nothing. Net = raw − idle rate × mesh time. Closed loop: the "
                    + "measured closed-loop window through the mesh.");
            line("");
            line("| process | CPU in mesh segments | idle rate | per call (raw) | per call (net of idle) "
                    + "| target | result | closed loop per call |");
            line("|---|---:|---:|---:|---:|---:|:---:|---:|");
            for (int i = 0; i <= NODES.length; i++) {
                String name = i < NODES.length ? NODES[i] : "harness (client + server)";
                double cpuMs = m.ticks[i] * tickNs / 1e6;
                double idleMsPerS = d.ticks[i] * tickNs / 1e6 / (d.elapsedNs / 1e9);
                double rawUs = m.ticks[i] * tickNs / 1e3 / m.calls;
                double netUs = (m.ticks[i] * tickNs - idleMsPerS * 1e6 * (m.elapsedNs / 1e9)) / 1e3 / m.calls;
                double closedUs = (cm.cpuTicksAfter()[i] - cm.cpuTicksBefore()[i]) * tickNs / 1e3
                        / Math.max(1, cm.calls());
                String target;
                String result;
                String net = fmt1(netUs) + " µs";
                if (i == NODES.length) {
                    // The harness is busy in the direct segments too: no idle rate to subtract.
                    net = "—";
                    double directUs = d.ticks[i] * tickNs / 1e3 / d.calls;
                    target = "— (direct: " + fmt1(directUs) + " µs)";
                    result = "info";
                } else {
                    double limit = NODES[i].startsWith("sr") ? TARGET_SR_CPU_US : TARGET_SG_CPU_US;
                    target = "≤ " + fmt1(limit) + " µs";
                    result = verdict(rawUs <= limit, m.errors);
                }
                line("| " + name + " | " + fmt1(cpuMs) + " ms | " + fmt1(idleMsPerS) + " ms/s | " + fmt1(rawUs)
                        + " µs | " + net + " | " + target + " | " + result + " | " + fmt1(closedUs)
                        + " µs |");
            }
            line("");
        }

        private void closedLoop(EchoLoad.ClosedLoopResult cd, EchoLoad.ClosedLoopResult cm) {
            double ratio = cm.callsPerS() / cd.callsPerS();
            line("### Closed-loop unary throughput, " + opts.closedConcurrency + " calls outstanding");
            line("");
            line("Warm-up " + fmt1(opts.closedWarmupS) + " s, measured " + fmt1(opts.closedS)
                    + " s per path, direct first; every process on the same cores.");
            line("");
            line("| path | calls in window | errors | calls/s |");
            line("|---|---:|---:|---:|");
            line("| direct | " + cd.calls() + " | " + cd.errors() + " | " + fmt1(cd.callsPerS()) + " |");
            line("| mesh | " + cm.calls() + " | " + cm.errors() + " | " + fmt1(cm.callsPerS()) + " |");
            line("");
            line("| target | measured | result |");
            line("|---|---:|:---:|");
            line("| mesh ≥ " + fmt1(100 * TARGET_CLOSED_RATIO) + "% of direct | " + fmt1(100 * ratio) + "% | "
                    + verdict(ratio >= TARGET_CLOSED_RATIO, cm.errors()) + " |");
            line("");
        }

        private void streaming(EchoLoad.StreamResult sd, EchoLoad.StreamResult sm) {
            line("### Streaming, " + opts.streamMessageBytes + "-byte messages, one bidi call");
            line("");
            line("Client sends as fast as flow control allows; throughput = bytes the server acknowledged in the "
                    + "measured " + fmt1(opts.streamS) + " s (after " + fmt1(opts.streamWarmupS) + " s warm-up). "
                    + "MB = 10^6 bytes.");
            line("");
            line("| path | MB/s | error |");
            line("|---|---:|---|");
            line("| direct | " + fmt1(sd.megabytesPerS()) + " | " + (sd.error() == null ? "" : sd.error()) + " |");
            line("| mesh | " + fmt1(sm.megabytesPerS()) + " | " + (sm.error() == null ? "" : sm.error()) + " |");
            double ratio = sm.megabytesPerS() / sd.megabytesPerS();
            line("");
            line("| target | measured | result |");
            line("|---|---:|:---:|");
            line("| mesh ≥ " + fmt1(100 * TARGET_STREAM_RATIO) + "% of direct | " + fmt1(100 * ratio) + "% | "
                    + verdict(ratio >= TARGET_STREAM_RATIO, sm.error() == null ? 0 : 1) + " |");
            line("");
        }

        private void memory(Map<String, Long> peakKb) {
            line("### Resident memory of the mesh processes (VmRSS, MiB)");
            line("");
            line("Idle: after convergence and one probe call per path, before any load. The JVM options of each "
                    + "process are in the table at the top (without options the max heap is a quarter of RAM).");
            line("");
            StringBuilder head = new StringBuilder("| process |");
            StringBuilder rule = new StringBuilder("|---|");
            for (String phase : rssPhases) {
                head.append(' ').append(phase).append(" |");
                rule.append("---:|");
            }
            line(head + " peak (VmHWM) |");
            line(rule + "---:|");
            for (Map.Entry<String, List<Long>> e : rssKb.entrySet()) {
                StringBuilder row = new StringBuilder("| " + e.getKey() + " |");
                for (long kb : e.getValue()) {
                    row.append(' ').append(fmt1(kb / 1024.0)).append(" |");
                }
                line(row + " " + fmt1(peakKb.get(e.getKey()) / 1024.0) + " |");
            }
            line("");
            line("| target | measured peak | result |");
            line("|---|---:|:---:|");
            for (String id : NODES) {
                double limit = id.startsWith("sr") ? TARGET_SR_RSS_MIB : TARGET_SG_RSS_MIB;
                double peak = peakKb.get(id) / 1024.0;
                line("| " + id + " RSS under load ≤ " + fmt1(limit) + " MiB" + (opts.launcher == null
                        ? " (the target assumes the launcher's defaults: `--launcher ./dmsc`)" : "") + " | "
                        + fmt1(peak) + " MiB | " + verdict(peak <= limit, 0) + " |");
            }
            line("");
        }

        private void overload() {
            if (overload == null) {
                return;
            }
            line("### Overload: " + fmt1(OVERLOAD_FACTOR) + "× the closed-loop throughput, open loop, mesh only");
            line("");
            line("Adaptive admission " + (opts.adaptiveAdmission ? "on (`--adaptive-admission true`)" : "off (the default)") + ". Offered " + fmt1(overloadRate) + " calls/s for " + fmt1(opts.overloadS) + " s ("
                    + overload.calls()
                    + " calls, 10 s deadline). Goodput: calls that succeeded per second of offered load; latency "
                    + "of the calls that succeeded, from their intended send time, in ms. The SG is to shed at "
                    + "once (RESOURCE_EXHAUSTED or UNAVAILABLE), not queue until deadlines.");
            line("");
            long ok = overload.calls() - overload.errors();
            line("| offered calls/s | sent calls/s | goodput calls/s | failed, by code | OK p50 | OK p90 | OK p99 "
                    + "| OK max |");
            line("|---:|---:|---:|---|---:|---:|---:|---:|");
            line("| " + fmt1(overloadRate) + " | " + fmt1(overload.calls() * 1e9 / overload.sendingNs()) + " | "
                    + fmt1(ok * 1e9 / overload.sendingNs()) + " | " + (overload.errors() == 0 ? "none"
                    : overload.errorsByCode() + (overload.firstError() == null ? "" : "; first: `"
                    + overload.firstError().replace('|', '/') + "`")) + " | "
                    + ms(overloadOk.quantileNs(0.5)) + " | " + ms(overloadOk.quantileNs(0.9)) + " | "
                    + ms(overloadOk.quantileNs(0.99)) + " | " + ms(overloadOk.maxNs()) + " |");
            line("");
        }

        private void threads() {
            line("### Where the mesh processes' CPU went in the open-loop phase");
            line("");
            line("CPU ticks by thread (name from `/proc/PID/task/TID/comm`, numbers after `#` or `-` dropped) from the first to "
                    + "the last open-loop segment, both paths (the direct segments add only idle work), in ms; "
                    + "threads below 1% of their process are left out.");
            line("");
            line("| process | thread group | CPU ms | share |");
            line("|---|---|---:|---:|");
            for (String id : NODES) {
                Map<String, Long> b = threadsBefore.getOrDefault(id, Map.of());
                Map<String, Long> a = threadsAfter.getOrDefault(id, Map.of());
                long total = 0;
                Map<String, Long> delta = new java.util.TreeMap<>();
                for (Map.Entry<String, Long> e : a.entrySet()) {
                    long d = e.getValue() - b.getOrDefault(e.getKey(), 0L);
                    if (d > 0) {
                        delta.put(e.getKey(), d);
                        total += d;
                    }
                }
                long sum = total;
                delta.entrySet().stream().sorted((x, y) -> Long.compare(y.getValue(), x.getValue()))
                        .filter(e -> e.getValue() * 100 >= sum)
                        .forEach(e -> line("| " + id + " | `" + e.getKey() + "` | " + fmt1(e.getValue() * tickNs / 1e6)
                                + " | " + fmt1(100.0 * e.getValue() / sum) + "% |"));
            }
            line("");
        }

        private void liveness(Map<String, long[]> before, Map<String, long[]> after) {
            line("### Liveness under load (false alarms)");
            line("");
            line("Timers: the defaults of a node in its own process (hello 250 ms, hold 1000 ms; the topology sets "
                    + "none). No fault is injected, so every adjacency that went down between convergence and the "
                    + "end of the streaming phase is a false alarm. Deferred: hold expiries a node put off because it "
                    + "was itself starved (conductor gap or data-loop lag over 300 ms).");
            line("");
            line("| process | adjacencies down | hold expiries deferred |");
            line("|---|---:|---:|");
            for (String id : NODES) {
                long[] b = before.get(id);
                long[] a = after.get(id);
                line("| " + id + " | " + (a[0] - b[0]) + " | " + (a[1] - b[1]) + " |");
            }
            line("");
        }

        private void errors(String path, long errors, String first) {
            if (errors > 0) {
                line("**" + path + ": " + errors + " calls failed** (first: `" + first + "`); their latencies are "
                        + "not in the percentiles.");
                line("");
            }
        }

        private String pids() {
            StringBuilder b = new StringBuilder();
            for (MeshProcess p : mesh.values()) {
                b.append(b.length() == 0 ? "" : ", ").append(p.nodeId()).append(' ').append(p.pid());
            }
            return b.toString();
        }

        private double added(OpenLoopTotals d, OpenLoopTotals m, double q) {
            return (m.latencies.quantileNs(q) - d.latencies.quantileNs(q)) / 1e6;
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

    static String cpuModel() {
        try {
            for (String l : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (l.startsWith("model name")) {
                    return l.substring(l.indexOf(':') + 1).trim();
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return "?";
    }

    static String ms(long ns) {
        return fmt3(ns / 1e6);
    }

    static String fmt1(double v) {
        return String.format(Locale.ROOT, "%.1f", v);
    }

    static String fmt2(double v) {
        return String.format(Locale.ROOT, "%.2f", v);
    }

    static String fmt3(double v) {
        return String.format(Locale.ROOT, "%.3f", v);
    }
}
