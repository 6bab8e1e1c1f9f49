package io.dmsc.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/**
 * {@code dmsc overload on|off}: sets or clears a node's overload bit through its admin port
 * (the node stays reachable but carries no transit: drain it before maintenance). Needs the
 * node's admin bearer token.
 */
@Command(name = "overload", description = {
    "Set (on) or clear (off) a node's overload bit: it stays reachable but carries no transit.",
    "Drain a router before maintenance with on; off lets transit through it again."},
        footerHeading = "%nExamples:%n",
        footer = {"  dmsc overload on --admin 127.0.0.1:9111 \\",
            "      --token-file examples/.dmsc/admin.token",
            "  dmsc overload off --admin 127.0.0.1:9111 \\",
            "      --token-file examples/.dmsc/admin.token"})
final class OverloadCommand implements Callable<Integer> {
    enum State { on, off }

    @Parameters(paramLabel = "on|off", description = "set or clear the bit, one of: ${COMPLETION-CANDIDATES}")
    State state;

    @Mixin
    SharedOptions.Admin admin = new SharedOptions.Admin();

    @Mixin
    SharedOptions.AdminToken token = new SharedOptions.AdminToken();

    @Override
    public Integer call() throws InterruptedException {
        System.out.print(AdminClient.post(admin.hostPort(), "/overload?set=" + state, token.file));
        return 0;
    }
}
