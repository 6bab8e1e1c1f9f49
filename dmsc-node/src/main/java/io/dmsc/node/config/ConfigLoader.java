package io.dmsc.node.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.dmsc.node.admin.AdminHttpSettings;
import io.dmsc.node.link.HostPort;
import io.dmsc.routing.RoutingConfig;
import io.dmsc.wire.InvalidNameException;
import io.dmsc.wire.NodeIds;
import io.dmsc.wire.ServicePrefix;
import io.dmsc.wire.TextFiles;
import io.dmsc.wire.link.LinkFrameCodec;
import io.dmsc.wire.link.LinkStatePdu;
import io.dmsc.wire.link.NeighborEntry;
import io.dmsc.wire.link.NodeRole;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads node and topology YAML files into validated settings. Fails fast on the first error
 * with the file, the key and what was expected; unknown keys are errors (they are typos).
 *
 * <p>Node file: {@code id, role, listen, admin, pod, upstreams[{listen, target}], gateway{...},
 * prefixes, neighbors[{id, address, metric}], timers{...}, overload}. Topology file:
 * {@code name, timers{...}, nodes[{id, role, listen, admin, pod, upstreams, gateway, prefixes,
 * timers, overload}], links[{a, b, metric}]}. Timers: see {@link #TIMER_KEYS}. Gateway (SGs
 * only): {@code healthCheckIntervalMs, streamWindowBytes, maxMessageBytes, maxTransparentRetries, maxCallsInFlight,
 * retryBudget{maxTokens, tokenRatioPercent}, retryPolicies[{prefix, methods, maxAttempts,
 * retryableStatusCodes, initialBackoffMs, maxBackoffMs}], spa{servers, tokenFile, timeoutMs},
 * podTls: plaintext|tls|mutual}.
 */
public final class ConfigLoader {
    /** Keys of a {@code timers} mapping. */
    public static final String[] TIMER_KEYS = {"helloIntervalMs", "holdTimeMs", "lspLifetimeS", "lspRefreshS",
        "retransmitIntervalMs", "spfInitialDelayMs", "spfShortDelayMs", "spfLongDelayMs", "spfTimeToLearnMs",
        "spfHoldDownMs", "maxFrameLength", "maxLspBytes", "flowIdleTimeoutMs"};

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private ConfigLoader() {
    }

    private static ConfigNode read(Path file) {
        return read(file, "a YAML topology or node file");
    }

    private static ConfigNode read(Path file, String expected) {
        String text;
        try {
            text = TextFiles.read(file, StandardCharsets.UTF_8, expected);
        } catch (IllegalArgumentException e) {
            if (e.getCause() instanceof NoSuchFileException) {
                throw new ConfigException(file + ": file not found (expected: a readable YAML file)");
            }
            throw new ConfigException(e.getMessage());
        }
        return parse(file.toString(), text);
    }

    static ConfigNode parse(String name, String text) {
        JsonNode root;
        try {
            root = YAML.readTree(text);
        } catch (JsonProcessingException e) {
            String where = e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr()
                    + ", column " + e.getLocation().getColumnNr();
            throw new ConfigException(name + ": not valid YAML" + where + ": " + e.getOriginalMessage());
        }
        if (root == null || root.isMissingNode()) {
            throw new ConfigException(name + ": file is empty (expected: a YAML mapping)");
        }
        ConfigNode node = new ConfigNode(name, "", root);
        node.requireObject();
        return node;
    }

    /**
     * Reads a node file.
     *
     * @param file the file
     * @return validated settings
     * @throws ConfigException naming the file, key and expectation
     */
    public static NodeConfig loadNode(Path file) {
        return node(read(file));
    }

    /**
     * Parses a node file's text.
     *
     * @param name file name for messages
     * @param text YAML text
     * @return validated settings
     */
    public static NodeConfig parseNode(String name, String text) {
        return node(parse(name, text));
    }

    private static NodeConfig node(ConfigNode root) {
        root.allowOnly("id", "role", "listen", "admin", "pod", "upstreams", "gateway", "prefixes", "neighbors", "timers",
                "overload", "authorization", "security", "adminTokenFile", "telemetry", "scheduler", "limits");
        List<NeighborConfig> neighbors = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        String id = nodeId(root, "id");
        for (ConfigNode n : root.list("neighbors", false)) {
            n.allowOnly("id", "address", "metric", "capacityMbps");
            String nid = nodeId(n, "id");
            if (nid.equals(id)) {
                throw n.error("id", "'" + nid + "' is this node itself (expected: another node)");
            }
            if (!seen.add(nid)) {
                throw n.error("id", "'" + nid + "' is listed twice (expected: one entry per neighbour)");
            }
            String address = n.has("address") ? address(n, "address") : null;
            int metric = (int) n.integer("metric", 10, 1, NeighborEntry.MAX_METRIC);
            neighbors.add(new NeighborConfig(nid, address, metric,
                    n.integer("capacityMbps", 0, 0, NeighborConfig.MAX_CAPACITY_MBPS)));
        }
        NodeConfig built = build(root, List.of(root.child("timers")), neighbors, Map.of())
                .withLimits(limits(List.of(root.child("limits"))))
                .withAuthorization(authorization(root.child("authorization"), AuthorizationConfig.OPEN))
                .withSecurity(nodeSecurity(root, id));
        ConfigNode telemetry = root.child("telemetry");
        if (telemetry.isPresent()) {
            if (built.role() == NodeRole.SCSC) {
                throw root.error("telemetry", "set on the SCSC (expected: only on SGs and SRs, which report to it)");
            }
            telemetry.allowOnly("servers", "reportIntervalMs");
            List<String> servers = new ArrayList<>();
            for (ConfigNode s : telemetry.list("servers", true)) {
                servers.add(addressText(s));
            }
            if (servers.isEmpty()) {
                throw telemetry.error("servers", "empty list (expected: the SCSC's gRPC address, host:port)");
            }
            built = built.withTelemetry(new TelemetryConfig(servers, telemetry.integer("reportIntervalMs",
                    TelemetryConfig.DEFAULT_REPORT_INTERVAL_MS, 100, 60_000)));
        }
        return built;
    }

    /**
     * Reads a topology file.
     *
     * @param file the file
     * @return validated settings of every node, neighbours derived from the links
     * @throws ConfigException naming the file, key and expectation
     */
    public static TopologyConfig loadTopology(Path file) {
        return topology(read(file), false);
    }

    /**
     * Reads a topology file of which this process runs one node ({@code dmsc run --topology F
     * --node ID}): nodes without explicit hello and hold timers get the defaults of a node in its
     * own process ({@link NodeConfig#DEFAULT_HOLD_TIME_MS}), not those of nodes sharing one
     * ({@link NodeConfig#SHARED_PROCESS_HOLD_TIME_MS}).
     *
     * @param file the file
     * @return validated settings of every node
     * @throws ConfigException naming the file, key and expectation
     */
    public static TopologyConfig loadTopologyForOneNode(Path file) {
        return topology(read(file), true);
    }

    /**
     * Parses a topology file's text.
     *
     * @param name file name for messages
     * @param text YAML text
     * @return validated settings
     */
    public static TopologyConfig parseTopology(String name, String text) {
        return topology(parse(name, text), false);
    }

    /**
     * The topology's nodes run in one process ({@code dmsc up}, the demo, tests) unless
     * {@code oneNodePerProcess}: then nodes without explicit hello and hold timers are given the
     * shared-process defaults, because nodes of one process starve each other's event loops
     * under load and a 1 s hold time would take a busy neighbour for a dead one.
     */
    private static TopologyConfig topology(ConfigNode root, boolean oneNodePerProcess) {
        root.allowOnly("name", "timers", "nodes", "links", "authorization", "spa", "security", "scheduler",
                "limits");
        ConfigNode schedulerDefaults = root.child("scheduler");
        ConfigNode spaDefaults = root.child("spa");
        if (spaDefaults.isPresent()) {
            spaDefaults.allowOnly(SPA_SETTING_KEYS);
        }
        AuthorizationConfig meshAuthorization = authorization(root.child("authorization"), AuthorizationConfig.OPEN);
        String name = root.string("name", false);
        ConfigNode defaults = root.child("timers");
        List<ConfigNode> nodeNodes = root.list("nodes", true);
        if (nodeNodes.isEmpty()) {
            throw root.error("nodes", "empty list (expected: at least one node)");
        }
        Map<String, ConfigNode> byId = new LinkedHashMap<>();
        Map<String, String> listenById = new HashMap<>();
        Map<String, String> usedAddresses = new HashMap<>();
        List<SpaConfig> spas = new ArrayList<>();
        Map<String, String> spaAddresses = new LinkedHashMap<>();
        for (ConfigNode n : nodeNodes) {
            if ("spa".equals(n.has("role") ? n.string("role", true) : null)) {
                SpaConfig spa = spa(n, spaDefaults);
                spa = spa.withSecurity(topologySecurity(root, spa.id()));
                if (byId.containsKey(spa.id()) || spaAddresses.containsKey(spa.id())) {
                    throw n.error("id", "'" + spa.id() + "' is used by two nodes (expected: unique node ids)");
                }
                for (String[] a : new String[][] {{"listen", spa.listen()}, {"admin", spa.admin()}}) {
                    if (a[1] != null && HostPort.parse(a[1]).port() != 0) {
                        checkUnused(n, a[0], a[1], usedAddresses.put(a[1], spa.id() + "." + a[0]));
                    }
                }
                spas.add(spa);
                spaAddresses.put(spa.id(), spa.listen());
                continue;
            }
            n.allowOnly("id", "role", "listen", "admin", "pod", "upstreams", "gateway", "prefixes", "timers", "overload",
                    "authorization", "adminTokenFile", "scheduler", "limits");
            String id = nodeId(n, "id");
            if (byId.put(id, n) != null || spaAddresses.containsKey(id)) {
                throw n.error("id", "'" + id + "' is used by two nodes (expected: unique node ids)");
            }
            String listen = address(n, "listen");
            listenById.put(id, listen);
            for (String key : new String[] {"listen", "admin", "pod"}) {
                if (n.has(key)) {
                    String a = address(n, key);
                    if (HostPort.parse(a).port() != 0) {
                        String other = usedAddresses.put(a, id + "." + key);
                        checkUnused(n, key, a, other);
                    }
                }
            }
            for (ConfigNode u : n.list("upstreams", false)) {
                if (u.has("listen")) {
                    String a = address(u, "listen");
                    if (HostPort.parse(a).port() != 0) {
                        checkUnused(u, "listen", a, usedAddresses.put(a, id + ".upstreams"));
                    }
                }
            }
        }
        Map<String, List<NeighborConfig>> neighbors = new HashMap<>();
        List<TopologyConfig.Link> links = new ArrayList<>();
        Set<String> linkKeys = new HashSet<>();
        for (ConfigNode l : root.list("links", false)) {
            l.allowOnly("a", "b", "metric", "capacityMbps");
            String a = nodeId(l, "a");
            String b = nodeId(l, "b");
            for (String[] end : new String[][] {{"a", a}, {"b", b}}) {
                if (spaAddresses.containsKey(end[1])) {
                    throw l.error(end[0], "'" + end[1] + "' is an SPA (expected: a link between SGs and SRs; "
                            + "SGs reach their SPAs over gRPC, listed in gateway.spa.servers)");
                }
                if (!byId.containsKey(end[1])) {
                    throw l.error(end[0], "'" + end[1] + "' is not a node of this file (expected one of: "
                            + String.join(", ", byId.keySet()) + ")");
                }
            }
            if (a.equals(b)) {
                throw l.error("b", "'" + b + "' links a node to itself (expected: two different nodes)");
            }
            String key = a.compareTo(b) < 0 ? a + "|" + b : b + "|" + a;
            if (!linkKeys.add(key)) {
                throw l.error(null, "link " + a + "–" + b + " is listed twice (expected: one entry per pair)");
            }
            int metric = (int) l.integer("metric", 10, 1, NeighborEntry.MAX_METRIC);
            links.add(new TopologyConfig.Link(a, b, metric));
            long capacity = l.integer("capacityMbps", 0, 0, NeighborConfig.MAX_CAPACITY_MBPS);
            neighbors.computeIfAbsent(a, k -> new ArrayList<>()).add(new NeighborConfig(b, listenById.get(b), metric,
                    capacity));
            neighbors.computeIfAbsent(b, k -> new ArrayList<>()).add(new NeighborConfig(a, listenById.get(a), metric,
                    capacity));
        }
        List<NodeConfig> nodes = new ArrayList<>();
        for (Map.Entry<String, ConfigNode> e : byId.entrySet()) {
            ConfigNode n = e.getValue();
            boolean explicitTimers = setsHelloOrHold(defaults) || setsHelloOrHold(n.child("timers"));
            NodeConfig built = build(n, List.of(defaults, n.child("timers")), neighbors.getOrDefault(e.getKey(), List.of()),
                    spaAddresses, schedulerDefaults).withLimits(limits(List.of(root.child("limits"), n.child("limits"))))
                    .withAuthorization(authorization(n.child("authorization"),
                    meshAuthorization)).withSecurity(topologySecurity(root, e.getKey()));
            nodes.add(oneNodePerProcess || explicitTimers ? built : built.withHelloTimers(
                    NodeConfig.SHARED_PROCESS_HELLO_INTERVAL_MS, NodeConfig.SHARED_PROCESS_HOLD_TIME_MS));
        }
        // Every SG and SR reports to the topology's Scheduling Centers.
        List<String> scscAddresses = new ArrayList<>();
        long reportIntervalMs = TelemetryConfig.DEFAULT_REPORT_INTERVAL_MS;
        for (NodeConfig c : nodes) {
            if (c.scheduler() != null) {
                scscAddresses.add(c.scheduler().listen());
                reportIntervalMs = c.scheduler().reportIntervalMs();
                if (HostPort.parse(c.scheduler().listen()).port() != 0) {
                    checkUnused(byId.get(c.id()), "scheduler.listen", c.scheduler().listen(),
                            usedAddresses.put(c.scheduler().listen(), c.id() + ".scheduler.listen"));
                }
            }
        }
        if (!scscAddresses.isEmpty()) {
            TelemetryConfig telemetry = new TelemetryConfig(scscAddresses, reportIntervalMs);
            nodes.replaceAll(c -> c.role() == NodeRole.SCSC ? c : c.withTelemetry(telemetry));
        }
        return new TopologyConfig(root.file(), name, nodes, links, spas);
    }

    /**
     * @param timerLayers timer mappings, later ones overriding earlier ones; the last one is
     *                    named in cross-field errors
     */
    private static NodeConfig build(ConfigNode n, List<ConfigNode> timerLayers, List<NeighborConfig> neighbors,
                                    Map<String, String> spaAddresses) {
        return build(n, timerLayers, neighbors, spaAddresses, new ConfigNode(n.file(), "scheduler", null));
    }

    private static NodeConfig build(ConfigNode n, List<ConfigNode> timerLayers, List<NeighborConfig> neighbors,
                                    Map<String, String> spaAddresses, ConfigNode schedulerDefaults) {
        String id = nodeId(n, "id");
        NodeRole role;
        String roleText = n.string("role", true);
        try {
            role = NodeRole.fromCode(roleText);
        } catch (IllegalArgumentException e) {
            throw n.error("role", "'" + roleText + "' (expected: sg, sr or scsc; spa for an SPA)");
        }
        SchedulerConfig scheduler = null;
        if (role == NodeRole.SCSC) {
            if (n.has("overload") && !n.bool("overload", true)) {
                throw n.error("overload", "false on the SCSC (expected: true or unset: the SCSC never forwards)");
            }
            if (n.has("prefixes") || n.has("gateway") || n.has("pod") || n.has("upstreams")) {
                throw n.error(null, "the SCSC " + id + " has pod, gateway, upstream or prefix settings (expected: "
                        + "none: it serves no calls)");
            }
            scheduler = scheduler(n.child("scheduler"), schedulerDefaults);
        } else if (n.has("scheduler")) {
            throw n.error("scheduler", "set on " + role.code() + " " + id + " (expected: only on role: scsc)");
        }
        String listen = address(n, "listen");
        String admin = n.has("admin") ? address(n, "admin") : null;
        GatewayConfig gateway = gateway(n, role, spaAddresses);
        List<ServicePrefix> prefixes = new ArrayList<>();
        for (ConfigNode p : n.list("prefixes", false)) {
            String text = p.text();
            try {
                ServicePrefix prefix = ServicePrefix.parse(text);
                if (prefix.isReserved()) {
                    throw p.error(null, "'" + text + "' is in the reserved /_dmsc namespace (expected: a service prefix "
                            + "outside /_dmsc; /_dmsc/node/" + id + " is advertised automatically)");
                }
                prefixes.add(prefix);
            } catch (InvalidNameException e) {
                throw p.error(null, e.getMessage());
            }
        }
        if (!prefixes.isEmpty() && role != NodeRole.SG) {
            throw n.error("prefixes", "set on an SR (expected: only SGs own service prefixes)");
        }
        Timers t = timers(timerLayers);
        RoutingConfig routing;
        try {
            routing = new RoutingConfig(id, role, t.lspLifetimeS, t.lspRefreshS, 60, t.retransmitIntervalMs,
                    t.maxLspBytes, 500, t.spfInitialDelayMs, t.spfShortDelayMs, t.spfLongDelayMs, t.spfTimeToLearnMs,
                    t.spfHoldDownMs, n.bool("overload", role == NodeRole.SCSC));
        } catch (IllegalArgumentException e) {
            throw setter(timerLayers, null).error(null, e.getMessage());
        }
        if (t.holdTimeMs <= t.helloIntervalMs) {
            // Blame the value set last (or the only one set): a node's own helloIntervalMs over the
            // topology's holdTimeMs is the node's error, a top-level hello over the default hold the top level's.
            ConfigNode hold = setter(timerLayers, "holdTimeMs");
            ConfigNode hello = setter(timerLayers, "helloIntervalMs");
            boolean helloSet = hello.isPresent() && hello.has("helloIntervalMs");
            boolean holdSet = hold.isPresent() && hold.has("holdTimeMs");
            if (helloSet && (!holdSet || timerLayers.indexOf(hello) > timerLayers.indexOf(hold))) {
                throw hello.error("helloIntervalMs", t.helloIntervalMs + " (expected: less than holdTimeMs "
                        + t.holdTimeMs + ", typically a third of it)");
            }
            throw hold.error("holdTimeMs", t.holdTimeMs + " (expected: more than "
                    + "helloIntervalMs " + t.helloIntervalMs + ", typically 3 times)");
        }
        if (t.maxLspBytes + 64 > t.maxFrameLength) {
            throw setter(timerLayers, "maxLspBytes").error("maxLspBytes", t.maxLspBytes + " (expected: at most maxFrameLength - 64 = "
                    + (t.maxFrameLength - 64) + ")");
        }
        Path adminToken = null;
        if (n.has("adminTokenFile")) {
            adminToken = Path.of(n.file()).toAbsolutePath().getParent().resolve(n.string("adminTokenFile", true))
                    .normalize();
            if (!Files.isReadable(adminToken)) {
                throw n.error("adminTokenFile", "'" + adminToken + "' cannot be read (expected: a file holding the "
                        + "admin bearer token on one line, e.g. from 'openssl rand -hex 32')");
            }
        }
        return new NodeConfig(id, role, listen, admin, gateway, prefixes, neighbors, t.helloIntervalMs,
                (int) t.holdTimeMs, t.maxFrameLength, t.flowIdleTimeoutMs, routing, AuthorizationConfig.OPEN,
                SecurityConfig.OFF, adminToken, null, scheduler, LimitsConfig.DEFAULT);
    }

    /** Keys of {@code scheduler:} (on the SCSC, or the topology's defaults). */
    private static final String[] SCHEDULER_KEYS = {"listen", "reportIntervalMs", "thresholds", "prefixes",
        "policyTtlMs", "hysteresisMs", "maxSessions", "maxReportsPerSecond"};

    /** {@code scheduler: {listen, reportIntervalMs, thresholds{...}, prefixes[{prefix, ...}], ...}} over defaults. */
    private static SchedulerConfig scheduler(ConfigNode s, ConfigNode defaults) {
        if (!s.isPresent()) {
            throw s.error(null, "missing on the SCSC (expected: scheduler: {listen: HOST:PORT, ...}, the gRPC "
                    + "address nodes report to)");
        }
        s.allowOnly(SCHEDULER_KEYS);
        if (defaults.isPresent()) {
            defaults.allowOnly(SCHEDULER_KEYS);
        }
        String listen = address(s, "listen");
        long interval = layered(s, defaults, "reportIntervalMs", TelemetryConfig.DEFAULT_REPORT_INTERVAL_MS, 100, 60_000);
        SchedulerConfig.Thresholds global = thresholds(s.has("thresholds") ? s.child("thresholds")
                : defaults.isPresent() ? defaults.child("thresholds") : defaults, SchedulerConfig.Thresholds.DEFAULTS,
                false);
        List<SchedulerConfig.PrefixThresholds> byPrefix = new ArrayList<>();
        for (ConfigNode p : (s.has("prefixes") || !defaults.isPresent() ? s : defaults).list("prefixes", false)) {
            p.allowOnly("prefix", "delayMs", "jitterMs", "lossPercent", "availableBandwidthPercent");
            String text = p.string("prefix", true);
            ServicePrefix prefix;
            try {
                prefix = ServicePrefix.parse(text);
            } catch (InvalidNameException e) {
                throw p.error("prefix", e.getMessage());
            }
            byPrefix.add(new SchedulerConfig.PrefixThresholds(prefix, thresholds(p, global, true)));
        }
        try {
            return new SchedulerConfig(listen, interval, global, byPrefix,
                    layered(s, defaults, "policyTtlMs", Math.max(10_000, 3 * interval), 300, 3_600_000),
                    layered(s, defaults, "hysteresisMs", 5_000, 0, 3_600_000),
                    (int) layered(s, defaults, "maxSessions", 10_000, 1, 100_000),
                    (int) layered(s, defaults, "maxReportsPerSecond", 20, 1, 1000));
        } catch (IllegalArgumentException e) {
            throw s.error(null, e.getMessage());
        }
    }

    private static long layered(ConfigNode s, ConfigNode defaults, String key, long fallback, long min, long max) {
        return s.integer(key, defaults.isPresent() ? defaults.integer(key, fallback, min, max) : fallback, min, max);
    }

    private static SchedulerConfig.Thresholds thresholds(ConfigNode t, SchedulerConfig.Thresholds inherited,
                                                          boolean perPrefix) {
        if (!t.isPresent()) {
            return inherited;
        }
        if (!perPrefix) {
            t.allowOnly("delayMs", "jitterMs", "lossPercent", "availableBandwidthPercent");
        }
        return new SchedulerConfig.Thresholds(t.number("delayMs", inherited.delayMs(), 0, 60_000),
                t.number("jitterMs", inherited.jitterMs(), 0, 60_000),
                t.number("lossPercent", inherited.lossPercent(), 0, 100),
                t.number("availableBandwidthPercent", inherited.availableBandwidthPercent(), 0, 100));
    }

    /**
     * {@code authorization: {mode: required|open, trustAnchors: [FILE...]}}; files relative to the
     * config file's folder. Mode defaults to required when trust anchors are given, else open.
     */
    private static AuthorizationConfig authorization(ConfigNode a, AuthorizationConfig inherited) {
        if (!a.isPresent()) {
            return inherited;
        }
        a.allowOnly("mode", "trustAnchors");
        List<java.nio.file.Path> anchors = new ArrayList<>(inherited.trustAnchors());
        if (a.has("trustAnchors")) {
            anchors.clear();
            java.nio.file.Path base = java.nio.file.Path.of(a.file()).toAbsolutePath().getParent();
            for (ConfigNode f : a.list("trustAnchors", false)) {
                java.nio.file.Path path = base.resolve(f.text()).normalize();
                try {
                    io.dmsc.wire.auth.SpaKeys.readPublicKey(path);
                } catch (IllegalArgumentException e) {
                    throw f.error(null, e.getMessage());
                }
                anchors.add(path);
            }
        }
        AuthorizationConfig.Mode mode;
        String text = a.has("mode") ? a.string("mode", true) : anchors.isEmpty() ? "open" : "required";
        switch (text) {
            case "required" -> mode = AuthorizationConfig.Mode.REQUIRED;
            case "open" -> mode = AuthorizationConfig.Mode.OPEN;
            default -> throw a.error("mode", "'" + text + "' (expected: required or open)");
        }
        try {
            return new AuthorizationConfig(mode, anchors);
        } catch (IllegalArgumentException e) {
            throw a.error(null, e.getMessage());
        }
    }

    /**
     * A topology's {@code security}: {@code off} (the default), {@code auto}, or
     * {@code {ca: FILE, certDir: DIR}} with {@code DIR/ID.crt} and {@code DIR/ID.key} per node.
     */
    private static SecurityConfig topologySecurity(ConfigNode root, String nodeId) {
        if (!root.has("security")) {
            return SecurityConfig.OFF;
        }
        ConfigNode s = root.child("security");
        if (!s.isObject()) {
            String text = root.string("security", true);
            return switch (text) {
                case "off", "false" -> SecurityConfig.OFF; // YAML reads a bare off as false
                case "auto" -> SecurityConfig.AUTO;
                default -> throw root.error("security", "'" + text + "' (expected: off, auto, or {ca: FILE, certDir: "
                        + "DIR})");
            };
        }
        s.allowOnly("ca", "certDir");
        Path base = Path.of(s.file()).toAbsolutePath().getParent();
        Path ca = base.resolve(s.string("ca", true)).normalize();
        Path dir = base.resolve(s.string("certDir", true)).normalize();
        return files(s, nodeId, ca, dir.resolve(nodeId + ".crt"), dir.resolve(nodeId + ".key"));
    }

    /** A node file's {@code security}: {@code off} or {@code {ca: FILE, cert: FILE, key: FILE}}. */
    private static SecurityConfig nodeSecurity(ConfigNode root, String nodeId) {
        if (!root.has("security")) {
            return SecurityConfig.OFF;
        }
        ConfigNode s = root.child("security");
        if (!s.isObject()) {
            String text = root.string("security", true);
            if (text.equals("off") || text.equals("false")) { // YAML reads a bare off as false
                return SecurityConfig.OFF;
            }
            throw root.error("security", "'" + text + "' (expected: off, or {ca: FILE, cert: FILE, key: FILE}; auto "
                    + "works only for a whole topology in one process)");
        }
        s.allowOnly("ca", "cert", "key");
        Path base = Path.of(s.file()).toAbsolutePath().getParent();
        return files(s, nodeId, base.resolve(s.string("ca", true)).normalize(),
                base.resolve(s.string("cert", true)).normalize(), base.resolve(s.string("key", true)).normalize());
    }

    private static SecurityConfig files(ConfigNode s, String nodeId, Path ca, Path cert, Path key) {
        io.dmsc.node.security.Credentials c;
        try {
            c = io.dmsc.node.security.Credentials.load(key, cert, ca);
            io.dmsc.node.security.MeshIdentity id = c.identity();
            if (id.kind() != io.dmsc.node.security.MeshIdentity.Kind.NODE || !id.id().equals(nodeId)) {
                throw new IllegalArgumentException(cert + " is for " + id + " (expected: a node certificate for "
                        + nodeId + ", made by dmsc ca issue --node " + nodeId + ")");
            }
            c.chain().get(0).checkValidity();
        } catch (java.security.cert.CertificateException e) {
            throw s.error(null, cert + ": " + e.getMessage() + " (expected: a certificate valid now; issue a new one)");
        } catch (IllegalArgumentException e) {
            throw s.error(null, e.getMessage());
        }
        return new SecurityConfig(SecurityConfig.Mode.FILES, ca, cert, key, c);
    }

    /** Keys of SPA settings: in a {@code role: spa} entry, an SPA file, or a topology's {@code spa} defaults. */
    private static final String[] SPA_SETTING_KEYS = {"policy", "signingKey", "lifetimeS", "reloadIntervalMs"};

    /**
     * {@code gateway.spa: {servers: [SPA id or HOST:PORT, ...], tokenFile, timeoutMs}}: the token
     * file relative to the config file's folder.
     */
    private static SpaClientConfig spaClient(ConfigNode s, Map<String, String> spaAddresses) {
        if (!s.isPresent()) {
            return null;
        }
        s.allowOnly("servers", "tokenFile", "timeoutMs");
        List<SpaClientConfig.Server> servers = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (ConfigNode e : s.list("servers", true)) {
            String text = e.text();
            if (!seen.add(text)) {
                throw e.error(null, "'" + text + "' is listed twice (expected: each SPA once)");
            }
            if (spaAddresses.containsKey(text)) {
                servers.add(new SpaClientConfig.Server(text, spaAddresses.get(text)));
                continue;
            }
            try {
                servers.add(new SpaClientConfig.Server(null, HostPort.parse(text).toString()));
            } catch (IllegalArgumentException ex) {
                throw e.error(null, "'" + text + "' (expected: " + (spaAddresses.isEmpty() ? ""
                        : "the id of an SPA of this file (" + String.join(", ", spaAddresses.keySet()) + ") or ")
                        + "HOST:PORT of an SPA)");
            }
        }
        if (servers.isEmpty()) {
            throw s.error("servers", "empty list (expected: at least one SPA)");
        }
        Path tokenFile = null;
        if (s.has("tokenFile")) {
            tokenFile = Path.of(s.file()).toAbsolutePath().getParent().resolve(s.string("tokenFile", true)).normalize();
            if (!Files.isReadable(tokenFile)) {
                throw s.error("tokenFile", "'" + tokenFile + "' cannot be read (expected: a file holding this SG's "
                        + "token on one line)");
            }
        }
        return new SpaClientConfig(servers, tokenFile, s.integer("timeoutMs", SpaClientConfig.DEFAULT_TIMEOUT_MS,
                10, 60_000));
    }

    /** A {@code role: spa} entry of a topology, or an SPA file: settings over the topology's defaults. */
    private static SpaConfig spa(ConfigNode n, ConfigNode defaults) {
        n.allowOnly("id", "role", "listen", "admin", "policy", "signingKey", "lifetimeS", "reloadIntervalMs", "security",
                "limits");
        if (n.child("limits").isPresent()) {
            n.child("limits").allowOnly(LimitsConfig.SPA_KEYS);
        }
        LimitsConfig limits = limits(List.of(n.child("limits")));
        String id = nodeId(n, "id");
        String listen = address(n, "listen");
        String admin = n.has("admin") ? address(n, "admin") : null;
        ConfigNode policyFrom = n.has("policy") || !defaults.isPresent() ? n : defaults;
        ConfigNode keyFrom = n.has("signingKey") || !defaults.isPresent() ? n : defaults;
        Path policy = existingFile(policyFrom, "policy", "the SPA policy YAML (identities, tokenHash, prefixes)");
        Path key = existingFile(keyFrom, "signingKey", "the signing key written by 'dmsc spa keygen'");
        try {
            io.dmsc.wire.auth.SpaKeys.readKeyPair(key);
        } catch (IllegalArgumentException e) {
            throw keyFrom.error("signingKey", e.getMessage());
        }
        long lifetime = n.integer("lifetimeS", defaults.isPresent() ? defaults.integer("lifetimeS",
                SpaConfig.DEFAULT_LIFETIME_S, 2, 604_800) : SpaConfig.DEFAULT_LIFETIME_S, 2, 604_800);
        long reload = n.integer("reloadIntervalMs", defaults.isPresent() ? defaults.integer("reloadIntervalMs",
                SpaConfig.DEFAULT_RELOAD_INTERVAL_MS, 10, 3_600_000) : SpaConfig.DEFAULT_RELOAD_INTERVAL_MS, 10,
                3_600_000);
        return new SpaConfig(id, listen, admin, policy, key, (int) lifetime, reload).withLimits(limits);
    }

    private static Path existingFile(ConfigNode n, String key, String what) {
        if (!n.has(key)) {
            throw n.error(key, "missing (expected: " + key + ": FILE, " + what + ")");
        }
        Path p = Path.of(n.file()).toAbsolutePath().getParent().resolve(n.string(key, true)).normalize();
        if (!Files.isReadable(p)) {
            throw n.error(key, "'" + p + "' cannot be read (expected: " + what + ")");
        }
        return p;
    }

    /**
     * Reads an SPA file: {@code id, role: spa, listen, admin, policy, signingKey, lifetimeS,
     * reloadIntervalMs}.
     *
     * @param file the file
     * @return validated settings
     * @throws ConfigException naming the file, key and expectation
     */
    public static SpaConfig loadSpa(Path file) {
        ConfigNode root = read(file, "a YAML SPA file");
        if (!"spa".equals(root.string("role", true))) {
            throw root.error("role", "'" + root.string("role", true) + "' (expected: spa in an SPA file)");
        }
        SpaConfig spa = spa(root, root.child("spa"));
        return spa.withSecurity(nodeSecurity(root, spa.id()));
    }

    /**
     * @param file a node or SPA file
     * @return its {@code role} text ({@code sg}, {@code sr}, {@code spa}, or whatever the file says)
     * @throws ConfigException if the file cannot be read or has no role
     */
    public static String roleOf(Path file) {
        return read(file).string("role", true);
    }

    private static void checkUnused(ConfigNode n, String key, String address, String other) {
        if (other != null) {
            throw n.error(key, "'" + address + "' is already used by " + other
                    + " (expected: a distinct address per node and purpose)");
        }
    }

    private static GatewayConfig gateway(ConfigNode n, NodeRole role, Map<String, String> spaAddresses) {
        for (String key : new String[] {"pod", "upstreams", "gateway"}) {
            if (n.has(key) && role != NodeRole.SG) {
                throw n.error(key, "set on an SR (expected: only SGs have a pod-facing side)");
            }
        }
        if (!n.has("pod") && !n.has("upstreams") && !n.has("gateway")) {
            return null;
        }
        String pod = n.has("pod") ? address(n, "pod") : "127.0.0.1:0";
        List<UpstreamConfig> upstreams = new ArrayList<>();
        for (ConfigNode u : n.list("upstreams", false)) {
            u.allowOnly("listen", "target");
            String target = u.string("target", true);
            ServicePrefix prefix;
            try {
                prefix = ServicePrefix.parse(target);
            } catch (InvalidNameException e) {
                throw u.error("target", e.getMessage());
            }
            upstreams.add(new UpstreamConfig(address(u, "listen"), prefix));
        }
        ConfigNode g = n.child("gateway");
        GatewayConfig d = GatewayConfig.of(pod);
        if (!g.isPresent()) {
            return d.withUpstreams(upstreams);
        }
        g.allowOnly("healthCheckIntervalMs", "streamWindowBytes", "maxMessageBytes", "maxTransparentRetries",
                "maxCallsInFlight", "retryBudget", "retryPolicies", "spa", "podTls", "qos", "podPort",
                "adaptiveAdmission");
        SpaClientConfig spaClient = spaClient(g.child("spa"), spaAddresses);
        GatewayConfig.PodTls podTls = GatewayConfig.PodTls.DEFAULT;
        if (g.has("podTls")) {
            String text = g.string("podTls", true);
            podTls = switch (text) {
                case "plaintext", "off", "false" -> GatewayConfig.PodTls.PLAINTEXT; // YAML reads a bare off as false
                case "tls" -> GatewayConfig.PodTls.TLS;
                case "mutual" -> GatewayConfig.PodTls.MUTUAL;
                default -> throw g.error("podTls", "'" + text + "' (expected: plaintext, tls (pods may present a "
                        + "certificate or a token) or mutual (every pod presents a certificate))");
            };
        }
        RetryBudgetConfig budget = d.retryBudget();
        ConfigNode b = g.child("retryBudget");
        if (b.isPresent()) {
            b.allowOnly("maxTokens", "tokenRatioPercent");
            try {
                budget = new RetryBudgetConfig((int) b.integer("maxTokens", budget.maxTokens(), 1, 1000),
                        b.integer("tokenRatioPercent", Math.round(budget.tokenRatio() * 100), 1, 100) / 100.0);
            } catch (IllegalArgumentException e) {
                throw b.error(null, e.getMessage());
            }
        }
        List<RetryPolicyConfig> policies = new ArrayList<>();
        for (ConfigNode p : g.list("retryPolicies", false)) {
            p.allowOnly("prefix", "methods", "maxAttempts", "retryableStatusCodes", "initialBackoffMs", "maxBackoffMs");
            ServicePrefix prefix;
            try {
                prefix = ServicePrefix.parse(p.string("prefix", true));
            } catch (InvalidNameException e) {
                throw p.error("prefix", e.getMessage());
            }
            List<String> methods = new ArrayList<>();
            for (ConfigNode m : p.list("methods", false)) {
                String text = m.text();
                if (!text.matches("[A-Za-z0-9_.]+/([A-Za-z0-9_]+|\\*)")) {
                    throw m.error(null, "'" + text + "' (expected: a full method name like helloworld.Greeter/SayHello,"
                            + " or helloworld.Greeter/* for every method of a service)");
                }
                methods.add(text);
            }
            java.util.Set<String> codes = new java.util.LinkedHashSet<>();
            List<ConfigNode> codeNodes = p.list("retryableStatusCodes", false);
            for (ConfigNode c : codeNodes) {
                String code = c.text();
                if (!STATUS_CODES.contains(code)) {
                    throw c.error(null, "'" + code + "' (expected: a gRPC status code name such as UNAVAILABLE, "
                            + "DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED, ABORTED, INTERNAL)");
                }
                codes.add(code);
            }
            if (codeNodes.isEmpty()) {
                codes.add("UNAVAILABLE");
            }
            try {
                policies.add(new RetryPolicyConfig(prefix, methods, (int) p.integer("maxAttempts", 3, 2, 5), codes,
                        p.integer("initialBackoffMs", 10, 0, 60_000), p.integer("maxBackoffMs", 200, 0, 600_000)));
            } catch (IllegalArgumentException e) {
                throw p.error(null, e.getMessage());
            }
        }
        try {
            return new GatewayConfig(pod, upstreams, g.integer("healthCheckIntervalMs", d.healthCheckIntervalMs(), 10,
                    3_600_000), (int) g.integer("streamWindowBytes", d.streamWindowBytes(), 16 * 1024, 64 << 20),
                    (int) g.integer("maxMessageBytes", d.maxMessageBytes(), 1024, 64 << 20), policies, budget,
                    (int) g.integer("maxTransparentRetries", d.maxTransparentRetries(), 0, 10),
                    (int) g.integer("maxCallsInFlight", d.maxCallsInFlight(), 1, 10_000_000), spaClient, podTls,
                    qosInterval(g.child("qos")), podPort(g.child("podPort")),
                    g.bool("adaptiveAdmission", d.adaptiveAdmission()));
        } catch (IllegalArgumentException e) {
            throw g.error(null, e.getMessage());
        }
    }

    /** {@code gateway.podPort: {handshakeTimeoutMs, maxConnections, maxConnectionIdleMs, maxMetadataBytes}}. */
    private static GatewayConfig.PodPort podPort(ConfigNode p) {
        GatewayConfig.PodPort d = GatewayConfig.PodPort.DEFAULTS;
        if (!p.isPresent()) {
            return d;
        }
        p.allowOnly("handshakeTimeoutMs", "maxConnections", "maxConnectionIdleMs", "maxMetadataBytes");
        return new GatewayConfig.PodPort(p.integer("handshakeTimeoutMs", d.handshakeTimeoutMs(), 10, 600_000),
                (int) p.integer("maxConnections", d.maxConnections(), 1, 1_000_000),
                p.integer("maxConnectionIdleMs", d.maxConnectionIdleMs(), 0, 86_400_000),
                (int) p.integer("maxMetadataBytes", d.maxMetadataBytes(), 1024, 1 << 20));
    }

    /** {@code gateway.qos: {probeIntervalMs}}: 0 turns the path probes off. */
    private static long qosInterval(ConfigNode q) {
        if (!q.isPresent()) {
            return GatewayConfig.DEFAULT_QOS_PROBE_INTERVAL_MS;
        }
        q.allowOnly("probeIntervalMs");
        long ms = q.integer("probeIntervalMs", GatewayConfig.DEFAULT_QOS_PROBE_INTERVAL_MS, 0, 3_600_000);
        if (ms != 0 && ms < 100) {
            throw q.error("probeIntervalMs", ms + " (expected: 0 for off, or 100..3600000)");
        }
        return ms;
    }

    private static final java.util.Set<String> STATUS_CODES = java.util.Set.of("CANCELLED", "UNKNOWN",
            "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND", "ALREADY_EXISTS", "PERMISSION_DENIED",
            "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE", "UNIMPLEMENTED", "INTERNAL",
            "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED");

    private static final class Timers {
        long helloIntervalMs;
        long holdTimeMs;
        int lspLifetimeS;
        int lspRefreshS;
        long retransmitIntervalMs;
        long spfInitialDelayMs;
        long spfShortDelayMs;
        long spfLongDelayMs;
        long spfTimeToLearnMs;
        long spfHoldDownMs;
        int maxFrameLength;
        int maxLspBytes;
        long flowIdleTimeoutMs;
    }

    private static boolean setsHelloOrHold(ConfigNode timers) {
        return timers.isPresent() && (timers.has("helloIntervalMs") || timers.has("holdTimeMs"));
    }

    /** {@code limits:} layers (the topology's, then the node's) over the defaults. */
    private static LimitsConfig limits(List<ConfigNode> layers) {
        LimitsConfig d = LimitsConfig.DEFAULT;
        long origins = d.maxLsdbOrigins();
        long originBytes = d.maxLsdbOriginBytes();
        long bytes = d.maxLsdbBytes();
        long flows = d.maxFlows();
        long pods = d.maxPods();
        long perPod = d.maxAnnouncementsPerPod();
        long pending = d.maxPendingAdmissions();
        long share = d.podPrefixSharePercent();
        long policies = d.maxPolicies();
        AdminHttpSettings admin = d.adminHttp();
        long grpcConnections = d.maxGrpcConnections();
        long grpcHandshake = d.grpcHandshakeTimeoutMs();
        ConfigNode last = null;
        for (ConfigNode c : layers) {
            if (!c.isPresent()) {
                continue;
            }
            last = c;
            c.allowOnly(LimitsConfig.KEYS);
            origins = c.integer("maxLsdbOrigins", origins, 1, 10_000_000);
            originBytes = c.integer("maxLsdbOriginBytes", originBytes, 1024, 1L << 40);
            bytes = c.integer("maxLsdbBytes", bytes, 1024, 1L << 40);
            flows = c.integer("maxFlows", flows, 1, 100_000_000);
            pods = c.integer("maxPods", pods, 1, 10_000_000);
            perPod = c.integer("maxAnnouncementsPerPod", perPod, 1, 10_000_000);
            pending = c.integer("maxPendingAdmissions", pending, 1, 10_000_000);
            share = c.integer("podPrefixSharePercent", share, 1, 100);
            policies = c.integer("maxPolicies", policies, 1, 10_000_000);
            admin = adminHttp(c, admin);
            grpcConnections = c.integer("maxGrpcConnections", grpcConnections, 1, 1_000_000);
            grpcHandshake = c.integer("grpcHandshakeTimeoutMs", grpcHandshake, 100, 600_000);
        }
        if (bytes < originBytes) {
            throw last.error("maxLsdbBytes", bytes + " (expected: at least maxLsdbOriginBytes " + originBytes + ")");
        }
        return new LimitsConfig((int) origins, originBytes, bytes, (int) flows, (int) pods, (int) perPod,
                (int) pending, (int) share, (int) policies, admin, (int) grpcConnections, grpcHandshake);
    }

    /** The admin HTTP keys of one {@code limits:} layer over {@code base}. */
    private static AdminHttpSettings adminHttp(ConfigNode c, AdminHttpSettings base) {
        return new AdminHttpSettings(
                c.integer("adminRequestTimeoutMs", base.requestTimeoutMs(), 100, 600_000),
                c.integer("adminIdleTimeoutMs", base.idleTimeoutMs(), 100, 3_600_000),
                (int) c.integer("maxAdminRequestLineBytes", base.maxInitialLineBytes(), 64, 1 << 20),
                (int) c.integer("maxAdminHeaderBytes", base.maxHeaderBytes(), 256, 1 << 20),
                (int) c.integer("maxAdminBodyBytes", base.maxBodyBytes(), 0, 1 << 20),
                (int) c.integer("maxAdminConnections", base.maxConnections(), 1, 100_000),
                base.pendingAnswerMs());
    }

    /**
     * The timers layer a cross-field error belongs to: the last one that sets {@code key} (a
     * topology's top-level {@code timers} when the node does not override it), else the last one
     * present, else the node's own.
     */
    private static ConfigNode setter(List<ConfigNode> layers, String key) {
        ConfigNode present = null;
        for (int i = layers.size() - 1; i >= 0; i--) {
            ConfigNode c = layers.get(i);
            if (c.isPresent() && key != null && c.has(key)) {
                return c;
            }
            if (c.isPresent() && present == null) {
                present = c;
            }
        }
        return present != null ? present : layers.get(layers.size() - 1);
    }

    private static Timers timers(List<ConfigNode> layers) {
        Timers t = new Timers();
        RoutingConfig d = RoutingConfig.defaults("defaults", NodeRole.SR);
        t.helloIntervalMs = NodeConfig.DEFAULT_HELLO_INTERVAL_MS;
        t.holdTimeMs = NodeConfig.DEFAULT_HOLD_TIME_MS;
        t.lspLifetimeS = d.lspLifetimeS();
        t.lspRefreshS = d.lspRefreshS();
        t.retransmitIntervalMs = d.retransmitIntervalMs();
        t.spfInitialDelayMs = d.spfInitialDelayMs();
        t.spfShortDelayMs = d.spfShortDelayMs();
        t.spfLongDelayMs = d.spfLongDelayMs();
        t.spfTimeToLearnMs = d.spfTimeToLearnMs();
        t.spfHoldDownMs = d.spfHoldDownMs();
        t.maxFrameLength = LinkFrameCodec.DEFAULT_MAX_FRAME_LENGTH;
        t.maxLspBytes = d.maxLspBytes();
        t.flowIdleTimeoutMs = NodeConfig.DEFAULT_FLOW_IDLE_TIMEOUT_MS;
        for (ConfigNode c : layers) {
            if (!c.isPresent()) {
                continue;
            }
            c.allowOnly(TIMER_KEYS);
            t.helloIntervalMs = c.integer("helloIntervalMs", t.helloIntervalMs, 1, 3_600_000);
            t.holdTimeMs = c.integer("holdTimeMs", t.holdTimeMs, 2, 65_535_000);
            t.lspLifetimeS = (int) c.integer("lspLifetimeS", t.lspLifetimeS, 2, LinkStatePdu.MAX_LIFETIME_S);
            t.lspRefreshS = (int) c.integer("lspRefreshS", t.lspRefreshS, 1, LinkStatePdu.MAX_LIFETIME_S - 1);
            t.retransmitIntervalMs = c.integer("retransmitIntervalMs", t.retransmitIntervalMs, 1, 600_000);
            t.spfInitialDelayMs = c.integer("spfInitialDelayMs", t.spfInitialDelayMs, 0, 600_000);
            t.spfShortDelayMs = c.integer("spfShortDelayMs", t.spfShortDelayMs, 0, 600_000);
            t.spfLongDelayMs = c.integer("spfLongDelayMs", t.spfLongDelayMs, 0, 600_000);
            t.spfTimeToLearnMs = c.integer("spfTimeToLearnMs", t.spfTimeToLearnMs, 0, 600_000);
            t.spfHoldDownMs = c.integer("spfHoldDownMs", t.spfHoldDownMs, 1, 3_600_000);
            t.maxFrameLength = (int) c.integer("maxFrameLength", t.maxFrameLength, 1024, 64 << 20);
            t.maxLspBytes = (int) c.integer("maxLspBytes", t.maxLspBytes, 512, 64 << 20);
            t.flowIdleTimeoutMs = c.integer("flowIdleTimeoutMs", t.flowIdleTimeoutMs, 1000, 86_400_000);
        }
        return t;
    }

    private static String nodeId(ConfigNode n, String key) {
        String id = n.string(key, true);
        if (!NodeIds.isValid(id)) {
            throw n.error(key, "'" + id + "' (expected: a node id of 1 to 64 letters, digits and . _ -)");
        }
        return id;
    }

    private static String addressText(ConfigNode n) {
        String text = n.text();
        try {
            return HostPort.parse(text).toString();
        } catch (IllegalArgumentException e) {
            throw n.error(null, "'" + text + "' (expected: HOST:PORT, e.g. 127.0.0.1:7020)");
        }
    }

    private static String address(ConfigNode n, String key) {
        String text = n.string(key, true);
        try {
            return HostPort.parse(text).toString();
        } catch (IllegalArgumentException e) {
            throw n.error(key, "'" + text + "' (expected: HOST:PORT, e.g. 127.0.0.1:7001)");
        }
    }
}
