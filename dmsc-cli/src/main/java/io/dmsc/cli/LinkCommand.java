package io.dmsc.cli;

import java.math.BigDecimal;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code dmsc link impair|clear}: impairs the frames a node sends to one neighbour (delay,
 * jitter, loss, rate limit) through the node's admin port, for tests, drills and demos, or clears
 * the impairment. The node checks every value; this command only carries them.
 */
@Command(name = "link", description = "Impair a node's link to a neighbour (delay, jitter, loss, rate) or clear it.",
        subcommands = {LinkCommand.Impair.class, LinkCommand.Clear.class})
final class LinkCommand {
    private LinkCommand() {
    }

    /** What both subcommands take. */
    static class Target {
        @Option(names = "--admin", required = true, paramLabel = "HOST:PORT",
                description = "the admin address of the node whose sending side is impaired")
        String admin;

        @Option(names = "--peer", required = true, paramLabel = "ID", description = "the neighbour's node id")
        String peer;

        @Option(names = "--token-file", paramLabel = "FILE",
                description = "the node's admin bearer token (its adminTokenFile); state changes need it")
        Path tokenFile;

        String peerParameter() {
            return "peer=" + URLEncoder.encode(peer, StandardCharsets.UTF_8);
        }
    }

    /** {@code dmsc link impair --admin HOST:PORT --peer ID [--delay-ms N] [--jitter-ms N] [--loss-percent P] ...}. */
    @Command(name = "impair", description = {
        "Impair the frames a node sends to a neighbour until cleared (and on every reconnection):",
        "each frame is held delay +- uniform jitter ms (never reordered; jitter above the delay",
        "clamps at 0), data and probe frames are dropped with the loss probability (hellos and LSPs",
        "never are), and a token bucket holds frames to the rate. For both directions, impair the",
        "neighbour's side too.",
        "Example: dmsc link impair --admin 127.0.0.1:9111 --peer sr-2 --delay-ms 50 --jitter-ms 10 "
            + "--token-file admin.token"})
    static final class Impair extends Target implements Callable<Integer> {
        @Option(names = "--delay-ms", paramLabel = "N", description = "added delay, 0..60000")
        Integer delayMs;

        @Option(names = "--jitter-ms", paramLabel = "N", description = "uniform jitter around the delay, 0..60000")
        Integer jitterMs;

        @Option(names = "--loss-percent", paramLabel = "P", description = "data frames dropped, 0..100 (e.g. 2.5)")
        BigDecimal lossPercent;

        @Option(names = "--rate-kbps", paramLabel = "N", description = "rate limit in kbit/s, 1..10000000")
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
            System.out.print(AdminClient.post(admin, q.toString(), tokenFile));
            return 0;
        }
    }

    /** {@code dmsc link clear --admin HOST:PORT --peer ID}. */
    @Command(name = "clear", description = {
        "Remove the impairment of a node's link to a neighbour; frames still held leave at once.",
        "Example: dmsc link clear --admin 127.0.0.1:9111 --peer sr-2 --token-file admin.token"})
    static final class Clear extends Target implements Callable<Integer> {
        @Override
        public Integer call() throws InterruptedException {
            System.out.print(AdminClient.post(admin, "/link/clear?" + peerParameter(), tokenFile));
            return 0;
        }
    }
}
