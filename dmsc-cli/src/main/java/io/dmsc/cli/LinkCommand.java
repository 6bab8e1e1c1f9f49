package io.dmsc.cli;

import java.math.BigDecimal;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code dmsc link impair|clear}: impairs the frames a node sends to one neighbour (delay,
 * jitter, loss, rate limit) through the node's admin port, for tests, drills and demos, or clears
 * the impairment. The node checks every value; this command only carries them.
 */
@Command(name = "link", description = {"Impair a node's link to a neighbour (delay, jitter, loss, rate) or clear it.",
    "Both act on the frames the node at --admin sends to --peer, through its admin port."},
        subcommands = {LinkCommand.Impair.class, LinkCommand.Clear.class},
        footerHeading = "%nExamples:%n",
        footer = {"  dmsc link impair --admin 127.0.0.1:9111 --peer sr-2 --delay-ms 50 \\",
            "      --token-file examples/.dmsc/admin.token",
            "  dmsc link clear --admin 127.0.0.1:9111 --peer sr-2 \\",
            "      --token-file examples/.dmsc/admin.token"})
final class LinkCommand {
    private LinkCommand() {
    }

    /** What both subcommands take. */
    static class Target {
        @Mixin
        SharedOptions.Admin admin = new SharedOptions.Admin();

        @Option(names = "--peer", required = true, paramLabel = "ID",
                description = "the neighbour's node id (frames to it are impaired)")
        String peer;

        @Mixin
        SharedOptions.AdminToken token = new SharedOptions.AdminToken();

        String peerParameter() {
            return "peer=" + URLEncoder.encode(peer, StandardCharsets.UTF_8);
        }
    }

    /** {@code dmsc link impair --admin HOST:PORT --peer ID [--delay-ms N] [--jitter-ms N] [--loss-percent P] ...}. */
    @Command(name = "impair", description = {
        "Impair the frames a node sends to a neighbour, until cleared.",
        "The impairment holds across reconnections: each frame is held delay +- uniform jitter ms "
            + "(never reordered; jitter above the delay clamps at 0), data and probe frames are dropped with "
            + "the loss probability (hellos and LSPs never are), and a token bucket holds frames to the rate. "
            + "Unset values stay unimpaired; give at least one. For both directions, impair the neighbour's "
            + "side too."},
            footerHeading = "%nExamples:%n",
            footer = {"  dmsc link impair --admin 127.0.0.1:9111 --peer sr-2 --delay-ms 50 \\",
                "      --jitter-ms 10 --token-file examples/.dmsc/admin.token",
                "  dmsc link impair --admin 127.0.0.1:9111 --peer sr-2 --loss-percent 2.5 \\",
                "      --rate-kbps 8000 --token-file examples/.dmsc/admin.token"})
    static final class Impair extends Target implements Callable<Integer> {
        @Option(names = "--delay-ms", paramLabel = "MS", description = "added delay in ms, 0..60000")
        Integer delayMs;

        @Option(names = "--jitter-ms", paramLabel = "MS",
                description = "uniform jitter around the delay in ms, 0..60000")
        Integer jitterMs;

        @Option(names = "--loss-percent", paramLabel = "P",
                description = "percentage of data and probe frames dropped, 0..100 (e.g. 2.5)")
        BigDecimal lossPercent;

        @Option(names = "--rate-kbps", paramLabel = "KBPS", description = "rate limit in kbit/s, 1..10000000")
        Long rateKbps;

        @Override
        public Integer call() throws InterruptedException {
            if (delayMs == null && jitterMs == null && lossPercent == null && rateKbps == null) {
                throw new Dmsc.UserException("link impair: nothing to impair (expected: at least one of --delay-ms, "
                        + "--jitter-ms, --loss-percent, --rate-kbps; 'dmsc link clear' removes an impairment)");
            }
            StringBuilder q = new StringBuilder("/link/impair?").append(peerParameter());
            if (delayMs != null) {
                q.append("&delayMs=").append(delayMs);
            }
            if (jitterMs != null) {
                q.append("&jitterMs=").append(jitterMs);
            }
            if (lossPercent != null) {
                q.append("&lossPercent=").append(lossPercent.toPlainString());
            }
            if (rateKbps != null) {
                q.append("&rateKbps=").append(rateKbps);
            }
            System.out.print(AdminClient.post(admin.hostPort(), q.toString(), token.file));
            return 0;
        }
    }

    /** {@code dmsc link clear --admin HOST:PORT --peer ID}. */
    @Command(name = "clear", description = {
        "Remove the impairment of a node's link to a neighbour.",
        "Frames still held leave at once."},
            footerHeading = "%nExamples:%n",
            footer = {"  dmsc link clear --admin 127.0.0.1:9111 --peer sr-2 \\",
                "      --token-file examples/.dmsc/admin.token"})
    static final class Clear extends Target implements Callable<Integer> {
        @Override
        public Integer call() throws InterruptedException {
            System.out.print(AdminClient.post(admin.hostPort(), "/link/clear?" + peerParameter(), token.file));
            return 0;
        }
    }
}
