package io.dmsc.cli;

import io.dmsc.node.config.ConfigException;
import io.dmsc.node.link.LinkException;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * The {@code dmsc} command. Subcommands are thin over the modules.
 *
 * <p>A command line the parser refuses (no command, an unknown command or option, a missing or
 * invalid value) prints what was wrong and the usage of the command it reached (its commands or its
 * options) to stderr and exits 2; so does an error the user can fix while the command runs, without
 * a stack trace. {@code --help} on any command prints its usage to stdout and exits 0.
 */
@Command(name = "dmsc", version = "dmsc 0.1.0",
        description = "Distributed Micro Service Communication: service gateways and routers that route calls "
                + "by service prefix.",
        subcommands = {DemoCommand.class, RunCommand.class, UpCommand.class, ShowCommand.class, AttachCommand.class, PingCommand.class,
            TraceCommand.class, SpaCommand.class, CaCommand.class, OverloadCommand.class, LinkCommand.class,
            HelpCommand.class},
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {
            "0:done",
            "1:the command ran and its check failed (ping: no reply, trace: owner not reached, demo: a step "
                + "failed)",
            "2:a usage error (no command, an unknown command or option, a missing or invalid value: the "
                + "message and the command's usage go to stderr), or a problem the message says how to fix "
                + "(a bad file, an unreachable node)"},
        footerHeading = "%nExamples:%n",
        footer = {
            "  dmsc up examples/figure2.yaml             the draft's Figure 2 in one process",
            "  dmsc show fib --admin 127.0.0.1:9101      sg-1's forwarding table",
            "  dmsc trace /B/4 --gateway 127.0.0.1:7101  every hop from sg-1 to /B/4",
            "  dmsc COMMAND --help                       a command's options and examples"})
public final class Dmsc {
    private static final String HELP_DESCRIPTION = "show this help and exit";

    @Option(names = {"-h", "--help"}, usageHelp = true, description = HELP_DESCRIPTION)
    boolean help;

    @Option(names = {"-V", "--version"}, versionHelp = true, description = "print the version and exit")
    boolean version;

    private Dmsc() {
    }

    /**
     * Entry point.
     *
     * @param args command line
     */
    public static void main(String[] args) {
        quietGrpcStreamWarnings();
        System.exit(execute(args));
    }

    /** Held so the level set below is not lost when the logger is collected. */
    private static final java.util.logging.Logger GRPC_NETTY = java.util.logging.Logger.getLogger("io.grpc.netty");

    /**
     * grpc-java logs every stream its peer reset while a write was pending ("Stream closed before
     * write could take place") as a warning with a stack trace; for a gateway that forwards
     * cancellations, that is routine, and the calls are counted in the metrics instead.
     */
    private static void quietGrpcStreamWarnings() {
        GRPC_NETTY.setLevel(java.util.logging.Level.SEVERE);
    }

    /**
     * Runs a command line and returns its exit code (for tests).
     *
     * @param args command line
     * @return exit code
     */
    public static int execute(String... args) {
        return commandLine().execute(args);
    }

    /**
     * Runs a command line with picocli's output (usage, version, errors) going to the given
     * writers, and returns its exit code. The commands themselves still print to System.out.
     *
     * @param out  where usage and version go
     * @param err  where errors go
     * @param args command line
     * @return exit code
     */
    static int execute(PrintWriter out, PrintWriter err, String... args) {
        CommandLine cl = commandLine();
        cl.setOut(out);
        cl.setErr(err);
        try {
            return cl.execute(args);
        } finally {
            out.flush();
            err.flush();
        }
    }

    /** @return the command tree, with the error handling of {@link #execute(String...)} */
    static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Dmsc());
        addHelpOption(cl);
        cl.setParameterExceptionHandler(Dmsc::usageError);
        cl.setExecutionExceptionHandler((ex, line, parsed) -> {
            // Errors the user can fix say what was expected ("... (expected: ...)"): no stack trace for those.
            if (ex instanceof ConfigException || ex instanceof LinkException || ex instanceof UserException
                    || (ex instanceof RuntimeException && ex.getMessage() != null
                    && ex.getMessage().contains("(expected:"))) {
                line.getErr().println("dmsc: " + ex.getMessage());
                return 2;
            }
            if (ex instanceof InterruptedException) {
                // A command run in a thread that is interrupted (embedded, in tests) has closed what it
                // held on the way out; it ends as a process does on SIGINT, without a stack trace.
                Thread.currentThread().interrupt();
                return 130;
            }
            throw ex;
        });
        return cl;
    }

    /**
     * Gives every command below the root the root's {@code -h, --help}, so that no command needs to
     * declare it and none lacks it. (Not an inherited option: picocli's {@code help} command has its own.)
     */
    private static void addHelpOption(CommandLine cl) {
        for (CommandLine sub : cl.getSubcommands().values()) {
            CommandSpec spec = sub.getCommandSpec();
            if (spec.findOption("--help") == null) {
                spec.addOption(OptionSpec.builder("-h", "--help").usageHelp(true).description(HELP_DESCRIPTION)
                        .build());
            }
            addHelpOption(sub);
        }
    }

    /**
     * Prints what was wrong with a command line and what the command it reached takes (its
     * commands, or its usage); picocli's own handler omits the usage when it has suggestions.
     */
    private static int usageError(ParameterException ex, String[] args) {
        CommandLine cmd = ex.getCommandLine();
        PrintWriter err = cmd.getErr();
        String name = cmd.getCommandSpec().qualifiedName();
        String commands = String.join(", ", cmd.getSubcommands().keySet());
        String message = ex.getMessage();
        if (!cmd.getSubcommands().isEmpty() && message.startsWith("Missing required subcommand")) {
            message = "missing command (expected: one of " + commands + ")";
        } else if (!cmd.getSubcommands().isEmpty() && ex instanceof UnmatchedArgumentException unmatched
                && !unmatched.getUnmatched().isEmpty() && !unmatched.getUnmatched().get(0).startsWith("-")) {
            message = "unknown command '" + unmatched.getUnmatched().get(0) + "' (expected: one of " + commands + ")";
        }
        err.println(name + ": " + message);
        if (!(ex instanceof UnmatchedArgumentException) && !cmd.getUnmatchedArguments().isEmpty()) {
            // picocli reports a missing option before an unknown one: say both.
            err.println(name + ": unknown option or argument: " + String.join(", ", cmd.getUnmatchedArguments()
                    .stream().map(a -> "'" + a + "'").toList()));
        }
        UnmatchedArgumentException.printSuggestions(ex, err);
        err.println();
        cmd.usage(err, cmd.getColorScheme());
        return cmd.getCommandSpec().exitCodeOnInvalidInput();
    }

    /** An error the user can fix; printed without a stack trace. */
    static final class UserException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        UserException(String message) {
            super(message);
        }
    }
}
