package io.dmsc.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/**
 * Every command's help is complete (a summary, every option and parameter described and labelled,
 * defaults stated, examples that parse), and every command line the parser refuses says what was
 * wrong and what the command takes, on stderr, with exit status 2.
 */
class CliHelpTest {
    /** Options several commands take: each must read the same everywhere. */
    private static final List<String> SHARED_OPTIONS = List.of("--admin", "--gateway", "--token-file", "--tls-ca",
            "--cert", "--key", "--exit-after-ms", "--help");

    /** A command's exit status and what picocli printed. */
    private record Run(int code, String out, String err) {
    }

    private static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Dmsc.execute(new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new Run(code, out.toString(), err.toString());
    }

    /** @return every command of the tree, the root first, each as its command line ("dmsc", "dmsc ca init") */
    static Stream<String> commandPaths() {
        return specs(Dmsc.commandLine()).stream().map(CommandSpec::qualifiedName);
    }

    /** @return the specs of every command of a tree, the root first */
    private static List<CommandSpec> specs(CommandLine root) {
        List<CommandSpec> specs = new ArrayList<>();
        specs.add(root.getCommandSpec());
        root.getSubcommands().values().forEach(sub -> specs.addAll(specs(sub)));
        return specs;
    }

    /** @return the commands that have subcommands of their own */
    static Stream<String> groupPaths() {
        return commandPaths().filter(p -> !command(p).getSubcommands().isEmpty());
    }

    private static CommandLine command(String path) {
        CommandLine cl = Dmsc.commandLine();
        for (String name : words(path)) {
            cl = cl.getSubcommands().get(name);
        }
        return cl;
    }

    /** @return the words after "dmsc" */
    private static String[] words(String path) {
        String[] all = path.split(" ");
        return java.util.Arrays.copyOfRange(all, 1, all.length);
    }

    private static String[] with(String path, String... more) {
        return Stream.concat(Stream.of(words(path)), Stream.of(more)).toArray(String[]::new);
    }


    private static String describe(ArgSpec arg) {
        return arg instanceof OptionSpec o ? o.longestName() : ((PositionalParamSpec) arg).paramLabel();
    }

    @Test
    void shouldDescribeEveryCommandOptionAndParameterWithALabel() {
        List<String> problems = new ArrayList<>();
        specs(Dmsc.commandLine()).forEach(spec -> {
            String path = spec.qualifiedName();
            String[] description = spec.usageMessage().description();
            if (description.length == 0 || description[0].isBlank()) {
                problems.add(path + ": no description");
            } else if (!description[0].endsWith(".")) {
                problems.add(path + ": the summary is not one sentence: " + description[0]);
            }
            for (ArgSpec arg : spec.args()) {
                String where = path + " " + describe(arg);
                if (arg.description().length == 0 || String.join("", arg.description()).isBlank()) {
                    problems.add(where + ": no description");
                }
                boolean takesValue = arg.isPositional() || arg.arity().max() > 0;
                if (takesValue && arg.paramLabel().startsWith("<")) {
                    problems.add(where + ": no parameter label (picocli's default " + arg.paramLabel() + ")");
                }
            }
        });
        assertThat(problems).isEmpty();
    }

    @Test
    void shouldStateTheDefaultOfEveryOptionThatHasOne() {
        List<String> problems = new ArrayList<>();
        CommandLine root = Dmsc.commandLine();
        // The descriptions as written, ${DEFAULT-VALUE} and all.
        root.setInterpolateVariables(false);
        specs(root).forEach(spec -> {
            String path = spec.qualifiedName();
            for (OptionSpec o : spec.options()) {
                String text = String.join(" ", o.description());
                Object initial = o.defaultValue() != null ? o.defaultValue() : o.initialValue();
                boolean hasDefault = o.arity().max() > 0 && initial != null
                        && !(initial instanceof java.util.Collection<?> c && c.isEmpty());
                if (hasDefault && !text.contains("(default: ")) {
                    problems.add(path + " " + o.longestName() + ": default " + initial + " not stated");
                }
                if (text.matches(".*default: \\d.*")) {
                    problems.add(path + " " + o.longestName() + ": a written-out default (expected: "
                            + "${DEFAULT-VALUE}): " + text);
                }
            }
        });
        assertThat(problems).isEmpty();
    }

    @Test
    void shouldDescribeTheSharedOptionsAlikeInEveryCommand() {
        Map<String, Set<String>> texts = new HashMap<>();
        Map<String, Integer> uses = new HashMap<>();
        specs(Dmsc.commandLine()).forEach(spec -> {
            for (OptionSpec o : spec.options()) {
                if (SHARED_OPTIONS.contains(o.longestName())) {
                    texts.computeIfAbsent(o.longestName(), k -> new LinkedHashSet<>())
                            .add(String.join(" ", o.names()) + (o.arity().max() > 0 ? " " + o.paramLabel() : "")
                                    + ": " + String.join(" ", o.description()) + (o.required() ? " (required)" : ""));
                    uses.merge(o.longestName(), 1, Integer::sum);
                }
            }
        });
        for (String name : SHARED_OPTIONS) {
            assertThat(uses.getOrDefault(name, 0)).as("commands taking %s", name).isGreaterThan(1);
            assertThat(texts.get(name)).as("how the commands describe %s", name).hasSize(1);
        }
    }

    @ParameterizedTest(name = "{0} --help")
    @MethodSource("commandPaths")
    void shouldPrintTheUsageToStdoutAndExitZeroForHelp(String path) {
        for (String flag : List.of("--help", "-h")) {
            Run r = run(with(path, flag));
            assertThat(r.code()).as("%s %s: %s", path, flag, r.err()).isZero();
            assertThat(r.out()).startsWith("Usage: " + path + " ").doesNotContain("${");
            assertThat(r.err()).isEmpty();
        }
        if (!path.equals("dmsc")) {
            Run viaHelp = run(with("dmsc help " + String.join(" ", words(path))));
            assertThat(viaHelp.code()).isZero();
            assertThat(viaHelp.out()).isEqualTo(run(with(path, "--help")).out());
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("commandPaths")
    void shouldGiveExamplesThatParseAndFitTheUsageWidth(String path) {
        CommandLine cl = command(path);
        String[] footer = cl.getCommandSpec().usageMessage().footer();
        List<String> lines = new ArrayList<>();
        StringBuilder logical = new StringBuilder();
        for (String line : footer) {
            assertThat(line.length()).as("footer line of %s: %s", path, line)
                    .isLessThanOrEqualTo(cl.getUsageHelpWidth());
            // The root's examples say what they do after two spaces.
            String trimmed = line.strip().split(" {2,}")[0];
            boolean continued = trimmed.endsWith("\\");
            if (logical.length() > 0 || trimmed.startsWith("dmsc ")) {
                logical.append(continued ? trimmed.substring(0, trimmed.length() - 1) : trimmed).append(' ');
            }
            if (!continued && logical.length() > 0) {
                lines.add(logical.toString().strip());
                logical.setLength(0);
            }
        }
        assertThat(lines).as("examples of %s", path).isNotEmpty();
        for (String example : lines) {
            if (example.startsWith("dmsc COMMAND")) {
                continue;
            }
            List<String> args;
            try {
                args = ShellWords.commands(example, Path.of("..")).get(0);
            } catch (ShellWords.UnsupportedException e) {
                throw new AssertionError(example + ": " + e.getMessage(), e);
            }
            Dmsc.commandLine().parseArgs(args.subList(1, args.size()).toArray(String[]::new));
        }
    }

    @Test
    void shouldPrintTheVersion() {
        for (String flag : List.of("--version", "-V")) {
            Run r = run(flag);
            assertThat(r.code()).isZero();
            assertThat(r.out()).startsWith("dmsc ").matches("dmsc \\d+\\.\\d+\\.\\d+\\R");
        }
    }

    @Test
    void shouldPrintTheCommandsAndExitTwoWithoutACommand() {
        Run r = run();
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.out()).isEmpty();
        assertThat(r.err()).startsWith("dmsc: missing command (expected: one of demo, run, up, show,")
                .contains("Usage: dmsc ").contains("Commands:");
    }

    @Test
    void shouldNameAnUnknownCommandAndListTheCommands() {
        Run r = run("bogus");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.out()).isEmpty();
        assertThat(r.err()).startsWith("dmsc: unknown command 'bogus' (expected: one of ").contains("Commands:");
        for (String name : Dmsc.commandLine().getSubcommands().keySet()) {
            assertThat(r.err()).containsPattern("(?m)^  " + name + " ");
        }
        assertThat(run("sho").err()).contains("Did you mean: dmsc show?").contains("Commands:");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("groupPaths")
    void shouldNameAMissingOrUnknownSubcommandAndListTheSubcommands(String path) {
        String expected = "(expected: one of " + String.join(", ", command(path).getSubcommands().keySet()) + ")";
        Run missing = run(words(path));
        assertThat(missing.code()).isEqualTo(2);
        assertThat(missing.err()).startsWith(path + ": missing command " + expected)
                .contains("Usage: " + path).contains("Commands:");
        Run unknown = run(with(path, "bogus"));
        assertThat(unknown.code()).isEqualTo(2);
        assertThat(unknown.err()).startsWith(path + ": unknown command 'bogus' " + expected)
                .contains("Commands:");
        if (!path.equals("dmsc")) {
            Run viaHelp = run(with("dmsc help " + String.join(" ", words(path)), "bogus"));
            assertThat(viaHelp.code()).isEqualTo(2);
            assertThat(viaHelp.err()).startsWith(path + ": unknown command 'bogus' " + expected);
        }
    }

    @ParameterizedTest(name = "{0} --no-such-option")
    @MethodSource("commandPaths")
    void shouldNameAnUnknownOptionAndPrintTheUsage(String path) {
        Run r = run(with(path, "--no-such-option"));
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.out()).isEmpty();
        assertThat(r.err()).startsWith(path + ": ").contains("'--no-such-option'")
                .contains("Usage: " + path + " ");
    }

    @Test
    void shouldNameAMissingOrInvalidValueAndPrintTheUsage() {
        Run missing = run("ping", "/B/4");
        assertThat(missing.code()).isEqualTo(2);
        assertThat(missing.err()).startsWith("dmsc ping: Missing required option: '--gateway=HOST:PORT'")
                .contains("Usage: dmsc ping ");
        Run invalid = run("ping", "/B/4", "--gateway", "127.0.0.1:1", "-c", "many");
        assertThat(invalid.code()).isEqualTo(2);
        assertThat(invalid.err()).startsWith("dmsc ping: Invalid value for option '--count': 'many' is not an int")
                .contains("Usage: dmsc ping ");
        Run what = run("show", "bogus", "--admin", "127.0.0.1:1");
        assertThat(what.code()).isEqualTo(2);
        assertThat(what.err()).startsWith("dmsc show: Invalid value for positional parameter at index 0 (WHAT): "
                + "expected one of [neighbors, lsdb, rib, fib,").contains("Usage: dmsc show ");
        Run noValue = run("show", "fib", "--admin");
        assertThat(noValue.code()).isEqualTo(2);
        assertThat(noValue.err()).contains("--admin").contains("Usage: dmsc show ");
    }

    @Test
    void shouldReportAnErrorTheUserCanFixWithoutAStackTrace() {
        Run r = run("show", "fib", "--admin", "nonsense");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).startsWith("dmsc: --admin: ").contains("(expected: ").doesNotContain("\tat ");
    }
}
