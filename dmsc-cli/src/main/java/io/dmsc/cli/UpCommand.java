package io.dmsc.cli;

import io.dmsc.gateway.Gateway;
import io.dmsc.node.DmscNode;
import io.dmsc.node.Mesh;
import io.dmsc.node.config.ConfigLoader;
import io.dmsc.node.config.NodeConfig;
import io.dmsc.node.config.TopologyConfig;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code dmsc up}: a whole topology in one JVM over loopback TCP. */
@Command(name = "up", description = {"Run every node of a topology file in this process, linked over loopback TCP.",
    "Prints each node's addresses. Commands on stdin: stop NODE, start NODE (a node or an SPA), nodes."},
        footerHeading = "%nExamples:%n",
        footer = "  dmsc up examples/figure2.yaml")
final class UpCommand implements Callable<Integer> {
    @Parameters(paramLabel = "TOPOLOGY_FILE", description = "a topology YAML file")
    Path file;

    @picocli.CommandLine.Mixin
    SharedOptions.ExitAfter exitAfter = new SharedOptions.ExitAfter();

    @Override
    public Integer call() throws Exception {
        TopologyConfig topology = ConfigLoader.loadTopology(file);
        Path token = null;
        if (topology.nodes().stream().allMatch(n -> n.adminTokenFile() == null)
                && topology.nodes().stream().anyMatch(n -> n.security().mode()
                        == io.dmsc.node.config.SecurityConfig.Mode.AUTO)) {
            // security: auto is for trying things out: an admin token for this mesh's state-changing
            // endpoints (link impair, overload), made once, owner-readable only.
            token = file.toAbsolutePath().getParent().resolve(".dmsc").resolve("admin.token");
            topology = withAdminToken(topology, token);
        }
        Mesh mesh = Mesh.start(topology, Mesh.Links.TCP, Gateway.factory());
        System.out.println("topology " + (topology.name() == null ? file : topology.name()) + ": "
                + topology.nodes().size() + " nodes, " + topology.links().size() + " links"
                + (topology.spas().isEmpty() ? "" : ", " + topology.spas().size() + " SPAs"));
        System.out.printf("%-10s %-5s %-22s %-22s %-22s%n", "NODE", "ROLE", "FABRIC", "ADMIN", "POD");
        for (NodeConfig c : topology.nodes()) {
            DmscNode n = mesh.node(c.id());
            Gateway g = n.extension(Gateway.class);
            System.out.printf("%-10s %-5s %-22s %-22s %-22s%n", c.id(), c.role().code(), n.listenAddress(),
                    n.adminAddress() == null ? "-" : n.adminAddress(), g != null ? g.podAddress()
                            : n.schedulerAddress() != null ? n.schedulerAddress() + " (reports)" : "-");
            if (g != null) {
                g.upstreamAddresses().forEach((target, address) ->
                        System.out.printf("%-10s upstream %s -> %s%n", "", address, target));
            }
        }
        for (io.dmsc.node.config.SpaConfig s : topology.spas()) {
            String admin = mesh.spaAdminAddress(s.id());
            System.out.printf("%-10s %-5s %-22s %-22s %-22s%n", s.id(), "spa", mesh.spaAddress(s.id()),
                    admin == null ? "-" : admin, "-");
        }
        NodeConfig first = topology.nodes().get(0);
        if (first.admin() != null) {
            if (token != null) {
                System.out.println("admin token (security: auto) for ./dmsc link impair|clear and overload: --token-file "
                        + Path.of("").toAbsolutePath().relativize(token));
            }
            System.out.println("inspect with: ./dmsc show fib --admin " + mesh.node(first.id()).adminAddress()
                    + "   (also: neighbors, lsdb, rib, flows)");
        }
        System.out.println("Ctrl-C stops the mesh. Commands on stdin: stop NODE, start NODE, nodes.");
        Thread console = new Thread(() -> console(mesh), "dmsc-up-console");
        console.setDaemon(true);
        console.start();
        CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            mesh.close();
            stop.countDown();
        }));
        await(stop, exitAfter.ms);
        mesh.close();
        return 0;
    }

    /**
     * Gives every node of a topology the admin token in {@code token} for its state-changing
     * endpoints (link impair, overload), making the file (owner-readable only) if it is missing.
     *
     * @param topology the topology
     * @param token    the token file
     * @return the topology with the token file set on every node
     * @throws java.io.IOException if the file cannot be made
     */
    static TopologyConfig withAdminToken(TopologyConfig topology, Path token) throws java.io.IOException {
        if (!java.nio.file.Files.exists(token)) {
            java.nio.file.Files.createDirectories(token.toAbsolutePath().getParent());
            byte[] b = new byte[24];
            new java.security.SecureRandom().nextBytes(b);
            java.nio.file.Files.writeString(token, java.util.HexFormat.of().formatHex(b) + "\n");
            java.nio.file.Files.setPosixFilePermissions(token,
                    java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        }
        return new TopologyConfig(topology.file(), topology.name(), topology.nodes().stream()
                .map(n -> n.withAdminTokenFile(token)).toList(), topology.links(), topology.spas());
    }

    /** Reads operator commands from stdin until it closes, answering on stdout. */
    static void console(Mesh mesh) {
        console(mesh, new java.io.BufferedReader(new java.io.InputStreamReader(System.in,
                java.nio.charset.StandardCharsets.UTF_8)), System.out);
    }

    /**
     * Reads operator commands until {@code in} closes: failure drills without a second tool.
     *
     * @param mesh the running mesh
     * @param in   the commands, one a line
     * @param out  where the answers go
     */
    static void console(Mesh mesh, java.io.BufferedReader in, java.io.PrintStream out) {
        try {
            for (String line; (line = in.readLine()) != null; ) {
                String[] words = line.trim().split("\\s+");
                if (words[0].isEmpty()) {
                    continue;
                }
                boolean known = mesh.topology().nodes().stream().anyMatch(n -> words.length == 2
                        && n.id().equals(words[1]));
                boolean spa = words.length == 2 && mesh.topology().spa(words[1]) != null;
                boolean running = spa ? mesh.spaRunning(words[1]) : known && mesh.node(words[1]) != null;
                // "start" on a running node would be a silent restart (its state lost): refuse, say why.
                if (words[0].equals("start") && (spa || known) && running) {
                    out.println(words[1] + " is running (expected: stop " + words[1] + " first)");
                } else if (words[0].equals("stop") && (spa || known) && !running) {
                    out.println(words[1] + " is stopped (expected: start " + words[1] + " to run it again)");
                } else if (words[0].equals("stop") && spa) {
                    mesh.killSpa(words[1]);
                    out.println(words[1] + " stopped (SGs fail over to their other SPAs)");
                } else if (words[0].equals("start") && spa) {
                    mesh.startSpa(words[1]);
                    out.println(words[1] + " started again");
                } else if (words[0].equals("stop") && known) {
                    mesh.kill(words[1]);
                    out.println(words[1] + " stopped (its links closed; neighbours reroute)");
                } else if (words[0].equals("start") && known) {
                    mesh.restart(words[1]);
                    out.println(words[1] + " started again");
                } else if (words[0].equals("nodes")) {
                    for (NodeConfig c : mesh.topology().nodes()) {
                        out.println(c.id() + (mesh.node(c.id()) == null ? " stopped" : " running"));
                    }
                } else {
                    out.println("unknown command '" + line.trim() + "' (expected: stop NODE, start NODE or nodes;"
                            + " nodes: " + mesh.topology().nodes().stream().map(NodeConfig::id).toList() + ")");
                }
            }
        } catch (java.io.IOException | RuntimeException e) {
            out.println("console stopped: " + e.getMessage());
        }
    }

    static void await(CountDownLatch stop, long exitAfterMs) throws InterruptedException {
        if (exitAfterMs > 0) {
            stop.await(exitAfterMs, TimeUnit.MILLISECONDS);
        } else {
            stop.await();
        }
    }
}
