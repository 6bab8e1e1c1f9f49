package io.dmsc.cli;

import io.dmsc.node.link.HostPort;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * The options several commands take, each declared once (as a picocli mixin) so that every
 * command's help names and describes it the same way.
 */
final class SharedOptions {
    private SharedOptions() {
    }

    /** {@code --admin HOST:PORT}: a node's admin HTTP address. */
    static final class Admin {
        @Option(names = "--admin", required = true, paramLabel = "HOST:PORT",
                description = "the node's admin HTTP address (admin: in its config, e.g. 127.0.0.1:9101)")
        String address;

        /** @return the address, parsed */
        HostPort hostPort() {
            try {
                return HostPort.parse(address);
            } catch (IllegalArgumentException e) {
                throw new Dmsc.UserException("--admin: " + e.getMessage());
            }
        }
    }

    /** {@code --token-file FILE}: the bearer token of a node's state-changing admin endpoints. */
    static final class AdminToken {
        @Option(names = "--token-file", paramLabel = "FILE",
                description = "file holding the node's admin bearer token (adminTokenFile: in its config; "
                        + "'dmsc up' with security: auto makes one and prints its path); the node refuses "
                        + "state changes without it")
        Path file;
    }

    /** {@code --gateway HOST:PORT}: a Service Gateway's pod-facing address. */
    static final class Gateway {
        @Option(names = "--gateway", required = true, paramLabel = "HOST:PORT",
                description = "the Service Gateway's pod-facing address (pod: in its config, e.g. 127.0.0.1:7101)")
        String address;
    }

    /** {@code --exit-after-ms MS}: how long a long-running command runs when a script started it. */
    static final class ExitAfter {
        @Option(names = "--exit-after-ms", paramLabel = "MS",
                description = "stop after this long, for scripts (default: run until Ctrl-C)")
        long ms;
    }
}
