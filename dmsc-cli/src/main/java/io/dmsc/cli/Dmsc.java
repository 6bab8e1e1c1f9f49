package io.dmsc.cli;

import io.dmsc.node.config.ConfigException;
import io.dmsc.node.link.LinkException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code dmsc} command. Subcommands are thin over the modules.
 */
@Command(name = "dmsc", mixinStandardHelpOptions = true, version = "dmsc 0.1.0",
        description = "Distributed Micro Service Communication: service gateways and routers that route calls "
                + "by service prefix.",
        subcommands = {DemoCommand.class, RunCommand.class, UpCommand.class, ShowCommand.class, AttachCommand.class, PingCommand.class,
            TraceCommand.class, SpaCommand.class, CaCommand.class, OverloadCommand.class, LinkCommand.class,
            CommandLine.HelpCommand.class})
public final class Dmsc {
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
        CommandLine cl = new CommandLine(new Dmsc());
        cl.setExecutionExceptionHandler((ex, line, parsed) -> {
            // Errors the user can fix say what was expected ("... (expected: ...)"): no stack trace for those.
            if (ex instanceof ConfigException || ex instanceof LinkException || ex instanceof UserException
                    || (ex instanceof RuntimeException && ex.getMessage() != null
                    && ex.getMessage().contains("(expected:"))) {
                line.getErr().println("dmsc: " + ex.getMessage());
                return 2;
            }
            throw ex;
        });
        return cl.execute(args);
    }

    /** An error the user can fix; printed without a stack trace. */
    static final class UserException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        UserException(String message) {
            super(message);
        }
    }
}
