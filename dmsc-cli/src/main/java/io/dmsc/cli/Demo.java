package io.dmsc.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dmsc.cli.demo.v1.GetReply;
import io.dmsc.cli.demo.v1.GetRequest;
import io.dmsc.cli.demo.v1.ServiceAGrpc;
import io.dmsc.cli.demo.v1.ServiceBGrpc;
import io.dmsc.gateway.Gateway;
import io.dmsc.node.DmscNode;
import io.dmsc.node.Mesh;
import io.dmsc.node.NodeStatus;
import io.dmsc.node.config.ConfigLoader;
import io.dmsc.node.config.NodeConfig;
import io.dmsc.node.config.TopologyConfig;
import io.dmsc.node.link.HostPort;
import io.dmsc.node.link.LinkImpairment;
import io.dmsc.node.policy.ForwardingPolicy;
import io.dmsc.routing.FibEntry;
import io.dmsc.sdk.AnnounceRejectedException;
import io.dmsc.sdk.DmscMesh;
import io.dmsc.spa.TokenHash;
import io.dmsc.wire.ServicePrefix;
import io.dmsc.wire.auth.SpaKeys;
import io.dmsc.wire.proto.attach.v1.AnnounceResult;
import io.dmsc.wire.proto.gateway.v1.DiagnosticsGrpc;
import io.dmsc.wire.proto.gateway.v1.ProbeOutcome;
import io.dmsc.wire.proto.gateway.v1.TraceHop;
import io.dmsc.wire.proto.gateway.v1.TraceRequest;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * The draft's Figure 2, end to end, in one JVM: four SPAs, four SGs, three SRs and the SCSC as
 * real nodes over loopback TCP with mutual TLS, four pods attached through the SDK, and seven
 * steps that each check what they claim (the four signal types, a call by name through a
 * generated stub, steering by the SCSC, a router stopped under traffic, a summary). Used by
 * {@code dmsc demo}; one instance runs once. Not thread-safe.
 */
final class Demo implements AutoCloseable {
    /** The outcome of one step. */
    record Step(int number, String title, boolean passed, String detail) {
    }

    /** What a step found wrong; ends the demo. */
    static final class StepFailed extends Exception {
        private static final long serialVersionUID = 1L;

        StepFailed(String message) {
            super(message);
        }
    }

    static final List<String> TITLES = List.of(
            "signal type 1: pods announce their prefixes to their SGs",
            "signal type 3: the SGs authenticate the prefixes with their SPAs",
            "signal type 2: LSPs flood, every node converges",
            "A/1 invokes B/4 through a generated gRPC stub",
            "signal type 4: telemetry, an impaired path, an SCSC policy",
            "an SR stops under traffic",
            "summary");

    private static final ServicePrefix ANYCAST_B = ServicePrefix.parse("/B");
    /** What the pods serve, by pod: the prefixes the policy of this run lets them own. */
    private static final Map<String, List<String>> SERVED = new LinkedHashMap<>();
    /** What each pod may own (the SPA policy of this run). */
    static final Map<String, String> OWNS = Map.of("pod-1", "[/A/1/**, /B/1/**]", "pod-2", "[/B, /B/2/**]",
            "pod-3", "[/B/3/**]", "pod-4", "[/A/4/**, /B/4/**, /B]");

    static {
        SERVED.put("pod-1", List.of("/A/1", "/B/1"));
        SERVED.put("pod-2", List.of("/B"));
        SERVED.put("pod-3", List.of("/B/3"));
        SERVED.put("pod-4", List.of("/A/4", "/B/4", "/B"));
    }

    /** The prefix pod-3 tries to claim without owning it. */
    private static final String BAD_CLAIM = "/B/4";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final PrintStream out;
    private final Map<String, String> owns;
    private final List<Step> steps = new ArrayList<>();
    private final Map<String, String> tokens = new LinkedHashMap<>();
    private final Map<String, DmscMesh> pods = new LinkedHashMap<>();
    private final Map<String, Long> measuredMs = new LinkedHashMap<>();
    private Path dir;
    private TopologyConfig topology;
    private Mesh mesh;
    private Traffic toB4;
    private Traffic toB;
    private String stoppedSr;
    private long lastGrantNs;

    /** @param out where the narration goes (a discarding stream for {@code --quiet}) */
    Demo(PrintStream out) {
        this(out, OWNS);
    }

    /**
     * @param out  where the narration goes
     * @param owns the SPA policy: what each of pod-1..pod-4 may own (tests give a wrong one)
     */
    Demo(PrintStream out, Map<String, String> owns) {
        this.out = out;
        this.owns = Map.copyOf(owns);
    }

    /** @return the step results so far */
    List<Step> steps() {
        return List.copyOf(steps);
    }

    /** @return the running mesh (after {@link #run}) */
    Mesh mesh() {
        return mesh;
    }

    /** @return the folder holding this run's topology, policy, key and admin token */
    Path dir() {
        return dir;
    }

    /** @return the times this run measured, in milliseconds, by what they measure */
    Map<String, Long> measuredMs() {
        return Map.copyOf(measuredMs);
    }

    /**
     * Starts the mesh and runs the seven steps; stops at the first step that fails.
     *
     * @return true when every step held
     */
    boolean run() {
        List<Check> checks = List.of(this::announce, this::authenticate, this::converge, this::invoke,
                this::steer, this::stopRouter);
        try {
            start();
        } catch (RuntimeException | IOException e) {
            steps.add(new Step(0, "start Figure 2", false, String.valueOf(e.getMessage())));
            return false;
        }
        for (int i = 0; i < checks.size(); i++) {
            int number = i + 1;
            out.printf("%n[%d/7] %s%n", number, TITLES.get(i));
            try {
                String detail = checks.get(i).run();
                steps.add(new Step(number, TITLES.get(i), true, detail));
                out.println("      ok: " + detail);
            } catch (StepFailed | RuntimeException e) {
                String why = e instanceof StepFailed ? e.getMessage() : e.toString();
                steps.add(new Step(number, TITLES.get(i), false, why));
                out.println("      FAILED: " + why);
                stopTraffic();
                return false;
            }
        }
        stopTraffic();
        long calls = toB4.calls() + toB.calls();
        long failed = toB4.failures().size() + toB.failures().size();
        String detail = calls + " calls, " + failed + " failed";
        boolean ok = failed == 0 && calls > 0;
        steps.add(new Step(7, TITLES.get(6), ok, ok ? detail : detail + " (expected: 0 failed): "
                + firstFailures()));
        return ok;
    }

    /** One step: returns what it established, or throws what it found wrong. */
    @FunctionalInterface
    private interface Check {
        String run() throws StepFailed;
    }

    // ---- start ----------------------------------------------------------------------------

    private void start() throws IOException {
        dir = Files.createTempDirectory("dmsc-demo-");
        Files.createDirectories(dir.resolve("spa"));
        KeyPair key = SpaKeys.generate();
        Files.writeString(dir.resolve("spa/signing.key"), SpaKeys.privatePem(key), StandardCharsets.US_ASCII);
        Files.writeString(dir.resolve("spa/signing.key.pub"), SpaKeys.publicPem(key.getPublic()),
                StandardCharsets.US_ASCII);
        StringBuilder policy = new StringBuilder("# SPA policy of this demo run: who may own which prefixes.\n"
                + "identities:\n");
        for (Map.Entry<String, String> e : new TreeMap<>(owns).entrySet()) {
            String token = TokenHash.newToken();
            tokens.put(e.getKey(), token);
            policy.append("  - {id: ").append(e.getKey()).append(", tokenHash: \"").append(TokenHash.hash(token))
                    .append("\", prefixes: ").append(e.getValue()).append("}\n");
        }
        Files.writeString(dir.resolve("spa/policy.yaml"), policy);
        Path file = dir.resolve("figure2.yaml");
        try (InputStream in = Demo.class.getResourceAsStream("/demo/figure2.yaml")) {
            if (in == null) {
                throw new IOException("the demo topology /demo/figure2.yaml is missing from the jar");
            }
            Files.write(file, in.readAllBytes());
        }
        topology = UpCommand.withAdminToken(ConfigLoader.loadTopology(file), dir.resolve("admin.token"));
        out.println("Figure 2 of draft-li-dmsc-architecture, in this JVM over loopback TCP:");
        out.println("  4 SPAs, SG-1..SG-4, SR-1..SR-3 and the SCSC; mutual TLS on every link with a mesh CA made "
                + "for this run;");
        out.println("  an SPA signing key and pod tokens made for this run (" + dir + ")");
        long t = System.nanoTime();
        mesh = Mesh.start(topology, Mesh.Links.TCP, Gateway.factory());
        Set<String> origins = topology.nodes().stream().map(NodeConfig::id).collect(Collectors.toSet());
        long converged = waitFor(15_000, () -> lsdbSynchronized(origins) ? "" : null);
        if (converged < 0) {
            throw new IllegalStateException("the fabric did not converge within 15 s: " + lsdbDifferences(origins));
        }
        measuredMs.put("fabric converged after start", ms(converged - t));
        out.printf("  %d nodes and %d links up; every LSDB holds the same %d LSPs %d ms after the nodes "
                + "started%n", topology.nodes().size(), topology.links().size(), origins.size(),
                measuredMs.get("fabric converged after start"));
    }

    // ---- step 1 ---------------------------------------------------------------------------

    private final Map<String, List<CompletableFuture<AnnounceResult>>> announced = new LinkedHashMap<>();
    private CompletableFuture<AnnounceResult> badClaim;

    private String announce() throws StepFailed {
        int sg = 1;
        for (Map.Entry<String, List<String>> e : SERVED.entrySet()) {
            String pod = e.getKey();
            String gateway = gateway("sg-" + sg).podAddress();
            DmscMesh m = DmscMesh.builder().gateway(gateway).podId(pod).credential(tokens.get(pod))
                    .registerDefaultGateway(false).build();
            pods.put(pod, m);
            try {
                m.connect();
            } catch (RuntimeException ex) {
                throw new StepFailed(pod + " could not attach to sg-" + sg + " at " + gateway + ": " + ex.getMessage());
            }
            String instance = "at " + pod;
            List<CompletableFuture<AnnounceResult>> futures = new ArrayList<>();
            boolean servesB = false;
            for (String prefix : e.getValue()) {
                if (prefix.startsWith("/A/")) {
                    futures.add(m.serve(prefix, new ServiceA("A" + prefix.substring(2) + " " + instance)));
                } else if (!servesB) {
                    futures.add(m.serve(prefix, new ServiceB("B " + instance)));
                    servesB = true;
                } else {
                    // One service B per pod: a second prefix (pod-4's /B) announces the same server.
                    futures.add(m.announce(prefix, m.localEndpoint()));
                }
            }
            if (pod.equals("pod-3")) {
                badClaim = m.announce(BAD_CLAIM, m.localEndpoint());
            }
            announced.put(pod, futures);
            out.printf("      %s -> sg-%d  Hello, Announce %s%s%n", pod, sg, String.join(", ", e.getValue()),
                    pod.equals("pod-3") ? " and " + BAD_CLAIM + " (which it does not own)" : "");
            sg++;
        }
        // Every SG holds its pod's announcements (waiting for the SPA, or already authorized).
        long seen = waitFor(10_000, () -> {
            for (int i = 1; i <= 4; i++) {
                if (gateway("sg-" + i).registry().pods().isEmpty()) {
                    return null;
                }
            }
            return "";
        });
        if (seen < 0) {
            throw new StepFailed("not every SG lists its pod after 10 s");
        }
        int prefixes = SERVED.values().stream().mapToInt(List::size).sum() + 1;
        return "4 pods attached (attach stream, Hello/Welcome), " + prefixes + " announcements received by their SGs";
    }

    // ---- step 2 ---------------------------------------------------------------------------

    private String authenticate() throws StepFailed {
        int granted = 0;
        for (Map.Entry<String, List<CompletableFuture<AnnounceResult>>> e : announced.entrySet()) {
            for (CompletableFuture<AnnounceResult> f : e.getValue()) {
                AnnounceResult r;
                try {
                    r = f.get(10, TimeUnit.SECONDS);
                } catch (ExecutionException ex) {
                    throw new StepFailed(e.getKey() + ": " + ex.getCause().getMessage());
                } catch (TimeoutException | InterruptedException ex) {
                    throw new StepFailed(e.getKey() + ": no answer to an announcement within 10 s");
                }
                if (r.getAuthorizedUntilMs() == 0) {
                    throw new StepFailed(e.getKey() + " " + r.getPrefix() + " was accepted without an SPA grant");
                }
                granted++;
                lastGrantNs = System.nanoTime();
                long validS = (r.getAuthorizedUntilMs() - System.currentTimeMillis()) / 1000;
                out.printf("      %-5s %-5s granted: signed by the SPA, valid %d s%n", e.getKey(), r.getPrefix(),
                        validS);
            }
        }
        String reason;
        try {
            badClaim.get(10, TimeUnit.SECONDS);
            throw new StepFailed("pod-3's claim of " + BAD_CLAIM + " was accepted (expected: rejected, pod-3 owns "
                    + owns.get("pod-3") + ")");
        } catch (ExecutionException ex) {
            if (!(ex.getCause() instanceof AnnounceRejectedException rejected)) {
                throw new StepFailed("pod-3's claim of " + BAD_CLAIM + " failed otherwise: " + ex.getCause());
            }
            reason = rejected.reason() + ": " + rejected.gatewayMessage();
        } catch (TimeoutException | InterruptedException ex) {
            throw new StepFailed("no answer to pod-3's claim of " + BAD_CLAIM + " within 10 s");
        }
        out.printf("      pod-3 %-5s REJECTED: %s%n", BAD_CLAIM, reason);
        return granted + " prefixes granted, pod-3's claim of " + BAD_CLAIM + " rejected with its reason";
    }

    // ---- step 3 ---------------------------------------------------------------------------

    private String converge() throws StepFailed {
        Set<ServicePrefix> expected = new TreeSet<>();
        SERVED.values().forEach(l -> l.forEach(p -> expected.add(ServicePrefix.parse(p))));
        long done = waitFor(15_000, () -> {
            for (DmscNode n : mesh.nodes()) {
                for (ServicePrefix p : expected) {
                    if (n.fib().get(p) == null) {
                        return null;
                    }
                }
            }
            return mesh.node("sg-1").fib().egress(ANYCAST_B).equals(List.of("sg-2", "sg-4")) ? "" : null;
        });
        if (done < 0) {
            throw new StepFailed("after 15 s not every node routes " + expected + missingRoutes(expected));
        }
        measuredMs.put("pods' prefixes in every FIB after the last grant", ms(Math.max(0, done - lastGrantNs)));
        Set<String> origins = topology.nodes().stream().map(NodeConfig::id).collect(Collectors.toSet());
        if (waitFor(5_000, () -> lsdbSynchronized(origins) ? "" : null) < 0) {
            throw new StepFailed("LSDBs differ: " + lsdbDifferences(origins));
        }
        // Every node installed sg-4's /B/4 with pod-4's grant, and nobody has pod-3's claim.
        NodeStatus sg1 = status("sg-1");
        NodeStatus.Prefix b4 = sg1.prefixes().stream().filter(p -> p.prefix().equals("/B/4"))
                .findFirst().orElse(null);
        if (b4 == null || !b4.state().equals("installed") || !b4.owner().equals("pod-4") || !b4.origin().equals("sg-4")) {
            throw new StepFailed("sg-1 should hold /B/4 from sg-4 owned by pod-4 and installed, has " + b4);
        }
        if (sg1.prefixes().stream().anyMatch(p -> p.prefix().equals(BAD_CLAIM) && p.origin().equals("sg-3"))) {
            throw new StepFailed("sg-1 holds pod-3's rejected claim of " + BAD_CLAIM);
        }
        String fib;
        try {
            fib = ShowCommand.render(ShowCommand.What.fib, adminStatus("sg-1"));
        } catch (IOException | InterruptedException e) {
            throw new StepFailed("sg-1's admin HTTP: " + e.getMessage());
        }
        out.println("      $ ./dmsc show fib --admin " + mesh.node("sg-1").adminAddress());
        fib.lines().forEach(l -> out.println("      " + l));
        return String.format("%d identical LSDBs (each LSP signed by its origin, each grant checked), the pods' "
                + "prefixes in every FIB %d ms after the last grant", mesh.nodes().size(),
                measuredMs.get("pods' prefixes in every FIB after the last grant"));
    }

    // ---- step 4 ---------------------------------------------------------------------------

    private String invoke() throws StepFailed {
        DmscMesh a1 = pods.get("pod-1");
        ServiceBGrpc.ServiceBBlockingStub b4 = ServiceBGrpc.newBlockingStub(a1.channel("/B/4"));
        out.println("      A/1:  ServiceBGrpc.newBlockingStub(mesh.channel(\"/B/4\")).get(request)");
        long t = System.nanoTime();
        GetReply first;
        try {
            first = b4.withDeadlineAfter(10, TimeUnit.SECONDS).get(request(0));
        } catch (StatusRuntimeException e) {
            throw new StepFailed("A/1 -> /B/4 failed: " + e.getStatus());
        }
        long firstNs = System.nanoTime() - t;
        if (!first.getServedBy().equals("B at pod-4")) {
            throw new StepFailed("/B/4 was answered by '" + first.getServedBy() + "' (expected: B at pod-4)");
        }
        long[] rtt = new long[200];
        for (int i = 0; i < rtt.length; i++) {
            long s = System.nanoTime();
            try {
                b4.withDeadlineAfter(10, TimeUnit.SECONDS).get(request(i + 1));
            } catch (StatusRuntimeException e) {
                throw new StepFailed("A/1 -> /B/4 call " + (i + 2) + " failed: " + e.getStatus());
            }
            rtt[i] = System.nanoTime() - s;
        }
        java.util.Arrays.sort(rtt);
        out.printf("      answered by \"%s\": first call %.1f ms (connections and JIT warming up), then "
                + "median %.2f ms over %d calls%n", first.getServedBy(), firstNs / 1e6, rtt[rtt.length / 2] / 1e6,
                rtt.length);
        // Five traces; each hop's RTT is the median of its five probes (one probe is noisy).
        List<List<TraceHop>> traces = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            traces.add(trace("/B/4"));
        }
        List<TraceHop> hops = traces.get(traces.size() - 1);
        Table t4 = new Table("Hop", "Node", "RTT from sg-1", "This hop");
        double previous = 0;
        List<String> path = new ArrayList<>();
        for (TraceHop h : hops) {
            path.add(h.getNode());
            if (h.getHop() == 0) {
                t4.row(0, h.getNode(), "-", "ingress SG (A/1's gateway)");
                continue;
            }
            double ms = medianRttMs(traces, h.getHop());
            t4.row(h.getHop(), h.getNode().isEmpty() ? "*" : h.getNode(), String.format("%.3f ms", ms),
                    String.format("%+.3f ms%s", ms - previous,
                            h.getOutcome() == ProbeOutcome.ECHO_REPLY ? "  owner of /B/4" : ""));
            previous = ms;
        }
        out.println("      the path, hop by hop (median of 5 runs of ./dmsc trace /B/4 --gateway " + gateway("sg-1").podAddress() + "):");
        t4.render().lines().forEach(l -> out.println("      " + l));
        TraceHop last = hops.isEmpty() ? null : hops.get(hops.size() - 1);
        if (last == null || last.getOutcome() != ProbeOutcome.ECHO_REPLY || path.size() != 4
                || !path.get(0).equals("sg-1") || !path.get(1).equals("sr-1")
                || !Set.of("sr-2", "sr-3").contains(path.get(2)) || !path.get(3).equals("sg-4")) {
            throw new StepFailed("the path to /B/4 is " + path + " (expected: sg-1, sr-1, sr-2 or sr-3, sg-4)");
        }
        toB4 = new Traffic("A/1 -> /B/4", ServiceBGrpc.newBlockingStub(a1.channel("/B/4")));
        toB = new Traffic("A/1 -> /B", ServiceBGrpc.newBlockingStub(a1.channel("/B")));
        return "B/4 answered through " + String.join(" > ", path) + "; calls to /B/4 and to /B now run in the "
                + "background until the summary";
    }

    private static double medianRttMs(List<List<TraceHop>> traces, int hop) {
        double[] rtt = traces.stream().flatMap(List::stream).filter(h -> h.getHop() == hop)
                .mapToDouble(h -> h.getRttNs() / 1e6).sorted().toArray();
        return rtt.length == 0 ? 0 : rtt[rtt.length / 2];
    }

    private List<TraceHop> trace(String name) throws StepFailed {
        ManagedChannel ch = NettyChannelBuilder.forTarget(gateway("sg-1").podAddress()).usePlaintext().build();
        try {
            List<TraceHop> hops = new ArrayList<>();
            Iterator<TraceHop> it = DiagnosticsGrpc.newBlockingStub(ch).withDeadlineAfter(20, TimeUnit.SECONDS)
                    .trace(TraceRequest.newBuilder().setName(name).setMaxHops(8).setTimeoutMs(2000).build());
            it.forEachRemaining(hops::add);
            return hops;
        } catch (StatusRuntimeException e) {
            throw new StepFailed("trace " + name + " from sg-1 failed: " + e.getStatus());
        } finally {
            ch.shutdownNow();
        }
    }

    // ---- step 5 ---------------------------------------------------------------------------

    private String steer() throws StepFailed {
        // Telemetry: every SG and SR reports to the SCSC.
        Set<String> reporters = topology.nodes().stream().filter(n -> n.scheduler() == null)
                .map(NodeConfig::id).collect(Collectors.toCollection(TreeSet::new));
        long reporting = waitFor(10_000, () -> {
            JsonNode scsc = scscStatus();
            Set<String> fresh = new TreeSet<>();
            for (JsonNode n : scsc.path("scsc").path("nodes")) {
                if (n.path("connected").asBoolean() && n.path("lastReportMsAgo").asLong() < 3 * reportIntervalMs()) {
                    fresh.add(n.path("node").asText());
                }
            }
            return fresh.containsAll(reporters) ? "" : null;
        });
        if (reporting < 0) {
            throw new StepFailed("not every SG and SR reports to the SCSC: " + scscStatus().path("scsc").path("nodes"));
        }
        out.printf("      every SG and SR (%d nodes) reports to the SCSC every %d ms: delay, jitter and loss of "
                + "the paths it measures, rate and RTT of each link%n", reporters.size(), reportIntervalMs());
        for (JsonNode n : scscStatus().path("scsc").path("nodes")) {
            if (n.path("node").asText().equals("sg-1")) {
                List<String> paths = new ArrayList<>();
                for (JsonNode p : n.path("paths")) {
                    paths.add(p.path("egress").asText() + " " + p.path("delayMs").asDouble() + " ms");
                }
                out.println("      sg-1 measures the delay to its egresses: " + String.join(", ", paths));
            }
        }
        if (!mesh.node("sg-1").policies().policies().isEmpty()) {
            throw new StepFailed("sg-1 holds a policy before any path was impaired: "
                    + mesh.node("sg-1").policies().policies());
        }
        long before = System.nanoTime();
        if (waitFor(10_000, () -> toB.servedSince(before).values().stream().mapToInt(Integer::intValue).sum() >= 200
                ? "" : null) < 0) {
            throw new StepFailed("fewer than 200 calls to /B in 10 s: " + toB.servedSince(before));
        }
        Map<String, Integer> spread = toB.servedSince(before);
        if (spread.getOrDefault("B at pod-2", 0) == 0 || spread.getOrDefault("B at pod-4", 0) == 0) {
            throw new StepFailed("before the impairment both replicas of /B should serve, served: " + spread);
        }
        out.println("      $ ./dmsc link impair --admin " + mesh.node("sr-2").adminAddress()
                + " --peer sg-2 --delay-ms 80     (sr-2 delays what it sends to sg-2)");
        long impairedNs = System.nanoTime();
        mesh.impair("sr-2", "sg-2", LinkImpairment.delay(80));
        ForwardingPolicy[] policy = new ForwardingPolicy[1];
        long installed = waitFor(15_000, () -> {
            List<ForwardingPolicy> p = mesh.node("sg-1").policies().policies();
            policy[0] = p.stream().filter(x -> x.prefix().equals(ANYCAST_B)).findFirst().orElse(null);
            return policy[0] == null ? null : "";
        });
        if (installed < 0) {
            throw new StepFailed("no policy for /B at sg-1 within 15 s of the impairment");
        }
        ForwardingPolicy p = policy[0];
        measuredMs.put("steering: impairment to policy at sg-1", ms(installed - impairedNs));
        if (!p.egress().equals("sg-4")) {
            throw new StepFailed("the policy sends /B to " + p.egress() + " (expected: sg-4, away from the delay)");
        }
        out.printf("      SCSC -> sg-1 and %s: policy %d for /B: egress %s, path sg-1 > %s (%s), %d ms after the "
                + "impairment%n", String.join(", ", p.path().subList(0, p.path().size() - 1)), p.id(), p.egress(),
                String.join(" > ", p.path()), p.reason(), measuredMs.get("steering: impairment to policy at sg-1"));
        long steered = System.nanoTime();
        if (waitFor(10_000, () -> toB.servedSince(steered).values().stream().mapToInt(Integer::intValue).sum() >= 200
                ? "" : null) < 0) {
            throw new StepFailed("fewer than 200 calls to /B in the 10 s after the policy: " + toB.servedSince(steered));
        }
        Map<String, Integer> after = toB.servedSince(steered);
        int total = after.values().stream().mapToInt(Integer::intValue).sum();
        Table t = new Table("Replica of /B", "Before the impairment", "After the policy");
        for (String replica : new TreeSet<>(List.of("B at pod-2", "B at pod-4"))) {
            t.row(replica, spread.getOrDefault(replica, 0), after.getOrDefault(replica, 0));
        }
        t.render().lines().forEach(l -> out.println("      " + l));
        if (after.getOrDefault("B at pod-4", 0) < total * 95 / 100) {
            throw new StepFailed("after the policy " + after + " (expected: at least 95% at B at pod-4)");
        }
        stoppedSr = p.path().size() > 2 && p.path().get(1).startsWith("sr-") ? p.path().get(1) : "sr-3";
        return String.format("calls to /B moved to B at pod-4 (%d of %d) %d ms after sr-2's link to sg-2 was delayed",
                after.getOrDefault("B at pod-4", 0), total, measuredMs.get("steering: impairment to policy at sg-1"));
    }

    private long reportIntervalMs() {
        return topology.nodes().stream().filter(n -> n.scheduler() != null).findFirst()
                .map(n -> n.scheduler().reportIntervalMs()).orElse(1000L);
    }

    // ---- step 6 ---------------------------------------------------------------------------

    private String stopRouter() throws StepFailed {
        String sr = stoppedSr;
        long callsBefore = toB4.calls() + toB.calls();
        out.println("      stop " + sr + " (it carries the steered calls to /B and some of those to /B/4): its "
                + "process ends, its links close");
        long t = System.nanoTime();
        mesh.kill(sr);
        long reconverged = waitFor(15_000, () -> {
            for (DmscNode n : mesh.nodes()) {
                for (FibEntry e : n.fib().entries()) {
                    if (e.nextHops().contains(sr)) {
                        return null;
                    }
                }
            }
            DmscNode sg1 = mesh.node("sg-1");
            return sg1.fib().get(ServicePrefix.parse("/B/4")) != null && sg1.fib().get(ANYCAST_B) != null ? "" : null;
        });
        if (reconverged < 0) {
            throw new StepFailed("15 s after " + sr + " stopped some FIB still points at it");
        }
        measuredMs.put("reconvergence: SR stopped to no FIB using it", ms(reconverged - t));
        long since = System.nanoTime();
        if (waitFor(10_000, () -> toB4.servedSince(since).values().stream().mapToInt(Integer::intValue).sum() >= 100
                && toB.servedSince(since).values().stream().mapToInt(Integer::intValue).sum() >= 100 ? "" : null) < 0) {
            throw new StepFailed("calls did not go on after " + sr + " stopped: /B/4 " + toB4.servedSince(since)
                    + ", /B " + toB.servedSince(since));
        }
        long during = toB4.calls() + toB.calls() - callsBefore;
        int failed = toB4.failures().size() + toB.failures().size();
        out.printf("      every FIB routes around %s %d ms after it stopped; %d calls since, to /B/4 %s, to /B %s%n",
                sr, measuredMs.get("reconvergence: SR stopped to no FIB using it"), during, toB4.servedSince(t),
                toB.servedSince(t));
        if (failed > 0) {
            throw new StepFailed(failed + " calls failed: " + firstFailures());
        }
        return String.format("%d calls since %s stopped, none failed; reconverged in %d ms", during, sr,
                measuredMs.get("reconvergence: SR stopped to no FIB using it"));
    }

    // ---- summary and keep-running ---------------------------------------------------------

    /**
     * @param elapsedNs the run's duration
     * @return the summary table
     */
    String summary(long elapsedNs) {
        StringBuilder b = new StringBuilder();
        Table t = new Table("Step", "Result", "What was checked");
        for (Step s : steps) {
            t.row(s.number(), s.passed() ? "ok" : "FAILED", s.title() + ": " + s.detail());
        }
        b.append(t.render());
        if (toB4 != null) {
            b.append(String.format("calls made: %d (A/1 -> /B/4: %d, A/1 -> /B: %d), calls failed: %d (expected 0)%n",
                    toB4.calls() + toB.calls(), toB4.calls(), toB.calls(),
                    toB4.failures().size() + toB.failures().size()));
        }
        measuredMs.forEach((what, ms) -> b.append(String.format("  %-52s %6d ms%n", what, ms)));
        b.append(String.format("demo time: %.1f s%n", elapsedNs / 1e9));
        return b.toString();
    }

    /** @return commands a reader can run against the mesh left running */
    String commandsToTry() {
        String sg1Admin = mesh.node("sg-1").adminAddress();
        String sg1Pod = gateway("sg-1").podAddress();
        String token = dir.resolve("admin.token").toString();
        String scscAdmin = mesh.node("scsc").adminAddress();
        return String.join("\n",
                "The mesh keeps running (Ctrl-C stops it; type 'stop sr-2' or 'start sr-2' here to drill a failure).",
                "Try, in another terminal:",
                "  ./dmsc show fib --admin " + sg1Admin + "          # sg-1's forwarding table",
                "  ./dmsc show neighbors --admin " + mesh.node("sr-1").adminAddress()
                        + "    # sr-1's adjacencies and the identity each proved",
                "  ./dmsc show pods --admin " + mesh.node("sg-4").adminAddress() + "         # what pod-4 attached",
                "  ./dmsc trace /B/4 --gateway " + sg1Pod + "       # hop by hop, with RTTs",
                "  ./dmsc ping /B --gateway " + sg1Pod,
                "  ./dmsc link impair --admin " + mesh.node("sr-2").adminAddress() + " --peer sg-2 --delay-ms 40"
                        + " --token-file " + token,
                "  ./dmsc show policies --admin " + sg1Admin + "     # the SCSC's policy, once it steers",
                "  ./dmsc show qos --admin " + scscAdmin + "          # the SCSC's view of every path",
                "  ./dmsc link clear --admin " + mesh.node("sr-2").adminAddress() + " --peer sg-2 --token-file "
                        + token,
                "");
    }

    /** Restores what the steps changed (the impairment, the stopped SR), for {@code --keep-running}. */
    void restore() {
        if (mesh.node("sr-2") != null) {
            mesh.clearImpairment("sr-2", "sg-2");
        }
        if (stoppedSr != null && mesh.node(stoppedSr) == null) {
            mesh.restart(stoppedSr);
        }
    }

    @Override
    public void close() {
        stopTraffic();
        pods.values().forEach(DmscMesh::close);
        if (mesh != null) {
            mesh.close();
        }
        if (dir != null) {
            try (var files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException | UncheckedIOException e) {
                // a temporary folder left behind is harmless
            }
        }
    }

    // ---- helpers --------------------------------------------------------------------------

    private void stopTraffic() {
        for (Traffic t : new Traffic[] {toB4, toB}) {
            if (t != null) {
                t.close();
            }
        }
    }

    private String firstFailures() {
        List<String> f = new ArrayList<>();
        for (Traffic t : new Traffic[] {toB4, toB}) {
            if (t != null) {
                t.failures().stream().limit(3).forEach(c -> f.add(t.name + ": " + c));
            }
        }
        return f.toString();
    }

    private Gateway gateway(String node) {
        return mesh.node(node).extension(Gateway.class);
    }

    private static GetRequest request(long sequence) {
        return GetRequest.newBuilder().setCaller("A/1").setSequence(sequence).build();
    }

    private static long ms(long ns) {
        return TimeUnit.NANOSECONDS.toMillis(ns);
    }

    /**
     * Polls a condition every 10 ms.
     *
     * @return the nanoTime it first held, or -1 after the timeout
     */
    private static long waitFor(long timeoutMs, Supplier<String> condition) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        while (true) {
            long now = System.nanoTime();
            try {
                if (condition.get() != null) {
                    return now;
                }
            } catch (RuntimeException e) {
                // a node restarting or an admin call racing: try again
            }
            if (now - deadline > 0) {
                return -1;
            }
            java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
        }
    }

    private NodeStatus status(String node) throws StepFailed {
        try {
            return mesh.node(node).status().get(5, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException | InterruptedException e) {
            throw new StepFailed(node + " did not report its status: " + e);
        }
    }

    private NodeStatus adminStatus(String node) throws IOException, InterruptedException {
        String body = ShowCommand.fetch(HostPort.parse(mesh.node(node).adminAddress()));
        return new ObjectMapper().configure(com.fasterxml.jackson.databind.DeserializationFeature
                .FAIL_ON_UNKNOWN_PROPERTIES, false).readValue(body, NodeStatus.class);
    }

    private JsonNode scscStatus() {
        try {
            return JSON.readTree(ShowCommand.fetch(HostPort.parse(mesh.node("scsc").adminAddress())));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Origins of the live LSPs of the last {@link #lsdbs} call, at every node. */
    private final Set<String> lastOrigins = new TreeSet<>();

    private Set<String> origins() {
        return lastOrigins;
    }

    /** @return live LSP ids with their sequence numbers, by node */
    private Map<String, Map<String, String>> lsdbs() {
        Map<String, Map<String, String>> all = new TreeMap<>();
        lastOrigins.clear();
        for (DmscNode n : mesh.nodes()) {
            Map<String, String> live = new TreeMap<>();
            try {
                for (NodeStatus.Lsp l : n.status().get(5, TimeUnit.SECONDS).lsdb()) {
                    if (!l.purged()) {
                        live.put(l.lspId(), l.sequence());
                        lastOrigins.add(l.origin());
                    }
                }
            } catch (ExecutionException | TimeoutException | InterruptedException e) {
                throw new IllegalStateException(n.id() + " did not report its LSDB: " + e);
            }
            all.put(n.id(), live);
        }
        return all;
    }

    private boolean lsdbSynchronized(Set<String> origins) {
        Map<String, Map<String, String>> all = lsdbs();
        Map<String, String> first = all.values().iterator().next();
        Set<String> seen = origins();
        return all.size() == origins.size() && seen.containsAll(origins)
                && all.values().stream().allMatch(first::equals);
    }

    private String lsdbDifferences(Set<String> origins) {
        try {
            Map<String, Map<String, String>> all = lsdbs();
            StringBuilder b = new StringBuilder();
            all.forEach((node, lsps) -> b.append(node).append(": ").append(lsps.size()).append(" LSPs; "));
            return b + "expected origins " + new TreeSet<>(origins);
        } catch (RuntimeException e) {
            return e.getMessage();
        }
    }

    private String missingRoutes(Set<ServicePrefix> expected) {
        List<String> missing = new ArrayList<>();
        for (DmscNode n : mesh.nodes()) {
            for (ServicePrefix p : expected) {
                if (n.fib().get(p) == null) {
                    missing.add(n.id() + " " + p);
                }
            }
        }
        return "; missing: " + missing + "; sg-1's egresses of /B: " + mesh.node("sg-1").fib().egress(ANYCAST_B);
    }

    // ---- the pods' services and the background callers -------------------------------------

    /** Service B: answers with the instance's name. */
    static final class ServiceB extends ServiceBGrpc.ServiceBImplBase {
        private final String name;

        ServiceB(String name) {
            this.name = name;
        }

        @Override
        public void get(GetRequest request, StreamObserver<GetReply> reply) {
            reply.onNext(GetReply.newBuilder().setServedBy(name).setSequence(request.getSequence()).build());
            reply.onCompleted();
        }
    }

    /** Service A: answers with the instance's name (A/1 is also the caller of the demo's calls). */
    static final class ServiceA extends ServiceAGrpc.ServiceAImplBase {
        private final String name;

        ServiceA(String name) {
            this.name = name;
        }

        @Override
        public void get(GetRequest request, StreamObserver<GetReply> reply) {
            reply.onNext(GetReply.newBuilder().setServedBy(name).setSequence(request.getSequence()).build());
            reply.onCompleted();
        }
    }

    /** Unary calls one after the other, paced, until closed: who served each, and when. */
    private static final class Traffic implements AutoCloseable {
        record Call(long startNs, String servedBy, String failure) {
        }

        private static final long PAUSE_NS = TimeUnit.MILLISECONDS.toNanos(2);
        final String name;
        private final ConcurrentLinkedQueue<Call> calls = new ConcurrentLinkedQueue<>();
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final Thread thread;

        Traffic(String name, ServiceBGrpc.ServiceBBlockingStub stub) {
            this.name = name;
            thread = new Thread(() -> {
                long seq = 0;
                while (running.get()) {
                    long t = System.nanoTime();
                    try {
                        GetReply r = stub.withDeadlineAfter(10, TimeUnit.SECONDS).get(request(++seq));
                        calls.add(new Call(t, r.getServedBy(), null));
                    } catch (StatusRuntimeException e) {
                        calls.add(new Call(t, null, e.getStatus().toString()));
                    }
                    java.util.concurrent.locks.LockSupport.parkNanos(PAUSE_NS);
                }
            }, "dmsc-demo-" + name.replace(' ', '_'));
            thread.setDaemon(true);
            thread.start();
        }

        long calls() {
            return calls.size();
        }

        Map<String, Integer> servedSince(long fromNs) {
            Map<String, Integer> m = new TreeMap<>();
            for (Call c : calls) {
                if (c.startNs - fromNs >= 0) {
                    m.merge(c.servedBy == null ? "FAILED" : c.servedBy, 1, Integer::sum);
                }
            }
            return m;
        }

        List<String> failures() {
            return calls.stream().filter(c -> c.failure != null).map(Call::failure).toList();
        }

        @Override
        public void close() {
            running.set(false);
            try {
                thread.join(15_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
