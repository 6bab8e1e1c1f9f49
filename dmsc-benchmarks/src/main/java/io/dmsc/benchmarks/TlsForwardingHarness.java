package io.dmsc.benchmarks;

import com.google.protobuf.ByteString;
import io.dmsc.node.security.MeshCa;
import io.dmsc.node.security.MeshIdentity;
import io.dmsc.testkit.EchoService;
import io.dmsc.testkit.TestPod;
import io.dmsc.testkit.proto.v1.EchoGrpc;
import io.dmsc.testkit.proto.v1.EchoRequest;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * What TLS links cost at the SR, in separate processes: two meshes sg-a → sr-1 → sg-b, each
 * node its own {@code dmsc run} JVM, one with plaintext links and one with mutual TLS from
 * certificate files made with {@link MeshCa}; one Echo pod per mesh and one client in this JVM.
 * After a warm-up of both, blocks of unary calls alternate in ABBA order; the SR's CPU time
 * (the time on CPU of its threads, from {@code /proc/PID/task/TID/schedstat}, in ns) over each block, divided by its calls, gives the
 * CPU per call at the SR. Latency is per call; callers make one call at a time each, one caller
 * by default (every frame its own TLS record: the worst case for TLS) or several at once.
 *
 * <p>Run: {@code java -cp dmsc-benchmarks/target/benchmarks.jar io.dmsc.benchmarks.TlsForwardingHarness
 * [calls per block, default 3000] [blocks, default 8] [concurrent callers, default 1]}, after
 * {@code mvn -q -B -ntp -pl dmsc-cli -am package -DskipTests} (uses {@code dmsc-cli/target/dmsc.jar}).
 */
public final class TlsForwardingHarness {
    private static final String[] NODES = {"sg-a", "sr-1", "sg-b"};

    private TlsForwardingHarness() {
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** One mesh of three processes, its pod and a client stub into sg-a. */
    private static final class Chain implements AutoCloseable {
        final String name;
        final Map<String, MeshProcess> processes = new LinkedHashMap<>();
        final TestPod pod;
        final ManagedChannel channel;
        final EchoGrpc.EchoBlockingStub stub;
        final LatencySamples latency = new LatencySamples();
        long srCpuNs;
        long calls;

        Chain(String name, Path dir, String security) throws Exception {
            this.name = name;
            int[] p = new int[5];
            for (int i = 0; i < p.length; i++) {
                p[i] = freePort();
            }
            String yaml = "name: " + name + "\nsecurity: " + security + "\nnodes:\n"
                    // The pods' side stays plaintext on loopback in both meshes: only the links differ.
                    + "  - {id: sg-a, role: sg, listen: 127.0.0.1:" + p[0] + ", pod: 127.0.0.1:" + p[3]
                    + ", gateway: {podTls: plaintext}}\n"
                    + "  - {id: sr-1, role: sr, listen: 127.0.0.1:" + p[1] + "}\n"
                    + "  - {id: sg-b, role: sg, listen: 127.0.0.1:" + p[2] + ", pod: 127.0.0.1:" + p[4]
                    + ", gateway: {podTls: plaintext}}\n"
                    + "links:\n  - {a: sg-a, b: sr-1}\n  - {a: sr-1, b: sg-b}\n";
            Path topology = dir.resolve(name + ".yaml");
            Files.writeString(topology, yaml);
            Path java = Path.of(System.getProperty("java.home"), "bin", "java");
            Path jar = Path.of("dmsc-cli/target/dmsc.jar");
            if (!Files.exists(jar)) {
                throw new IllegalStateException(jar + " missing (build it: mvn -q -B -ntp -pl dmsc-cli -am package "
                        + "-DskipTests)");
            }
            Path logs = Files.createDirectories(dir.resolve(name + "-logs"));
            for (String id : NODES) {
                processes.put(id, MeshProcess.start(java, List.of("-Xmx256m"), jar, topology, id, logs));
            }
            String sgB = "127.0.0.1:" + p[4];
            TestPod started = null;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (started == null) {
                try {
                    started = TestPod.start(sgB, "pod-b", "/B", new EchoService("b"));
                } catch (RuntimeException e) {
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException(name + ": sg-b's pod port did not come up; logs in " + logs, e);
                    }
                    Thread.sleep(200);
                }
            }
            pod = started;
            channel = NettyChannelBuilder.forTarget("127.0.0.1:" + p[3]).usePlaintext().directExecutor().build();
            Metadata md = new Metadata();
            md.put(Metadata.Key.of("dmsc-target", Metadata.ASCII_STRING_MARSHALLER), "/B");
            stub = EchoGrpc.newBlockingStub(channel).withInterceptors(MetadataUtils.newAttachHeadersInterceptor(md));
            while (true) {
                try {
                    stub.withDeadlineAfter(2, TimeUnit.SECONDS).unary(request());
                    break;
                } catch (RuntimeException e) {
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException(name + ": no call reached the pod; logs in " + logs, e);
                    }
                    Thread.sleep(200);
                }
            }
        }

        private static EchoRequest request() {
            return EchoRequest.newBuilder().setPayload(ByteString.copyFrom(new byte[1024])).build();
        }

        /** {@code n} calls, by {@code concurrency} callers at once, each one call at a time. */
        void run(int n, int concurrency, boolean record) throws InterruptedException {
            EchoRequest req = request();
            long cpu0 = MeshProcess.cpuNanos(processes.get("sr-1").pid());
            Thread[] callers = new Thread[concurrency];
            for (int c = 0; c < concurrency; c++) {
                int share = n / concurrency + (c < n % concurrency ? 1 : 0);
                callers[c] = new Thread(() -> {
                    for (int i = 0; i < share; i++) {
                        long t0 = System.nanoTime();
                        stub.withDeadlineAfter(5, TimeUnit.SECONDS).unary(req);
                        if (record) {
                            latency.add(System.nanoTime() - t0);
                        }
                    }
                }, name + "-caller-" + c);
                callers[c].start();
            }
            for (Thread t : callers) {
                t.join();
            }
            if (record) {
                srCpuNs += MeshProcess.cpuNanos(processes.get("sr-1").pid()) - cpu0;
                calls += n;
            }
        }

        @Override
        public void close() {
            channel.shutdownNow();
            pod.close();
            for (MeshProcess p : processes.values()) {
                p.close();
            }
        }
    }

    /**
     * @param args calls per block (default 3000), blocks (default 8), concurrent callers (default 1)
     * @throws Exception on failure
     */
    public static void main(String[] args) throws Exception {
        int perBlock = args.length > 0 ? Integer.parseInt(args[0]) : 3000;
        int blocks = args.length > 1 ? Integer.parseInt(args[1]) : 8;
        int concurrency = args.length > 2 ? Integer.parseInt(args[2]) : 1;
        Path dir = Files.createTempDirectory("dmsc-tls-bench");
        MeshCa ca = MeshCa.create("bench", Duration.ofDays(1));
        Path caDir = dir.resolve("ca");
        ca.write(caDir);
        for (String id : NODES) {
            ca.issue(MeshIdentity.node("bench", id), Duration.ofDays(1)).write(caDir, id);
        }
        try (Chain plain = new Chain("plain", dir, "off");
             Chain tls = new Chain("tls", dir, "{ca: ca/ca.crt, certDir: ca}")) {
            for (int i = 0; i < 3; i++) {
                plain.run(perBlock, concurrency, false);
                tls.run(perBlock, concurrency, false);
            }
            for (int b = 0; b < blocks; b++) {
                boolean plainFirst = b % 2 == 0;
                (plainFirst ? plain : tls).run(perBlock, concurrency, true);
                (plainFirst ? tls : plain).run(perBlock, concurrency, true);
            }
            System.out.println("| links | calls | p50 µs | p90 µs | p99 µs | SR CPU per call µs |");
            System.out.println("|---|---:|---:|---:|---:|---:|");
            for (Chain c : List.of(plain, tls)) {
                System.out.printf("| %s | %d | %d | %d | %d | %.1f |%n", c.name, c.calls, c.latency.quantileNs(0.5) / 1000,
                        c.latency.quantileNs(0.9) / 1000, c.latency.quantileNs(0.99) / 1000,
                        c.srCpuNs / 1e3 / c.calls);
            }
            System.out.printf("SR CPU: TLS / plain = %.2f (%d calls per side, %d concurrent callers)%n",
                    (double) tls.srCpuNs / plain.srCpuNs, plain.calls, concurrency);
        }
    }
}
