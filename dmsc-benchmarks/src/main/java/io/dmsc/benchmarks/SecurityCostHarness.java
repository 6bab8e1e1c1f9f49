package io.dmsc.benchmarks;

import com.google.protobuf.ByteString;
import io.dmsc.gateway.Gateway;
import io.dmsc.node.DmscNode;
import io.dmsc.node.Mesh;
import io.dmsc.node.config.ConfigLoader;
import io.dmsc.node.config.TopologyConfig;
import io.dmsc.node.security.LinkTls;
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
import io.netty.buffer.ByteBufAllocator;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLException;

/**
 * What node identity costs, in three parts, each against its baseline in the same run:
 * <ol>
 *   <li>unary gRPC calls through a three-node chain (sg-a, sr-1, sg-b) over loopback TCP, with
 *       TLS links against plaintext links, in ABBA blocks: latency p50/p90 and process CPU per
 *       call (everything in this JVM: client, three nodes, pod);</li>
 *   <li>TLS 1.3 mutual handshakes of fabric links per second on one thread, in memory
 *       (SSLEngine pairs, no sockets);</li>
 *   <li>cold start of a 200-node in-memory mesh with signed LSPs against unsigned, alternating:
 *       time until every node's FIB has every SG's prefix.</li>
 * </ol>
 *
 * <p>Run: {@code java -cp dmsc-benchmarks/target/benchmarks.jar io.dmsc.benchmarks.SecurityCostHarness}
 */
public final class SecurityCostHarness {
    private static final Metadata.Key<String> TARGET = Metadata.Key.of("dmsc-target", Metadata.ASCII_STRING_MARSHALLER);

    private SecurityCostHarness() {
    }

    private static String chain(String security) {
        return "name: chain\nsecurity: " + security + "\ntimers: {helloIntervalMs: 1000, holdTimeMs: 3000}\nnodes:\n"
                + "  - {id: sg-a, role: sg, listen: 127.0.0.1:0, pod: 127.0.0.1:0}\n"
                + "  - {id: sr-1, role: sr, listen: 127.0.0.1:0}\n"
                + "  - {id: sg-b, role: sg, listen: 127.0.0.1:0, pod: 127.0.0.1:0}\n"
                + "links:\n  - {a: sg-a, b: sr-1}\n  - {a: sr-1, b: sg-b}\n";
    }

    /** One chain mesh with an echo pod at sg-b and a client channel into sg-a. */
    private static final class Chain implements AutoCloseable {
        final String name;
        final Mesh mesh;
        final TestPod pod;
        final ManagedChannel channel;
        final EchoGrpc.EchoBlockingStub stub;
        final LatencySamples latency = new LatencySamples();
        long calls;
        long cpuNs;

        Chain(String name, String security) throws InterruptedException {
            this.name = name;
            TopologyConfig t = ConfigLoader.parseTopology(name + ".yaml", chain(security));
            mesh = Mesh.start(t, Mesh.Links.TCP, Gateway.factory());
            pod = TestPod.start(mesh.node("sg-b").extension(Gateway.class).podAddress(), "pod-b", "/B",
                    new EchoService("b"));
            channel = NettyChannelBuilder.forTarget(mesh.node("sg-a").extension(Gateway.class).podAddress())
                    .usePlaintext().build();
            Metadata md = new Metadata();
            md.put(TARGET, "/B");
            stub = EchoGrpc.newBlockingStub(channel).withInterceptors(MetadataUtils.newAttachHeadersInterceptor(md));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (mesh.node("sg-a").fib().lookup("/B/x") == null) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(name + ": no route to /B at sg-a");
                }
                Thread.sleep(20);
            }
        }

        void run(int n, boolean record) {
            EchoRequest req = EchoRequest.newBuilder().setPayload(ByteString.copyFrom(new byte[256])).build();
            long cpu0 = processCpuNs();
            for (int i = 0; i < n; i++) {
                long t0 = System.nanoTime();
                stub.withDeadlineAfter(5, TimeUnit.SECONDS).unary(req);
                if (record) {
                    latency.add(System.nanoTime() - t0);
                }
            }
            if (record) {
                cpuNs += processCpuNs() - cpu0;
                calls += n;
            }
        }

        @Override
        public void close() {
            channel.shutdownNow();
            pod.close();
            mesh.close();
        }
    }

    private static long processCpuNs() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    /**
     * @param args {@code [calls per block, default 2000] [blocks, default 8] [mesh nodes, default 200]}
     * @throws Exception on failure
     */
    public static void main(String[] args) throws Exception {
        int perBlock = args.length > 0 ? Integer.parseInt(args[0]) : 2000;
        int blocks = args.length > 1 ? Integer.parseInt(args[1]) : 8;
        int meshNodes = args.length > 2 ? Integer.parseInt(args[2]) : 200;

        try (Chain plain = new Chain("plain", "off"); Chain tls = new Chain("tls", "auto")) {
            for (int i = 0; i < 3; i++) { // warm-up of both
                plain.run(perBlock, false);
                tls.run(perBlock, false);
            }
            for (int b = 0; b < blocks; b++) { // ABBA
                boolean plainFirst = b % 2 == 0;
                (plainFirst ? plain : tls).run(perBlock, true);
                (plainFirst ? tls : plain).run(perBlock, true);
            }
            System.out.println("| links | calls | p50 µs | p90 µs | p99 µs | CPU per call µs (whole JVM) |");
            System.out.println("|---|---:|---:|---:|---:|---:|");
            for (Chain c : List.of(plain, tls)) {
                System.out.printf("| %s | %d | %d | %d | %d | %.1f |%n", c.name, c.calls, c.latency.quantileNs(0.5) / 1000,
                        c.latency.quantileNs(0.9) / 1000, c.latency.quantileNs(0.99) / 1000, c.cpuNs / 1e3 / c.calls);
            }
        }

        handshakes();
        coldStart(meshNodes);
    }

    /** Mutual TLS handshakes between two node identities, in memory, on this thread. */
    private static void handshakes() throws SSLException {
        MeshCa ca = MeshCa.create("bench", Duration.ofDays(1));
        LinkTls a = new LinkTls(ca.issue(MeshIdentity.node("bench", "a"), Duration.ofHours(1)));
        LinkTls b = new LinkTls(ca.issue(MeshIdentity.node("bench", "b"), Duration.ofHours(1)));
        for (int i = 0; i < 200; i++) {
            handshake(a, b);
        }
        int n = 1000;
        long cpu0 = ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            handshake(a, b);
        }
        double s = (System.nanoTime() - t0) / 1e9;
        double cpuS = (ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime() - cpu0) / 1e9;
        System.out.printf("%n| handshakes | wall s | per second (both ends on one thread) | CPU µs per handshake |%n"
                + "|---:|---:|---:|---:|%n| %d | %.2f | %.0f | %.0f |%n", n, s, n / s, cpuS * 1e6 / n);
    }

    private static void handshake(LinkTls client, LinkTls server) throws SSLException {
        SSLEngine c = client.newHandler(ByteBufAllocator.DEFAULT, true).engine();
        SSLEngine s = server.newHandler(ByteBufAllocator.DEFAULT, false).engine();
        c.beginHandshake();
        s.beginHandshake();
        ByteBuffer cToS = ByteBuffer.allocate(64 * 1024);
        ByteBuffer sToC = ByteBuffer.allocate(64 * 1024);
        ByteBuffer empty = ByteBuffer.allocate(0);
        ByteBuffer sink = ByteBuffer.allocate(64 * 1024);
        for (int round = 0; round < 100 && !(done(c) && done(s)); round++) {
            pump(c, empty, cToS);
            pump(s, empty, sToC);
            cToS.flip();
            while (cToS.hasRemaining() && !done(s)) {
                SSLEngineResult r = s.unwrap(cToS, sink);
                runTasks(s);
                if (r.bytesConsumed() == 0) {
                    break;
                }
            }
            cToS.compact();
            sToC.flip();
            while (sToC.hasRemaining() && !done(c)) {
                SSLEngineResult r = c.unwrap(sToC, sink);
                runTasks(c);
                if (r.bytesConsumed() == 0) {
                    break;
                }
            }
            sToC.compact();
            sink.clear();
        }
        if (!(done(c) && done(s))) {
            throw new IllegalStateException("handshake did not complete: " + c.getHandshakeStatus() + " / "
                    + s.getHandshakeStatus());
        }
    }

    private static boolean done(SSLEngine e) {
        SSLEngineResult.HandshakeStatus h = e.getHandshakeStatus();
        return h == SSLEngineResult.HandshakeStatus.NOT_HANDSHAKING || h == SSLEngineResult.HandshakeStatus.FINISHED;
    }

    private static void pump(SSLEngine e, ByteBuffer src, ByteBuffer dst) throws SSLException {
        // One wrap even when the engine does not ask for it: BoringSSL's engine may report
        // NOT_HANDSHAKING while its last flight (Finished) still waits to be wrapped.
        do {
            SSLEngineResult r = e.wrap(src, dst);
            runTasks(e);
            if (r.bytesProduced() == 0 && e.getHandshakeStatus() != SSLEngineResult.HandshakeStatus.NEED_WRAP) {
                break;
            }
        } while (true);
    }

    private static void runTasks(SSLEngine e) {
        Runnable t;
        while ((t = e.getDelegatedTask()) != null) {
            t.run();
        }
    }

    private static String mesh(int nodes, boolean signed) {
        RandomSparseGraph g = RandomSparseGraph.generate(nodes, 4, 5, 42);
        StringBuilder y = new StringBuilder("name: cold\nsecurity: ").append(signed ? "auto" : "off")
                .append("\ntimers: {helloIntervalMs: 2000, holdTimeMs: 10000, retransmitIntervalMs: 30000}\nnodes:\n");
        for (int i = 0; i < nodes; i++) {
            boolean sg = i % 5 == 0;
            y.append("  - {id: ").append(g.id(i)).append(", role: ").append(sg ? "sg" : "sr")
                    .append(", listen: 127.0.0.1:0").append(sg ? ", prefixes: [/cold/" + g.id(i) + "]" : "")
                    .append("}\n");
        }
        y.append("links:\n");
        for (RandomSparseGraph.Link l : g.links()) {
            y.append("  - {a: ").append(g.id(l.a())).append(", b: ").append(g.id(l.b())).append(", metric: ")
                    .append(l.metric()).append("}\n");
        }
        return y.toString();
    }

    /** Cold start of an in-memory mesh, signed against unsigned, alternating (A B B A). */
    private static void coldStart(int nodes) throws InterruptedException {
        int sgs = (nodes + 4) / 5;
        LatencySamples signed = new LatencySamples();
        LatencySamples unsigned = new LatencySamples();
        List<String> each = new ArrayList<>();
        boolean[] order = {false, true, true, false, false, true};
        coldRun(nodes, sgs, false); // warm-up
        coldRun(nodes, sgs, true);
        for (boolean s : order) {
            long ns = coldRun(nodes, sgs, s);
            (s ? signed : unsigned).add(ns);
            each.add((s ? "signed " : "unsigned ") + ns / 1_000_000 + " ms");
        }
        System.out.printf("%n| %d-node in-memory mesh, cold start to every FIB complete | runs | median ms | each ms |%n"
                + "|---|---:|---:|---|%n", nodes);
        System.out.printf("| unsigned LSPs | %d | %d | %s |%n", unsigned.count(), unsigned.quantileNs(0.5) / 1_000_000,
                each.stream().filter(e -> e.startsWith("unsigned")).toList());
        System.out.printf("| signed LSPs (Ed25519, verified at every node) | %d | %d | %s |%n", signed.count(),
                signed.quantileNs(0.5) / 1_000_000, each.stream().filter(e -> e.startsWith("signed")).toList());
    }

    /** @return nanoseconds until every FIB was complete */
    private static long coldRun(int nodes, int sgs, boolean signed) throws InterruptedException {
        TopologyConfig t = ConfigLoader.parseTopology("cold.yaml", mesh(nodes, signed));
        long t0 = System.nanoTime();
        try (Mesh m = Mesh.start(t, Mesh.Links.IN_MEMORY)) {
            long deadline = t0 + TimeUnit.SECONDS.toNanos(180);
            long nextReport = t0 + TimeUnit.SECONDS.toNanos(10);
            while (true) {
                boolean complete = true;
                int fewest = Integer.MAX_VALUE;
                for (DmscNode n : m.nodes()) {
                    // Every node reaches every SG's prefix (one per SG) and every node prefix.
                    fewest = Math.min(fewest, n.fib().size());
                    if (n.fib().size() < nodes + sgs) {
                        complete = false;
                    }
                }
                if (System.nanoTime() > nextReport) {
                    System.err.printf("cold start (%s): %.0f s, smallest FIB %d of %d%n", signed ? "signed" : "unsigned",
                            (System.nanoTime() - t0) / 1e9, fewest, nodes + sgs);
                    nextReport += TimeUnit.SECONDS.toNanos(10);
                }
                if (complete) {
                    return System.nanoTime() - t0;
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("cold start of " + nodes + " nodes did not complete in 180 s");
                }
                Thread.sleep(50);
            }
        }
    }
}
