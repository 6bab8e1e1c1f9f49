package io.dmsc.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dmsc.testkit.EchoService;
import io.grpc.Server;
import io.grpc.netty.NettyServerBuilder;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import picocli.CommandLine.ParameterException;

/**
 * Every {@code ./dmsc} command line in the shell blocks of README.md and docs/*.md parses against
 * the CLI (its command and options exist), so the docs cannot drift from it; the read-only ones
 * (show, ping, trace, help) then run against Figure 2 started in this JVM, each fixed address of
 * examples/figure2.yaml replaced by the one the same node bound, with the docs' attach lines
 * holding their prefixes (served by a plain gRPC server) while they run. Lines that start a mesh
 * or a node, change a node's state or write files are only parsed.
 */
@Timeout(180)
class DocCommandsTest {
    private static final Path ROOT = Path.of("..");
    /** The info strings of the fenced blocks read as shell: ```bash, ```sh, ..., and bare ```. */
    private static final Set<String> SHELL_FENCES = Set.of("bash", "sh", "shell", "console", "");
    private static final Set<String> READ_ONLY = Set.of("show", "ping", "trace", "help");
    private static final Pattern ADDRESS = Pattern.compile("(?:127\\.0\\.0\\.1|localhost):\\d+");
    private static final Pattern ASSIGNMENT = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*=.*");

    /** One {@code ./dmsc} command of a doc: where, the line as written, and its words after ./dmsc. */
    private record DocCommand(String where, String line, List<String> args) {
        String name() {
            return args.isEmpty() ? "" : args.get(0);
        }
    }

    private static final List<DocCommand> COMMANDS = new ArrayList<>();
    /** Lines with ./dmsc that were not checked, with why (file:line: line -> reason). */
    private static final List<String> SKIPPED = new ArrayList<>();
    private static final Map<String, Integer> PARSE_ONLY = new TreeMap<>();
    private static int ran;

    @BeforeAll
    static void scanDocs() throws IOException {
        List<Path> files = new ArrayList<>();
        files.add(ROOT.resolve("README.md"));
        try (Stream<Path> docs = Files.list(ROOT.resolve("docs"))) {
            docs.filter(p -> p.toString().endsWith(".md")).sorted().forEach(files::add);
        }
        for (Path file : files) {
            scan(file);
        }
    }

    /** Collects the ./dmsc commands of one file's shell blocks, continuation lines joined. */
    private static void scan(Path file) throws IOException {
        List<String> lines = Files.readAllLines(file);
        boolean inFence = false;
        boolean shell = false;
        StringBuilder logical = new StringBuilder();
        int start = 0;
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.strip().startsWith("```")) {
                shell = !inFence && SHELL_FENCES.contains(line.strip().substring(3).strip().toLowerCase());
                inFence = !inFence;
                logical.setLength(0);
                continue;
            }
            if (!inFence || !shell) {
                continue;
            }
            if (logical.length() == 0) {
                start = i + 1;
            }
            String right = line.stripTrailing();
            if (right.endsWith("\\")) {
                logical.append(right, 0, right.length() - 1).append(' ');
                continue;
            }
            logical.append(line);
            add(ROOT.relativize(file) + ":" + start, logical.toString().strip());
            logical.setLength(0);
        }
    }

    private static void add(String where, String line) {
        if (!line.contains("./dmsc")) {
            return;
        }
        List<List<String>> commands;
        try {
            commands = ShellWords.commands(line, ROOT);
        } catch (ShellWords.UnsupportedException e) {
            SKIPPED.add(where + ": " + line + " -> " + e.getMessage());
            return;
        }
        for (List<String> words : commands) {
            List<String> w = new ArrayList<>(words);
            while (!w.isEmpty() && ASSIGNMENT.matcher(w.get(0)).matches()) {
                w.remove(0); // DMSC_LOG_LEVEL=DEBUG ./dmsc ...
            }
            if (!w.isEmpty() && w.get(0).equals("./dmsc")) {
                COMMANDS.add(new DocCommand(where, line, List.copyOf(w.subList(1, w.size()))));
            }
        }
    }

    @AfterAll
    static void summary() {
        System.out.printf("DocCommandsTest: %d ./dmsc commands in README.md and docs/*.md: %d parsed, %d ran "
                + "against Figure 2, parse only %s, %d lines skipped%n", COMMANDS.size(), COMMANDS.size(), ran,
                PARSE_ONLY, SKIPPED.size());
        SKIPPED.forEach(s -> System.out.println("  skipped " + s));
    }

    @Test
    void shouldParseEveryDocumentedCommandLine() {
        // A scanner that finds nothing would pass: the README alone has more than this.
        assertThat(COMMANDS).hasSizeGreaterThan(10);
        List<String> failures = new ArrayList<>();
        for (DocCommand c : COMMANDS) {
            try {
                Dmsc.commandLine().parseArgs(c.args().toArray(String[]::new));
            } catch (ParameterException e) {
                List<String> unmatched = e.getCommandLine().getUnmatchedArguments();
                failures.add(c.where() + ": " + c.line() + " -> " + e.getMessage()
                        + (unmatched.isEmpty() || e instanceof picocli.CommandLine.UnmatchedArgumentException ? ""
                        : " (unknown: " + unmatched + ")"));
            }
        }
        assertThat(failures).as("doc lines the CLI refuses").isEmpty();
    }

    @Test
    void shouldRunTheReadOnlyDocumentedCommandsAgainstFigure2() throws Exception {
        List<String> failures = new ArrayList<>();
        ExecutorService background = Executors.newCachedThreadPool();
        Server endpoint = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                .addService(new EchoService("doc-endpoint")).build().start();
        Figure2 figure2 = Figure2.start();
        try {
            Map<String, String> bound = figure2.boundAddresses();
            List<DocCommand> readOnly = new ArrayList<>();
            List<String> prefixes = new ArrayList<>();
            List<Future<Integer>> attached = new ArrayList<>();
            for (DocCommand c : COMMANDS) {
                String kind = kind(c);
                if (kind != null) {
                    PARSE_ONLY.merge(kind, 1, Integer::sum);
                    continue;
                }
                List<String> args = new ArrayList<>();
                String unknown = null;
                for (int i = 0; i < c.args().size(); i++) {
                    String a = c.args().get(i);
                    if (c.name().equals("attach") && i > 0 && c.args().get(i - 1).equals("--endpoint")) {
                        a = "127.0.0.1:" + endpoint.getPort();
                    }
                    Matcher m = ADDRESS.matcher(a);
                    StringBuilder mapped = new StringBuilder();
                    while (m.find()) {
                        String to = bound.get(m.group().replace("localhost", "127.0.0.1"));
                        if (to == null && !m.group().equals("127.0.0.1:" + endpoint.getPort())) {
                            unknown = m.group();
                        }
                        m.appendReplacement(mapped, Matcher.quoteReplacement(to == null ? m.group() : to));
                    }
                    m.appendTail(mapped);
                    args.add(mapped.toString());
                }
                if (unknown != null) {
                    SKIPPED.add(c.where() + ": " + c.line() + " -> " + unknown + " is not an address of "
                            + "examples/figure2.yaml");
                    continue;
                }
                if (c.name().equals("attach")) {
                    if (!args.contains("--exit-after-ms")) {
                        args.addAll(List.of("--exit-after-ms", "170000"));
                    }
                    for (int i = 0; i + 1 < args.size(); i++) {
                        if (args.get(i).equals("--prefix")) {
                            prefixes.add(args.get(i + 1));
                        }
                    }
                    String[] argv = args.toArray(String[]::new);
                    attached.add(background.submit(() -> Dmsc.execute(argv)));
                    ran++;
                } else {
                    readOnly.add(new DocCommand(c.where(), c.line(), args));
                }
            }
            if (!prefixes.isEmpty()) {
                await().atMost(Duration.ofSeconds(30)).until(() -> attached.stream().anyMatch(Future::isDone)
                        || routed(figure2, prefixes));
                for (Future<Integer> f : attached) {
                    assertThat(f).as("a documented attach ended (exit status %s)",
                            f.isDone() ? f.get() : null).isNotDone();
                }
                figure2.awaitRoutes(prefixes);
            }
            for (DocCommand c : readOnly) {
                String[] result = run(c.args());
                ran++;
                if (!result[0].equals("0")) {
                    failures.add(c.where() + ": " + c.line() + " -> exit " + result[0] + " running " + c.args()
                            + ":\n" + result[1]);
                }
            }
        } finally {
            // Interrupted, the attach commands withdraw their prefixes; then the mesh closes.
            background.shutdownNow();
            background.awaitTermination(10, java.util.concurrent.TimeUnit.SECONDS);
            figure2.close();
            endpoint.shutdownNow();
        }
        assertThat(failures).as("documented read-only commands that failed").isEmpty();
    }

    private static boolean routed(Figure2 figure2, List<String> prefixes) {
        return prefixes.stream().allMatch(p -> figure2.mesh().node("sg-1").fib().lookup(p) != null);
    }

    /** @return why a command is only parsed, or null if it is run */
    private static String kind(DocCommand c) {
        if (c.args().contains("--help") || c.args().contains("-h") || c.name().startsWith("-")
                || READ_ONLY.contains(c.name())) {
            return null;
        }
        if (c.args().equals(List.of("spa", "hash-token"))) {
            return null; // prints a new token and its hash, nothing else
        }
        return switch (c.name()) {
            case "up", "run", "demo" -> "starts-nodes";
            case "attach" -> c.args().contains("--tls-ca") ? "attach-with-pod-certificates" : null;
            case "link", "overload" -> "changes-state";
            case "ca", "spa" -> "writes-files";
            default -> "other";
        };
    }

    /** Runs a command; returns its exit status and what it printed. */
    private static String[] run(List<String> args) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        StringWriter usage = new StringWriter();
        StringWriter err = new StringWriter();
        PrintStream old = System.out;
        int code;
        try {
            System.setOut(new PrintStream(bytes, true, StandardCharsets.UTF_8));
            code = Dmsc.execute(new PrintWriter(usage, true), new PrintWriter(err, true), args.toArray(String[]::new));
        } finally {
            System.setOut(old);
        }
        return new String[] {Integer.toString(code), bytes.toString(StandardCharsets.UTF_8) + usage + err};
    }
}
