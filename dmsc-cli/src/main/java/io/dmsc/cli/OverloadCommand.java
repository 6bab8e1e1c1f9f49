package io.dmsc.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code dmsc overload on|off}: sets or clears a node's overload bit through its admin port
 * (the node stays reachable but carries no transit: drain it before maintenance). Needs the
 * node's admin bearer token.
 */
@Command(name = "overload", description = {
    "Set (on) or clear (off) a node's overload bit: it stays reachable but carries no transit.",
    "Example: dmsc overload on --admin 127.0.0.1:9111 --token-file admin.token"})
final class OverloadCommand implements Callable<Integer> {
    enum State { on, off }

    @Parameters(paramLabel = "on|off", description = "one of: ${COMPLETION-CANDIDATES}")
    State state;

    @Option(names = "--admin", required = true, paramLabel = "HOST:PORT", description = "the node's admin address")
    String admin;

    @Option(names = "--token-file", required = true, paramLabel = "FILE",
            description = "the node's admin bearer token (its adminTokenFile)")
    Path tokenFile;

    @Override
    public Integer call() throws InterruptedException {
        System.out.print(AdminClient.post(admin, "/overload?set=" + state, tokenFile));
        return 0;
    }
}
