package io.dmsc.benchmarks;

import io.dmsc.gateway.Gateway;
import io.dmsc.node.DmscNode;
import io.dmsc.node.Mesh;
import io.dmsc.node.config.ConfigLoader;
import io.dmsc.node.config.TopologyConfig;
import io.dmsc.routing.FibEntry;
import io.dmsc.testkit.EchoService;
import io.dmsc.testkit.TestPod;
import io.dmsc.wire.ServicePrefix;
import io.dmsc.wire.proto.attach.v1.GatewayMessage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Time from a pod's Announce to the prefix being in every FIB of Figure 2, over real loopback
 * TCP, SPA round trip included: pod-4 announces a new {@code /A/4/rN} at sg-4, which asks its SPA,
 * advertises the signed grant, and every node verifies it before installing the route. The
 * baseline is the same mesh in authorization mode open without SPAs, in the same JVM; the two
 * alternate in ABBA order after a warm-up of both.
 *
 * <p>Run: {@code java -cp dmsc-benchmarks/target/benchmarks.jar io.dmsc.benchmarks.AnnounceToFibHarness
 * [rounds per mesh, default 200] [topology, default examples/figure2.yaml]}
 */
public final class AnnounceToFibHarness {
    private AnnounceToFibHarness() {
    }

    /** One mesh with pod-4 attached at sg-4, and the time each node first routed the prefix under test. */
    private static final class Subject implements AutoCloseable {
        final String name;
        final Mesh mesh;
        final TestPod pod;
        final Map<String, Long> routedAtNs = new ConcurrentHashMap<>();
        volatile ServicePrefix watched;
        final LatencySamples samples = new LatencySamples();

        Subject(String name, TopologyConfig topology, String token) {
            this.name = name;
            this.mesh = Mesh.start(topology, Mesh.Links.TCP, Gateway.factory());
            for (DmscNode n : mesh.nodes()) {
                n.conductor().addFibListener(fib -> {
                    ServicePrefix p = watched;
                    if (p != null) {
                        FibEntry e = fib.lookup(p + "/x.Y/Z");
                        if (e != null && e.prefix().equals(p)) {
                            routedAtNs.putIfAbsent(n.id(), System.nanoTime());
                        }
                    }
                });
            }
            this.pod = TestPod.start(mesh.node("sg-4").extension(Gateway.class).podAddress(), "pod-4", token,
                    List.of("/B/4"), new EchoService("pod-4").definition());
        }

        /** Announces a new prefix, waits until every node routes it, withdraws it; returns ns. */
        long round(int n) throws InterruptedException {
            ServicePrefix p = ServicePrefix.parse("/A/4/r" + n);
            routedAtNs.clear();
            watched = p;
            int nodes = mesh.nodes().size();
            long t0 = System.nanoTime();
            pod.announce(p.toString());
            GatewayMessage answer = pod.nextAnnounceResult(10, TimeUnit.SECONDS);
            if (answer == null || !answer.getAnnounceResult().getAccepted()) {
                throw new IllegalStateException(name + ": announcement of " + p + " not accepted: " + answer);
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (routedAtNs.size() < nodes) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(name + ": " + p + " routed only at " + routedAtNs.keySet());
                }
                Thread.sleep(1);
            }
            long last = Collections.max(routedAtNs.values());
            watched = null;
            pod.withdraw(p.toString());
            Thread.sleep(30); // let the withdrawal settle before the next round
            return last - t0;
        }

        @Override
        public void close() {
            pod.close();
            mesh.close();
        }
    }

    /**
     * @param args rounds per mesh (default 200), topology file (default examples/figure2.yaml)
     * @throws Exception on failure
     */
    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 200;
        Path file = Path.of(args.length > 1 ? args[1] : "examples/figure2.yaml");
        String text = Files.readString(file).replaceAll("127\\.0\\.0\\.1:\\d+", "127.0.0.1:0");
        TopologyConfig required = ConfigLoader.parseTopology(file.toString(), text);
        String token = Files.readString(file.resolveSibling("tokens/pod-4.token")).trim();
        try (Subject a = new Subject("required (SPA)", required, token);
             Subject b = new Subject("open (no SPA)", required.withoutAuthorization(), "")) {
            // Warm-up: both meshes, JIT of every path.
            for (int i = 0; i < 100; i++) {
                a.round(100_000 + i);
                b.round(100_000 + i);
            }
            int n = 0;
            for (int block = 0; block < rounds / 10; block++) {
                boolean aFirst = block % 2 == 0; // ABBA: A B, B A, A B, ...
                Subject first = aFirst ? a : b;
                Subject second = aFirst ? b : a;
                for (int i = 0; i < 5; i++) {
                    first.samples.add(first.round(n++));
                }
                for (int i = 0; i < 10; i++) {
                    second.samples.add(second.round(n++));
                }
                for (int i = 0; i < 5; i++) {
                    first.samples.add(first.round(n++));
                }
            }
            System.out.println("| mesh | rounds | p50 ms | p90 ms | p99 ms | max ms |");
            System.out.println("|---|---|---|---|---|---|");
            for (Subject s : List.of(a, b)) {
                LatencySamples v = s.samples;
                System.out.printf("| %s | %d | %.1f | %.1f | %.1f | %.1f |%n", s.name, v.count(), v.quantileNs(0.5) / 1e6,
                        v.quantileNs(0.9) / 1e6, v.quantileNs(0.99) / 1e6, v.maxNs() / 1e6);
            }
        }
    }

}
