package io.dmsc.cli;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dmsc.node.NodeStatus;
import io.dmsc.node.link.HostPort;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code dmsc show}: a node's state as aligned tables, from its admin HTTP. */
@Command(name = "show", description = {"Show a node's state as a table, read from its admin HTTP /status.",
    "WHAT: neighbors (adjacencies and the identity each proved), lsdb (the link-state database), rib (best "
        + "routes with egress nodes), fib (the forwarding table), prefixes (advertised prefixes: origin, owner, "
        + "expiry, installed or why not), flows (a node's flow table), pods (what is attached to an SG), qos "
        + "(an SG's measured paths, an SR's links, the SCSC's global view), links (data rates per link), "
        + "policies (the SCSC's forwarding policies held here)."},
        footerHeading = "%nExamples:%n",
        footer = {"  dmsc show fib --admin 127.0.0.1:9101", "  dmsc show neighbors --admin 127.0.0.1:9111 --json"})
final class ShowCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    enum What { neighbors, lsdb, rib, fib, prefixes, flows, pods, qos, links, policies }

    @Parameters(paramLabel = "WHAT", description = "what to show, one of: ${COMPLETION-CANDIDATES}")
    What what;

    @Mixin
    SharedOptions.Admin admin = new SharedOptions.Admin();

    @Option(names = "--json", description = "print the node's whole status as JSON instead of a table")
    boolean json;

    @Override
    public Integer call() throws Exception {
        // --json prints every table; a table view completes only the table it shows.
        String body = fetch(admin.hostPort(), json ? null
                : java.util.Set.of(what == What.qos ? "links" : what.name()));
        if (json) {
            System.out.println(body);
            return 0;
        }
        if (what == What.flows || what == What.pods || what == What.qos || what == What.links
                || what == What.policies) {
            System.out.print(renderData(what, JSON.readTree(body)));
            return 0;
        }
        NodeStatus s = JSON.readValue(body, NodeStatus.class);
        System.out.print(render(what, s));
        return 0;
    }

    /** Rows asked for per page of a table: the most a node's admin port gives at once. */
    static final int PAGE_ROWS = 10_000;

    /**
     * Reads a node's whole status: {@code /status} (a summary whose tables stop after their first
     * rows), then each cut table page by page from {@code /status/TABLE}, so every answer stays
     * bounded and the result is complete.
     *
     * @return the status as JSON, every table complete, without the summary's {@code sections}
     */
    static String fetch(HostPort hp) throws IOException, InterruptedException {
        return fetch(hp, null);
    }

    /**
     * @param tables the tables to complete, or null for all of them; others keep the summary's rows
     * @return the status as JSON
     */
    static String fetch(HostPort hp, java.util.Set<String> tables) throws IOException, InterruptedException {
        return fetch(hp, tables, PAGE_ROWS);
    }

    /** @param pageRows rows asked for per page, 1..{@link #PAGE_ROWS} */
    static String fetch(HostPort hp, java.util.Set<String> tables, int pageRows)
            throws IOException, InterruptedException {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();
        com.fasterxml.jackson.databind.JsonNode root = JSON.readTree(get(client, hp, "/status"));
        if (root instanceof com.fasterxml.jackson.databind.node.ObjectNode o
                && o.get("sections") instanceof com.fasterxml.jackson.databind.node.ObjectNode sections) {
            for (java.util.Map.Entry<String, com.fasterxml.jackson.databind.JsonNode> e : sections.properties()) {
                if (e.getValue().path("truncated").asBoolean() && (tables == null || tables.contains(e.getKey()))) {
                    o.set(e.getKey(), table(client, hp, e.getKey(), pageRows));
                }
            }
            o.remove("sections");
        }
        return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root);
    }

    /** Pages through {@code /status/TABLE} until its total (as of the last page) is read. */
    private static com.fasterxml.jackson.databind.node.ArrayNode table(HttpClient client, HostPort hp, String name,
                                                                       int pageRows) throws IOException, InterruptedException {
        com.fasterxml.jackson.databind.node.ArrayNode all = JSON.createArrayNode();
        while (true) {
            com.fasterxml.jackson.databind.JsonNode page = JSON.readTree(get(client, hp, "/status/" + name
                    + "?offset=" + all.size() + "&limit=" + pageRows));
            com.fasterxml.jackson.databind.JsonNode items = page.path("items");
            items.forEach(all::add);
            if (items.size() == 0 || all.size() >= page.path("total").asLong()) {
                return all;
            }
        }
    }

    private static String get(HttpClient client, HostPort hp, String path) throws IOException, InterruptedException {
        HttpRequest req = HttpRequest.newBuilder(URI.create("http://" + hp + path))
                .timeout(Duration.ofSeconds(5)).GET().build();
        HttpResponse<String> resp;
        try {
            resp = client.send(req, HttpResponse.BodyHandlers.ofString());
        } catch (ConnectException e) {
            throw new Dmsc.UserException("cannot connect to admin HTTP at " + hp
                    + " (expected: a running node's admin address, e.g. 127.0.0.1:9101)");
        }
        if (resp.statusCode() != 200) {
            throw new Dmsc.UserException("admin HTTP at " + hp + " answered " + resp.statusCode() + " to " + path
                    + ": " + resp.body().strip());
        }
        return resp.body();
    }

    static String render(What what, NodeStatus s) {
        String title = s.nodeId() + " (" + s.role() + ")";
        switch (what) {
            case neighbors: {
                Table t = new Table("Neighbor", "State", "Role", "Address", "Dir", "Metric", "Up for", "Pending",
                        "Link");
                for (NodeStatus.Neighbor n : s.neighbors()) {
                    t.row(n.id().isEmpty() ? "?" : n.id(), n.state(), n.role().isEmpty() ? "-" : n.role(), n.address(),
                            n.direction().isEmpty() ? "-" : n.direction(), n.metric(), duration(n.upForMs()),
                            n.pendingLsps(), n.security() == null || n.security().isEmpty() ? "-" : n.security());
                }
                return title + " neighbors: " + t.size() + "\n" + t.render();
            }
            case lsdb: {
                Table t = new Table("LSP ID", "Seq", "Lifetime", "Role", "OL", "Sig", "Neighbors", "Prefixes");
                for (NodeStatus.Lsp l : s.lsdb()) {
                    t.row(l.lspId(), l.sequence(), l.purged() ? "purged" : l.lifetimeS() + "s", l.role(),
                            l.overload() ? "OL" : "-", l.signature() == null ? "-" : l.signature(),
                            l.neighbors().isEmpty() ? "-" : String.join(" ", l.neighbors()),
                            l.prefixes().isEmpty() ? "-" : String.join(" ", l.prefixes()));
                }
                return title + " link-state database: " + t.size() + " LSPs, SPF back-off " + s.spfState() + "\n"
                        + t.render();
            }
            case rib: {
                Table t = new Table("Prefix", "Cost", "Egress", "Next hops");
                for (NodeStatus.Route r : s.rib()) {
                    t.row(r.prefix(), r.cost(), String.join(",", r.egress()),
                            r.local() && r.nextHops().isEmpty() ? "local" : (r.local() ? "local," : "")
                                    + String.join(",", r.nextHops()));
                }
                return title + " routing table: " + t.size() + " prefixes\n" + t.render();
            }
            case fib: {
                Table t = new Table("Prefix", "Next hops", "Cost");
                for (NodeStatus.Forwarding f : s.fib()) {
                    String hops = String.join(", ", f.nextHops());
                    if (f.local()) {
                        hops = hops.isEmpty() ? "local" : "local, " + hops;
                    }
                    t.row(f.prefix(), hops, f.cost());
                }
                return title + " forwarding table: " + t.size() + " entries\n" + t.render();
            }
            case prefixes: {
                Table t = new Table("Prefix", "Origin", "Owner", "Expires", "State", "Detail");
                for (NodeStatus.Prefix p : s.prefixes()) {
                    t.row(p.prefix(), p.origin(), p.owner().isEmpty() ? "-" : p.owner(),
                            p.notAfter().isEmpty() ? "-" : p.notAfter(), p.state(),
                            p.detail().isEmpty() ? "-" : p.detail());
                }
                return title + " advertised prefixes: " + t.size() + ", authorization " + s.authorization() + "\n"
                        + t.render();
            }
            default:
                throw new AssertionError(what);
        }
    }

    static String renderData(What what, com.fasterxml.jackson.databind.JsonNode root) {
        String title = root.path("nodeId").asText() + " (" + root.path("role").asText() + ")";
        if (what == What.flows) {
            Table t = new Table("Name", "From", "Stream", "To", "Stream", "Age", "Idle", "Deadline in");
            for (com.fasterxml.jackson.databind.JsonNode f : root.path("flows")) {
                long deadline = f.path("deadlineMs").asLong(-1);
                t.row(f.path("name").asText(), f.path("upstream").asText(), f.path("upStream").asInt(),
                        f.path("downstream").asText(), f.path("downStream").asInt(), f.path("ageMs").asLong() + " ms",
                        f.path("idleMs").asLong() + " ms", deadline < 0 ? "-" : deadline + " ms");
            }
            return title + " flows: " + t.size() + "\n" + t.render();
        }
        if (what == What.links) {
            Table t = new Table("Neighbor", "RTT ms", "In B/s", "Out B/s", "Capacity", "Utilisation", "Bytes in",
                    "Bytes out");
            for (com.fasterxml.jackson.databind.JsonNode l : root.path("links")) {
                t.row(l.path("neighbor").asText(), l.path("rttMs").isNull() || l.path("rttMs").isMissingNode() ? "-"
                        : l.path("rttMs").asText(), l.path("inBytesPerS").asLong(), l.path("outBytesPerS").asLong(),
                        l.path("capacityMbps").isNull() ? "-" : l.path("capacityMbps").asLong() + " Mbit/s",
                        l.path("utilisationPercent").isNull() ? "-" : l.path("utilisationPercent").asText() + " %",
                        l.path("bytesIn").asLong(), l.path("bytesOut").asLong());
            }
            return title + " links: " + t.size() + " (data frames, rates over the last second)\n" + t.render();
        }
        if (what == What.policies) {
            Table t = new Table("Id", "Prefix", "Ingress", "Egress", "Path", "Role here", "Next", "TTL left", "Calls",
                    "Reason");
            for (com.fasterxml.jackson.databind.JsonNode p : root.path("policies")) {
                java.util.List<String> path = new java.util.ArrayList<>();
                p.path("path").forEach(n -> path.add(n.asText()));
                t.row(p.path("id").asLong(), p.path("prefix").asText(), p.path("ingress").asText(),
                        p.path("egress").asText(), String.join(" ", path), p.path("role").asText(),
                        p.path("next").isNull() || p.path("next").isMissingNode() ? "-" : p.path("next").asText(),
                        p.path("ttlLeftMs").asLong() + " ms",
                        p.path("calls").isMissingNode() ? "-" : p.path("calls").asText(), p.path("reason").asText());
            }
            return title + " forwarding policies: " + t.size() + (t.size() == 0 ? " (calls go by shortest path)" : "")
                    + "\n" + t.render();
        }
        if (what == What.qos && root.has("scsc")) {
            com.fasterxml.jackson.databind.JsonNode sc = root.path("scsc");
            Table t = new Table("Node", "Connected", "Last report", "Path to", "Delay ms", "Jitter ms", "Loss %");
            for (com.fasterxml.jackson.databind.JsonNode n : sc.path("nodes")) {
                String age = n.path("lastReportMsAgo").asLong() + " ms ago";
                if (n.path("paths").size() == 0) {
                    t.row(n.path("node").asText(), n.path("connected").asBoolean() ? "yes" : "no", age, "-", "-", "-",
                            "-");
                }
                for (com.fasterxml.jackson.databind.JsonNode p : n.path("paths")) {
                    t.row(n.path("node").asText(), n.path("connected").asBoolean() ? "yes" : "no", age,
                            p.path("egress").asText(), p.path("delayMs").asText(), p.path("jitterMs").asText(),
                            p.path("lossPercent").asText());
                }
            }
            return title + " (SCSC) global view: " + sc.path("nodes").size() + " reporting nodes, "
                    + sc.path("nodesInLsdb").asInt() + " nodes in the LSDB, thresholds " + sc.path("thresholds")
                    + "\n" + t.render();
        }
        if (what == What.qos && !root.has("qos")) {
            Table t = new Table("Link to", "RTT ms", "In B/s", "Out B/s", "Capacity", "Utilisation");
            for (com.fasterxml.jackson.databind.JsonNode l : root.path("links")) {
                t.row(l.path("neighbor").asText(), l.path("rttMs").isNull() || l.path("rttMs").isMissingNode() ? "-"
                        : l.path("rttMs").asText(), l.path("inBytesPerS").asLong(), l.path("outBytesPerS").asLong(),
                        l.path("capacityMbps").isNull() ? "-" : l.path("capacityMbps").asLong() + " Mbit/s",
                        l.path("utilisationPercent").isNull() ? "-" : l.path("utilisationPercent").asText() + " %");
            }
            return title + " probes no paths (an SR): per link, neighbour RTT and data rates\n" + t.render();
        }
        if (what == What.qos) {
            com.fasterxml.jackson.databind.JsonNode q = root.path("qos");
            Table t = new Table("Egress", "Delay ms", "Last ms", "Jitter ms", "Loss %", "Probes", "Answered",
                    "Calls", "Sent B/s", "Recv B/s", "Last reply");
            for (com.fasterxml.jackson.databind.JsonNode p : q.path("paths")) {
                t.row(p.path("node").asText(), p.path("delayMs").isNull() ? "-" : p.path("delayMs").asText(),
                        p.path("lastDelayMs").isNull() ? "-" : p.path("lastDelayMs").asText(),
                        p.path("jitterMs").asText(), p.path("lossPercent").asText(), p.path("probes").asLong(),
                        p.path("answered").asLong(), p.path("calls").asLong(), p.path("sentBytesPerS").asLong(),
                        p.path("receivedBytesPerS").asLong(),
                        p.path("lastReply").isNull() ? "-" : p.path("lastReply").asText());
            }
            return title + " paths to egress SGs: " + t.size() + ", a probe every " + q.path("probeIntervalMs").asLong()
                    + " ms to each (about " + q.path("probeBytesPerS").asLong() + " bytes/s, probes and replies)\n" + t.render();
        }
        if (!root.has("pods")) {
            return title + " has no pod-facing side (only SGs attach pods)\n";
        }
        Table t = new Table("Pod", "Proven by", "Prefix", "Endpoint", "Weight", "Healthy", "Advertised", "Calls",
                "Errors", "Latency ms", "Since", "Detail");
        for (com.fasterxml.jackson.databind.JsonNode p : root.path("pods")) {
            for (com.fasterxml.jackson.databind.JsonNode a : p.path("announcements")) {
                com.fasterxml.jackson.databind.JsonNode e = a.path("endpoint");
                t.row(p.path("podId").asText(), p.path("provenBy").asText("-"), e.path("prefix").asText(),
                        e.path("endpoint").asText(),
                        e.path("weight").asInt(), a.path("healthy").asBoolean() ? "yes" : "NO",
                        a.path("advertised").asText("-"), a.path("calls").asLong(), a.path("errors").asLong(),
                        a.path("latencyMs").isNull() || a.path("latencyMs").isMissingNode() ? "-"
                                : a.path("latencyMs").asText(),
                        p.path("attachedSince").asText(), a.path("healthDetail").asText("-"));
            }
        }
        com.fasterxml.jackson.databind.JsonNode room = root.path("gateway").path("lspPrefixBytes");
        return title + " pods: " + root.path("pods").size() + ", pod-facing port "
                + root.path("gateway").path("pod").asText() + " (" + root.path("gateway").path("podTls").asText("plaintext")
                + ")" + (room.isMissingNode() || room.path("room").asLong() < 0 ? ""
                : ", pods' prefixes take " + room.path("used").asLong() + " of " + room.path("room").asLong()
                + " bytes of the LSP") + "\n" + t.render();
    }

    private static String duration(long ms) {
        if (ms <= 0) {
            return "-";
        }
        long s = ms / 1000;
        return String.format("%02d:%02d:%02d", s / 3600, (s / 60) % 60, s % 60);
    }
}
