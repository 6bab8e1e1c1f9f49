package io.dmsc.benchmarks;

import com.google.protobuf.ByteString;
import io.dmsc.testkit.EchoService;
import io.dmsc.testkit.TestPod;
import io.dmsc.testkit.proto.v1.EchoGrpc;
import io.dmsc.testkit.proto.v1.EchoReply;
import io.dmsc.testkit.proto.v1.EchoRequest;
import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Soak test (not in CI): the draft's Figure 2 ({@code examples/figure2.yaml}, its four SPAs and the SCSC) as
 * twelve OS processes started with the product's launcher, on free loopback ports, with mutual TLS from a CA
 * made by {@code dmsc ca}. One Echo pod (pod-4, {@code /B/4}) attaches to sg-4; this process calls it through
 * sg-1's pod-facing port ({@code dmsc-target: /B/4}; sg-1's retry policy covers {@code Echo/Unary}) with
 *
 * <ul>
 *   <li>open-loop unary calls at {@code --rate} per second (10 s deadline), and</li>
 *   <li>{@code --streams} long-lived bidi streams, one small message every 200 ms each; a stream that ends is
 *       counted by its status and opened again a second later.</li>
 * </ul>
 *
 * <p>Every {@code --fault-interval-s} one fault, in turn: {@code kill -9} of sr-3 and its restart 5 s later;
 * SIGSTOP of sr-2 or sr-1 (alternately) for 5 s, then SIGCONT; an impairment (200 ms delay, 20% loss) of one
 * SR–SR link for 10 s through {@code dmsc link impair}, then {@code dmsc link clear}. sr-1 is sg-1's only
 * router, so calls fail while it is stopped; that is counted, not hidden.
 *
 * <p>Every minute, per process: VmRSS and Threads from {@code /proc/PID/status}, open descriptors (entries of
 * {@code /proc/PID/fd}), heap in use after a full GC ({@code jcmd PID GC.run}, then {@code GC.heap_info}), and
 * from each node's admin {@code /metrics}: {@code dmsc_flows_open} and {@code dmsc_lsdb_bytes}; plus the calls
 * that ended in that minute. Faults and samples run on one thread, so a stopped process is never sampled.
 *
 * <p><b>Verdict.</b> The baseline of a process is its sample at minute 5 (minute 1 in runs shorter than 8
 * minutes); each of its last three samples taken under load must be within: heap after GC +20% (at least
 * 5 MiB), RSS +20% (at least 20 MiB), descriptors and threads +10% (at least 3), LSDB bytes +10%. A process
 * restarted after its baseline (sr-3) is judged on its last incarnation only if that lasted long enough,
 * else reported as such. When the load stops, every node's {@code dmsc_flows_open} must reach 0 within 60 s.
 *
 * <p>Run: {@code java -cp dmsc-benchmarks/target/benchmarks.jar io.dmsc.benchmarks.SoakHarness [options]};
 * Linux only ({@code /proc}, {@code kill}, {@code jcmd}); see docs/RELIABILITY.md.
 */
public final class SoakHarness {
    private static final String USAGE = String.join("\n",
            "usage: java -cp dmsc-benchmarks/target/benchmarks.jar io.dmsc.benchmarks.SoakHarness [options]",
            "  --duration-m M         minutes of load (default 60)",
            "  --fault-interval-s S   one fault every S seconds (default 120)",
            "  --rate N               open-loop unary calls/s (default 200)",
            "  --streams N            long-lived bidi streams (default 4)",
            "  --cli-jar PATH         shaded dmsc CLI jar (default dmsc-cli/target/dmsc.jar)",
            "  --examples DIR         the example directory with figure2.yaml, spa/ and tokens/ (default examples)",
            "  --node-jvm-opts 'OPTS' JVM options of every mesh process (default -Xmx256m)");
    private static final String TARGET = "/B/4";
    private static final String KILLED = "sr-3";
    private static final String[] STOPPED = {"sr-2", "sr-1"};
    private static final String[][] IMPAIRED = {{"sr-1", "sr-2"}, {"sr-2", "sr-3"}, {"sr-3", "sr-1"}};
    private static final long CALL_DEADLINE_MS = 10_000;
    /** A metric that read NaN. */
    private static final long NAN = -2;
    private static final Pattern ADDR = Pattern.compile("127\\.0\\.0\\.1:(\\d+)");

    private final Map<String, String> opt;
    private final int durationM;
    private final int faultIntervalS;
    private final int rate;
    private final int streams;
    private final Path cliJar;
    private final Path examples;
    private final List<String> nodeJvmOpts;
    private final Path workDir;
    private final Path javaBin = Path.of(System.getProperty("java.home"), "bin", "java");
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
    /** Node id → admin address, in the topology's order. */
    private final Map<String, String> admin = new LinkedHashMap<>();
    private final Map<String, String> podAddr = new HashMap<>();
    private final List<String> ids = new ArrayList<>();
    private final Map<String, MeshProcess> procs = new ConcurrentHashMap<>();
    /** Node id → minute of its last (re)start; 0 for the first start. */
    private final Map<String, Integer> startedAtMinute = new ConcurrentHashMap<>();
    private Path topology;
    private TestPod pod;
    private ManagedChannel channel;

    // Load counters, reset every minute by the sampler (the totals are kept too).
    private final AtomicLong unaryOk = new AtomicLong();
    private final Map<String, AtomicLong> unaryFailed = new ConcurrentHashMap<>();
    private final AtomicLong outstanding = new AtomicLong();
    private final AtomicLong streamMessages = new AtomicLong();
    private final Map<String, AtomicLong> streamEnds = new ConcurrentHashMap<>();
    private volatile boolean loadRunning = true;
    private final List<String> faultLog = new ArrayList<>();
    private final java.util.concurrent.ExecutorService sampler = Executors.newFixedThreadPool(4, r -> {
        Thread t = new Thread(r, "soak-sampler");
        t.setDaemon(true);
        return t;
    });
    /** Status code → the description of the last unary call that failed with it (for the tables). */
    private final Map<String, String> lastFailure = new ConcurrentHashMap<>();
    private final List<Map<String, Sample>> samples = new ArrayList<>();
    private final List<String> loadRows = new ArrayList<>();
    private long totalOk;
    private long totalFailed;

    /** One process at one minute; -1 where it could not be read. */
    record Sample(int minute, long rssKb, long threads, long fds, long heapKb, long flows, long lsdbBytes,
                  boolean alive) {
    }

    private SoakHarness(Map<String, String> opt) throws IOException {
        this.opt = opt;
        durationM = positive("duration-m");
        faultIntervalS = positive("fault-interval-s");
        rate = positive("rate");
        streams = Integer.parseInt(opt.get("streams"));
        cliJar = Path.of(opt.get("cli-jar")).toAbsolutePath();
        examples = Path.of(opt.get("examples")).toAbsolutePath();
        String o = opt.get("node-jvm-opts").trim();
        nodeJvmOpts = o.isEmpty() ? List.of() : Arrays.asList(o.split("\\s+"));
        workDir = Files.createTempDirectory("dmsc-soak-");
    }

    /**
     * @param args see {@link #USAGE}
     * @throws Exception on failure
     */
    public static void main(String[] args) throws Exception {
        Map<String, String> opt = new LinkedHashMap<>();
        opt.put("duration-m", "60");
        opt.put("fault-interval-s", "120");
        opt.put("rate", "200");
        opt.put("streams", "4");
        opt.put("cli-jar", "dmsc-cli/target/dmsc.jar");
        opt.put("examples", "examples");
        opt.put("node-jvm-opts", "-Xmx256m");
        SoakHarness h;
        try {
            for (int i = 0; i < args.length; i++) {
                String k = args[i].startsWith("--") ? args[i].substring(2) : "";
                if (!opt.containsKey(k)) {
                    throw new IllegalArgumentException("unknown option: " + args[i]);
                }
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException(args[i] + ": missing value");
                }
                opt.put(k, args[++i]);
            }
            h = new SoakHarness(opt);
            if (!Files.isRegularFile(h.cliJar)) {
                throw new IllegalArgumentException("no CLI jar at " + h.cliJar
                        + " (build it: mvn -q -B -ntp -pl dmsc-cli -am package -DskipTests, or pass --cli-jar)");
            }
            if (!Files.isRegularFile(h.examples.resolve("figure2.yaml"))) {
                throw new IllegalArgumentException("no figure2.yaml in " + h.examples + " (pass --examples DIR)");
            }
        } catch (IllegalArgumentException e) {
            System.err.println("SoakHarness: " + e.getMessage());
            System.err.println(USAGE);
            System.exit(2);
            return;
        }
        Thread hook = new Thread(h::close, "soak-cleanup");
        Runtime.getRuntime().addShutdownHook(hook);
        boolean flat;
        try {
            flat = h.run();
        } finally {
            h.close();
            Runtime.getRuntime().removeShutdownHook(hook);
        }
        System.exit(flat ? 0 : 1);
    }

    private int positive(String key) {
        try {
            int n = Integer.parseInt(opt.get(key));
            if (n <= 0) {
                throw new IllegalArgumentException("--" + key + ": " + n + " (expected: > 0)");
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + key + ": " + opt.get(key) + " (expected: an integer)", e);
        }
    }

    private boolean run() throws Exception {
        out("# Soak: Figure 2, " + durationM + " min, fault every " + faultIntervalS + " s, " + rate
                + " unary calls/s, " + streams + " streams");
        out("");
        out("started " + now() + "; nproc " + Runtime.getRuntime().availableProcessors() + "; java "
                + System.getProperty("java.version") + "; node JVM options " + nodeJvmOpts + "; work dir " + workDir);
        writeTopology();
        startMesh();
        attachPod();
        Channel routed = startLoad();
        ScheduledExecutorService streamExec = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "soak-streams");
            t.setDaemon(true);
            return t;
        });
        for (int i = 0; i < streams; i++) {
            new LongStream(EchoGrpc.newStub(routed), streamExec).open();
        }
        long startNs = System.nanoTime();
        long nextFaultNs = startNs + TimeUnit.SECONDS.toNanos(faultIntervalS);
        int faultNo = 0;
        String pendingClear = null;
        long clearAtNs = 0;
        for (int minute = 1; minute <= durationM; minute++) {
            long sampleAtNs = startNs + TimeUnit.MINUTES.toNanos(minute);
            while (System.nanoTime() < sampleAtNs) {
                if (pendingClear != null && System.nanoTime() >= clearAtNs) {
                    String[] l = pendingClear.split(" ");
                    cli("link", "clear", "--admin", admin.get(l[0]), "--peer", l[1], "--token-file",
                            workDir.resolve("admin.token").toString());
                    fault(minuteOf(startNs), "cleared " + l[0] + "→" + l[1]);
                    pendingClear = null;
                }
                if (System.nanoTime() >= nextFaultNs) {
                    int m = minuteOf(startNs);
                    switch (faultNo % 3) {
                        case 0 -> killAndRestart(KILLED, m, startNs);
                        case 1 -> stopAndContinue(STOPPED[(faultNo / 3) % STOPPED.length], m);
                        default -> {
                            String[] l = IMPAIRED[(faultNo / 3) % IMPAIRED.length];
                            cli("link", "impair", "--admin", admin.get(l[0]), "--peer", l[1], "--delay-ms", "200",
                                    "--loss-percent", "20", "--token-file", workDir.resolve("admin.token").toString());
                            fault(m, "impaired " + l[0] + "→" + l[1] + " (200 ms, 20% loss) for 10 s");
                            pendingClear = l[0] + " " + l[1];
                            clearAtNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                        }
                    }
                    faultNo++;
                    nextFaultNs += TimeUnit.SECONDS.toNanos(faultIntervalS);
                }
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(200));
            }
            sample(minute, true);
        }
        if (pendingClear != null) {
            String[] l = pendingClear.split(" ");
            cli("link", "clear", "--admin", admin.get(l[0]), "--peer", l[1], "--token-file",
                    workDir.resolve("admin.token").toString());
        }
        loadRunning = false;
        streamExec.shutdownNow();
        progress("load stopped; waiting for outstanding calls and for every flow table to empty");
        long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (outstanding.get() > 0 && System.nanoTime() < deadlineNs) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
        }
        channel.shutdownNow();
        channel.awaitTermination(5, TimeUnit.SECONDS);
        Map<String, Long> flows = new LinkedHashMap<>();
        while (System.nanoTime() < deadlineNs) {
            flows.clear();
            for (String id : admin.keySet()) {
                flows.put(id, metric(id, "dmsc_flows_open"));
            }
            if (flows.values().stream().allMatch(v -> v == 0)) {
                break;
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(500));
        }
        return verdict(flows);
    }

    private static int minuteOf(long startNs) {
        return (int) TimeUnit.NANOSECONDS.toMinutes(System.nanoTime() - startNs);
    }

    // ---- set-up ----

    private void writeTopology() throws IOException {
        String text = Files.readString(examples.resolve("figure2.yaml"));
        Matcher m = ADDR.matcher(text);
        Map<String, Integer> ports = new HashMap<>();
        List<ServerSocket> held = new ArrayList<>();
        StringBuilder sb = new StringBuilder();
        try {
            while (m.find()) {
                int port = ports.computeIfAbsent(m.group(1), k -> {
                    try {
                        ServerSocket s = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
                        held.add(s);
                        return s.getLocalPort();
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                });
                m.appendReplacement(sb, "127.0.0.1:" + port);
            }
        } finally {
            for (ServerSocket s : held) {
                s.close();
            }
        }
        m.appendTail(sb);
        // One process per node cannot share security: auto's ephemeral CA: make the files as an operator would.
        String yaml = sb.toString().replace("security: auto", "security: {ca: ca/ca.crt, certDir: ca}")
                .replace("role: sr,", "role: sr, adminTokenFile: admin.token,")
                // This process's pod and client speak plaintext to the SGs' pod-facing ports (loopback).
                .replace("gateway: {spa:", "gateway: {podTls: plaintext, spa:");
        if (!yaml.contains("certDir: ca") || !yaml.contains("adminTokenFile") || !yaml.contains("podTls")) {
            throw new IllegalStateException("figure2.yaml changed shape: cannot set security and admin tokens");
        }
        for (String sub : new String[] {"spa", "tokens"}) {
            Files.createDirectories(workDir.resolve(sub));
            try (var files = Files.list(examples.resolve(sub))) {
                for (Path f : files.toList()) {
                    Files.copy(f, workDir.resolve(sub).resolve(f.getFileName()));
                }
            }
        }
        byte[] token = new byte[24];
        new SecureRandom().nextBytes(token);
        Path tokenFile = workDir.resolve("admin.token");
        Files.createFile(tokenFile, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(tokenFile, HexFormat.of().formatHex(token) + "\n");
        topology = workDir.resolve("figure2.yaml");
        Files.writeString(topology, yaml);
        Pattern node = Pattern.compile("\\{id: ([a-z0-9-]+), role: (\\w+),[^}]*?listen: ([0-9.:]+)(?:, adminTokenFile: \\S+)?"
                + "(?:, admin: ([0-9.:]+))?(?:, pod: ([0-9.:]+))?");
        Matcher n = node.matcher(yaml);
        while (n.find()) {
            ids.add(n.group(1));
            if (n.group(4) != null) {
                admin.put(n.group(1), n.group(4));
            }
            if (n.group(5) != null) {
                podAddr.put(n.group(1), n.group(5));
            }
        }
        // SPAs' admin ports serve no /metrics of nodes: only SG, SR and SCSC admin ports are read.
        admin.keySet().removeIf(id -> id.startsWith("spa-"));
        if (ids.size() != 12 || admin.size() != 8 || !podAddr.containsKey("sg-1") || !podAddr.containsKey("sg-4")) {
            throw new IllegalStateException("could not read the nodes of " + topology + ": " + ids + " " + admin);
        }
        cli("ca", "init", "--dir", workDir.resolve("ca").toString(), "--mesh", "figure2");
        for (String id : ids) {
            cli("ca", "issue", "--dir", workDir.resolve("ca").toString(), "--node", id);
        }
    }

    private void startMesh() {
        progress("starting " + ids + " from " + cliJar + "; logs in " + workDir);
        for (String id : ids) {
            procs.put(id, MeshProcess.start(javaBin, nodeJvmOpts, cliJar, topology, id, workDir));
            startedAtMinute.put(id, 0);
        }
        long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(300);
        for (String id : admin.keySet()) {
            awaitAdmin(id, deadlineNs);
        }
    }

    private void awaitAdmin(String id, long deadlineNs) {
        while (get(admin.get(id), "/status") == null) {
            MeshProcess p = procs.get(id);
            if (!p.isAlive()) {
                throw new IllegalStateException(id + " exited; log " + p.log() + ":\n" + p.logTail());
            }
            if (System.nanoTime() > deadlineNs) {
                throw new IllegalStateException("timed out waiting for " + id + "'s admin /status; log " + p.log());
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(200));
        }
    }

    private void attachPod() throws IOException {
        String token = Files.readString(workDir.resolve("tokens/pod-4.token")).trim();
        long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
        RuntimeException last = null;
        while (pod == null && System.nanoTime() < deadlineNs) {
            try {
                pod = TestPod.start(podAddr.get("sg-4"), "pod-4", token, List.of(TARGET),
                        new EchoService("soak").definition());
            } catch (RuntimeException e) {
                last = e;
                LockSupport.parkNanos(TimeUnit.SECONDS.toNanos(1));
            }
        }
        if (pod == null) {
            throw new IllegalStateException("pod-4 could not attach to sg-4 in 180 s: " + last, last);
        }
        progress("pod-4 attached to sg-4 under " + TARGET + "; waiting for sg-1's FIB to list it");
        while (!ForwardingLoadHarness.fibLists(get(admin.get("sg-1"), "/status"), TARGET)) {
            if (System.nanoTime() > deadlineNs) {
                throw new IllegalStateException("sg-1's FIB does not list " + TARGET + " after 180 s");
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(200));
        }
    }

    // ---- load ----

    private Channel startLoad() {
        channel = NettyChannelBuilder.forTarget(podAddr.get("sg-1")).usePlaintext().directExecutor().build();
        Metadata md = new Metadata();
        md.put(Metadata.Key.of("dmsc-target", Metadata.ASCII_STRING_MARSHALLER), TARGET);
        Channel routed = ClientInterceptors.intercept(channel, MetadataUtils.newAttachHeadersInterceptor(md));
        EchoGrpc.EchoBlockingStub probe = EchoGrpc.newBlockingStub(routed);
        long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
        while (true) {
            try {
                probe.withDeadlineAfter(5, TimeUnit.SECONDS).unary(EchoRequest.getDefaultInstance());
                break;
            } catch (RuntimeException e) {
                if (System.nanoTime() > deadlineNs) {
                    throw new IllegalStateException("no call got through the mesh in 180 s: " + e, e);
                }
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(300));
            }
        }
        progress("mesh path answers; load starts");
        EchoGrpc.EchoStub stub = EchoGrpc.newStub(routed);
        EchoRequest req = EchoRequest.newBuilder().setPayload(ByteString.copyFrom(new byte[256])).build();
        Thread t = new Thread(() -> {
            double intervalNs = 1e9 / rate;
            long t0 = System.nanoTime();
            for (long i = 0; loadRunning; i++) {
                long at = t0 + (long) (i * intervalNs);
                long now;
                while ((now = System.nanoTime()) < at) {
                    LockSupport.parkNanos(at - now);
                }
                outstanding.incrementAndGet();
                stub.withDeadlineAfter(CALL_DEADLINE_MS, TimeUnit.MILLISECONDS).unary(req, new StreamObserver<>() {
                    @Override
                    public void onNext(EchoReply r) {
                    }

                    @Override
                    public void onError(Throwable e) {
                        Status st = Status.fromThrowable(e);
                        unaryFailed.computeIfAbsent(st.getCode().name(), k -> new AtomicLong()).incrementAndGet();
                        lastFailure.put(st.getCode().name(), String.valueOf(st.getDescription()));
                        outstanding.decrementAndGet();
                    }

                    @Override
                    public void onCompleted() {
                        unaryOk.incrementAndGet();
                        outstanding.decrementAndGet();
                    }
                });
            }
        }, "soak-unary");
        t.setDaemon(true);
        t.start();
        return routed;
    }

    /** A bidi stream that sends one small message every 200 ms and reopens a second after it ends. */
    private final class LongStream {
        private final EchoGrpc.EchoStub stub;
        private final ScheduledExecutorService exec;
        private final EchoRequest msg = EchoRequest.newBuilder().setPayload(ByteString.copyFrom(new byte[64])).build();

        LongStream(EchoGrpc.EchoStub stub, ScheduledExecutorService exec) {
            this.stub = stub;
            this.exec = exec;
        }

        void open() {
            if (!loadRunning) {
                return;
            }
            ClientCallStreamObserver<EchoRequest>[] call = newCallHolder();
            boolean[] ended = new boolean[1];
            stub.bidi(new ClientResponseObserver<EchoRequest, EchoReply>() {
                @Override
                public void beforeStart(ClientCallStreamObserver<EchoRequest> out) {
                    call[0] = out;
                }

                @Override
                public void onNext(EchoReply r) {
                    streamMessages.incrementAndGet();
                }

                @Override
                public void onError(Throwable t) {
                    end(Status.fromThrowable(t).getCode().name());
                }

                @Override
                public void onCompleted() {
                    end("OK");
                }

                private void end(String how) {
                    streamEnds.computeIfAbsent(how, k -> new AtomicLong()).incrementAndGet();
                    exec.execute(() -> ended[0] = true);
                    if (loadRunning) {
                        exec.schedule(LongStream.this::open, 1, TimeUnit.SECONDS);
                    }
                }
            });
            // Sends run on the single scheduler thread, so calls on the stream never overlap.
            exec.schedule(new Runnable() {
                @Override
                public void run() {
                    if (ended[0]) {
                        return;
                    }
                    if (!loadRunning) {
                        call[0].onCompleted();
                        return;
                    }
                    if (call[0].isReady()) {
                        call[0].onNext(msg);
                    }
                    exec.schedule(this, 200, TimeUnit.MILLISECONDS);
                }
            }, 200, TimeUnit.MILLISECONDS);
        }

        @SuppressWarnings("unchecked")
        private ClientCallStreamObserver<EchoRequest>[] newCallHolder() {
            return new ClientCallStreamObserver[1];
        }
    }

    // ---- faults ----

    private void killAndRestart(String id, int minute, long startNs) throws InterruptedException {
        procs.get(id).kill();
        fault(minute, "kill -9 " + id);
        LockSupport.parkNanos(TimeUnit.SECONDS.toNanos(5));
        for (int attempt = 1; ; attempt++) {
            MeshProcess p = MeshProcess.start(javaBin, nodeJvmOpts, cliJar, topology, id, workDir, true);
            procs.put(id, p);
            try {
                awaitAdmin(id, System.nanoTime() + TimeUnit.SECONDS.toNanos(180));
                break;
            } catch (IllegalStateException e) {
                p.kill();
                if (attempt == 5) {
                    throw e;
                }
                progress("restart of " + id + " failed (" + e.getMessage().lines().findFirst().orElse("") + "), again");
                LockSupport.parkNanos(TimeUnit.SECONDS.toNanos(2));
            }
        }
        startedAtMinute.put(id, minuteOf(startNs));
        fault(minute, "restarted " + id + " (pid " + procs.get(id).pid() + ")");
    }

    private void stopAndContinue(String id, int minute) {
        long pid = procs.get(id).pid();
        exec("kill", "-STOP", Long.toString(pid));
        fault(minute, "SIGSTOP " + id);
        LockSupport.parkNanos(TimeUnit.SECONDS.toNanos(5));
        exec("kill", "-CONT", Long.toString(pid));
        fault(minute, "SIGCONT " + id + " after 5 s");
    }

    private void fault(int minute, String what) {
        String line = "min " + minute + ": " + what;
        faultLog.add(line);
        progress(line);
    }

    // ---- sampling ----

    private void sample(int minute, boolean print) {
        Map<String, Sample> row = new LinkedHashMap<>();
        // Four processes at a time: on a loaded machine one jcmd after another takes minutes.
        Map<String, java.util.concurrent.Future<Sample>> pending = new LinkedHashMap<>();
        for (String id : ids) {
            pending.put(id, sampler.submit(() -> sampleOne(id, minute)));
        }
        for (Map.Entry<String, java.util.concurrent.Future<Sample>> e : pending.entrySet()) {
            try {
                row.put(e.getKey(), e.getValue().get());
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(ex);
            } catch (java.util.concurrent.ExecutionException ex) {
                progress("sampling " + e.getKey() + " failed: " + ex.getCause());
                row.put(e.getKey(), new Sample(minute, -1, -1, -1, -1, -1, -1, false));
            }
        }
        samples.add(row);
        long ok = unaryOk.getAndSet(0);
        Map<String, Long> failed = new java.util.TreeMap<>();
        unaryFailed.forEach((k, v) -> {
            long n = v.getAndSet(0);
            if (n > 0) {
                failed.put(k, n);
            }
        });
        long failedSum = failed.values().stream().mapToLong(Long::longValue).sum();
        totalOk += ok;
        totalFailed += failedSum;
        Map<String, Long> ends = new java.util.TreeMap<>();
        streamEnds.forEach((k, v) -> ends.put(k, v.get()));
        String load = String.format(Locale.ROOT, "| %d | %s | %d | %d %s | %d | %d | %s |", minute, now(), ok,
                failedSum, failed.isEmpty() ? "" : failed.toString(), outstanding.get(), streamMessages.getAndSet(0),
                ends.isEmpty() ? "none" : ends.toString());
        loadRows.add(load);
        if (!print) {
            return;
        }
        out("");
        out("## Minute " + minute + " (" + now() + ", load average " + loadAverage() + ")");
        out("");
        out("| minute | time | unary ok | unary failed {code} | outstanding | stream replies | stream ends so far |");
        out("|---:|---|---:|---|---:|---:|---|");
        out(load);
        if (!failed.isEmpty()) {
            out("");
            failed.keySet().forEach(code -> out("- last " + code + ": " + lastFailure.get(code)));
        }
        out("");
        out("| process | RSS MiB | heap after GC MiB | threads | fds | flows open | LSDB bytes |");
        out("|---|---:|---:|---:|---:|---:|---:|");
        row.forEach((id, s) -> out(s.alive
                ? String.format(Locale.ROOT, "| %s | %.1f | %s | %d | %d | %s | %s |", id, s.rssKb / 1024.0,
                        s.heapKb < 0 ? "?" : String.format(Locale.ROOT, "%.1f", s.heapKb / 1024.0), s.threads,
                        s.fds, value(s.flows), value(s.lsdbBytes))
                : "| " + id + " | down | | | | | |"));
    }

    private Sample sampleOne(String id, int minute) {
        MeshProcess p = procs.get(id);
        if (!p.isAlive()) {
            return new Sample(minute, -1, -1, -1, -1, -1, -1, false);
        }
        long pid = p.pid();
        long heap = heapAfterGcKb(pid);
        long fds = fdCount(pid);
        return new Sample(minute, MeshProcess.statusKb(pid, "VmRSS:"), status(pid, "Threads:"), fds, heap,
                admin.containsKey(id) ? metric(id, "dmsc_flows_open") : -1,
                admin.containsKey(id) ? metric(id, "dmsc_lsdb_bytes") : -1, true);
    }

    private static String value(long v) {
        return v == NAN ? "NaN" : v < 0 ? "-" : Long.toString(v);
    }

    private long heapAfterGcKb(long pid) {
        Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        String pidS = Long.toString(pid);
        // One attach for both commands: a full GC, then the heap in use after it.
        Path commands = workDir.resolve("jcmd-gc.txt");
        try {
            if (!Files.exists(commands)) {
                Files.writeString(commands, "GC.run\nGC.heap_info\n");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String info = exec(jcmd.toString(), "-J-XX:TieredStopAtLevel=1", "-J-Xshare:auto", pidS, "-f",
                commands.toString());
        Matcher m = Pattern.compile("heap\\s+total \\d+K, used (\\d+)K").matcher(info);
        return m.find() ? Long.parseLong(m.group(1)) : -1;
    }

    private static long fdCount(long pid) {
        try (var s = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
            return s.count();
        } catch (NoSuchFileException e) {
            return -1;
        } catch (IOException e) {
            return -1;
        }
    }

    private static long status(long pid, String key) {
        try {
            return MeshProcess.statusKb(pid, key);
        } catch (UncheckedIOException e) {
            return -1;
        }
    }

    /** @return the sum of the metric's series in the node's /metrics, -1 when absent or unreadable, {@link #NAN} */
    private long metric(String id, String name) {
        MeshProcess p = procs.get(id);
        if (p == null || !p.isAlive()) {
            return -1;
        }
        String text = get(admin.get(id), "/metrics");
        if (text == null) {
            return -1;
        }
        double sum = 0;
        boolean found = false;
        for (String line : text.split("\n")) {
            if (line.startsWith(name + " ") || line.startsWith(name + "{")) {
                sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
                found = true;
            }
        }
        // A gauge whose state object was collected reads NaN: not a value, and not 0.
        return !found ? -1 : Double.isNaN(sum) ? NAN : Math.round(sum);
    }

    // ---- verdict ----

    private boolean verdict(Map<String, Long> flowsAfter) {
        int baseMinute = durationM >= 8 ? 5 : 1;
        out("");
        out("## Verdict");
        out("");
        out("Baseline: the sample at minute " + baseMinute + " of each process (of its last incarnation if "
                + "restarted); the last 3 samples must be within heap after GC +20% (≥ 5 MiB), RSS +20% (≥ 20 MiB), "
                + "fds and threads +10% (≥ 3), LSDB bytes +10%; flows open 0 on every node within 60 s of the load's end.");
        out("");
        out("Faults: " + faultLog.size() / 2 + " (" + String.join("; ", faultLog) + ")");
        out("");
        out("Unary calls: " + totalOk + " ok, " + totalFailed + " failed. Stream ends by status: " + streamEnds);
        out("");
        out("| process | baseline min | RSS MiB base → last 3 | heap MiB base → last 3 | threads | fds | LSDB bytes | verdict |");
        out("|---|---:|---|---|---|---|---|---|");
        boolean flat = true;
        for (String id : ids) {
            int from = startedAtMinute.get(id);
            int base = from == 0 ? baseMinute : from + (durationM >= 8 ? 5 : 1);
            List<Sample> mine = new ArrayList<>();
            for (Map<String, Sample> row : samples) {
                Sample s = row.get(id);
                if (s.alive && s.minute > from) {
                    mine.add(s);
                }
            }
            Sample b = mine.stream().filter(s -> s.minute >= base).findFirst().orElse(null);
            List<Sample> last = mine.subList(Math.max(0, mine.size() - 3), mine.size());
            if (b == null || last.size() < 3 || last.get(0).minute < b.minute) {
                out("| " + id + " | - | | | | | | n/a: restarted at minute " + from + ", too few samples since |");
                continue;
            }
            List<String> bad = new ArrayList<>();
            check(bad, "RSS", b.rssKb, last, Sample::rssKb, 0.20, 20 * 1024);
            check(bad, "heap", b.heapKb, last, Sample::heapKb, 0.20, 5 * 1024);
            check(bad, "threads", b.threads, last, Sample::threads, 0.10, 3);
            check(bad, "fds", b.fds, last, Sample::fds, 0.10, 3);
            if (b.lsdbBytes >= 0) {
                check(bad, "LSDB", b.lsdbBytes, last, Sample::lsdbBytes, 0.10, 0);
            }
            flat &= bad.isEmpty();
            out(String.format(Locale.ROOT, "| %s | %d | %s | %s | %s | %s | %s | %s |", id, b.minute,
                    series(b, last, Sample::rssKb, 1024.0), series(b, last, Sample::heapKb, 1024.0),
                    series(b, last, Sample::threads, 1), series(b, last, Sample::fds, 1),
                    b.lsdbBytes < 0 ? "-" : series(b, last, Sample::lsdbBytes, 1),
                    bad.isEmpty() ? "flat" : "GROWS: " + String.join(", ", bad)));
        }
        boolean drained = flowsAfter.values().stream().allMatch(v -> v == 0);
        flat &= drained;
        out("");
        out("Flows open after the load stopped: " + flowsAfter + (drained ? " (all 0)" : " (NOT all 0)"));
        out("");
        out("**Verdict: " + (flat ? "flat" : "NOT flat") + "**");
        return flat;
    }

    private static void check(List<String> bad, String what, long base, List<Sample> last,
                              java.util.function.ToLongFunction<Sample> f, double ratio, long minSlack) {
        long limit = base + Math.max(minSlack, (long) Math.ceil(base * ratio));
        for (Sample s : last) {
            if (f.applyAsLong(s) > limit) {
                bad.add(what + " " + f.applyAsLong(s) + " > " + limit + " at minute " + s.minute);
                return;
            }
        }
    }

    private static String series(Sample b, List<Sample> last, java.util.function.ToLongFunction<Sample> f,
                                 double div) {
        StringBuilder sb = new StringBuilder(fmt(f.applyAsLong(b), div)).append(" →");
        for (Sample s : last) {
            sb.append(' ').append(fmt(f.applyAsLong(s), div));
        }
        return sb.toString();
    }

    private static String fmt(long v, double div) {
        return div == 1 ? Long.toString(v) : String.format(Locale.ROOT, "%.1f", v / div);
    }

    // ---- helpers ----

    private String get(String hostPort, String path) {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://" + hostPort + path))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200 ? r.body() : null;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private void cli(String... args) {
        List<String> cmd = new ArrayList<>(List.of(javaBin.toString(), "-XX:TieredStopAtLevel=1", "-cp",
                cliJar.toString(), "io.dmsc.cli.Dmsc"));
        cmd.addAll(List.of(args));
        String outText = exec(cmd.toArray(String[]::new));
        if (outText.startsWith("exit ")) {
            progress("dmsc " + String.join(" ", args) + ": " + outText.trim());
        }
    }

    /** Runs a command (30 s at most); returns its output, prefixed "exit N" when it did not exit 0. */
    private static String exec(String... cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            byte[] bytes;
            try (InputStream in = p.getInputStream()) {
                bytes = in.readAllBytes();
            }
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return "exit timeout\n" + new String(bytes, StandardCharsets.UTF_8);
            }
            String text = new String(bytes, StandardCharsets.UTF_8);
            return p.exitValue() == 0 ? text : "exit " + p.exitValue() + "\n" + text;
        } catch (IOException e) {
            return "exit -1 " + e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "exit interrupted";
        }
    }

    private synchronized void close() {
        loadRunning = false;
        if (channel != null) {
            channel.shutdownNow();
        }
        if (pod != null) {
            pod.close();
            pod = null;
        }
        for (MeshProcess p : procs.values()) {
            if (p.isAlive()) {
                exec("kill", "-CONT", Long.toString(p.pid()));
            }
            p.close();
        }
    }

    private static String now() {
        return ZonedDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss")) + " UTC";
    }

    private static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split(" ");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException e) {
            return "?";
        }
    }

    private static void out(String line) {
        System.out.println(line);
        System.out.flush();
    }

    private static void progress(String line) {
        System.err.println("[soak " + now() + "] " + line);
    }
}
