package io.dmsc.cli;

import io.dmsc.node.link.HostPort;
import io.dmsc.wire.proto.gateway.v1.DiagnosticsGrpc;
import io.dmsc.wire.proto.gateway.v1.PingReply;
import io.dmsc.wire.proto.gateway.v1.PingRequest;
import io.dmsc.wire.proto.gateway.v1.ProbeOutcome;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code dmsc ping /name}: echo probes through the fabric to the owner of a name, like ping. */
@Command(name = "ping", description = {"Echo probes through the fabric to the node owning a name, like ping.",
    "Exit status 0 when a reply came back, 1 when none did."},
        footerHeading = "%nExamples:%n",
        footer = {"  dmsc ping /B/4 --gateway 127.0.0.1:7101", "  dmsc ping /_dmsc/node/sr-2 --gateway 127.0.0.1:7101 -c 10 -i 200"})
final class PingCommand implements Callable<Integer> {
    @Parameters(paramLabel = "NAME", description = "a service name or a node's name, e.g. /B/4 or /_dmsc/node/sr-2")
    String name;

    @picocli.CommandLine.Mixin
    SharedOptions.Gateway gatewayOption = new SharedOptions.Gateway();

    @picocli.CommandLine.Mixin
    TlsOptions tlsOptions = new TlsOptions();

    @Option(names = {"-c", "--count"}, paramLabel = "N", defaultValue = "4",
            description = "probes to send (default: ${DEFAULT-VALUE})")
    int count;

    @Option(names = {"-i", "--interval-ms"}, paramLabel = "MS", defaultValue = "1000",
            description = "wait between probes (default: ${DEFAULT-VALUE})")
    long intervalMs;

    @Option(names = {"-s", "--size"}, paramLabel = "BYTES", defaultValue = "0",
            description = "padding bytes per probe (default: ${DEFAULT-VALUE})")
    int size;

    @Option(names = "--timeout-ms", paramLabel = "MS", defaultValue = "2000",
            description = "wait this long for each reply (default: ${DEFAULT-VALUE})")
    int timeoutMs;

    @Override
    public Integer call() throws Exception {
        String gateway = gatewayOption.address;
        ManagedChannel ch = channel(gateway, tlsOptions);
        try {
            DiagnosticsGrpc.DiagnosticsBlockingStub stub = DiagnosticsGrpc.newBlockingStub(ch);
            List<Double> rtts = new ArrayList<>();
            System.out.println("PING " + name + " via " + gateway);
            for (int i = 1; i <= count; i++) {
                PingReply r;
                try {
                    r = stub.withDeadlineAfter(timeoutMs + 2000L, TimeUnit.MILLISECONDS).ping(PingRequest.newBuilder()
                            .setName(name).setTimeoutMs(timeoutMs).setPayloadBytes(size).build());
                } catch (StatusRuntimeException e) {
                    throw new Dmsc.UserException("ping: " + describe(e, gateway));
                }
                if (r.getOutcome() == ProbeOutcome.ECHO_REPLY) {
                    double ms = r.getRttNs() / 1e6;
                    rtts.add(ms);
                    System.out.printf("reply from %s: seq=%d hops=%d time=%.3f ms%n", r.getNode(), i, r.getHops(), ms);
                } else {
                    System.out.printf("seq=%d %s%s%s%n", i, r.getOutcome().name().toLowerCase().replace('_', ' '),
                            r.getNode().isEmpty() ? "" : " from " + r.getNode(),
                            r.getMessage().isEmpty() ? "" : ": " + r.getMessage());
                }
                if (i < count) {
                    Thread.sleep(intervalMs);
                }
            }
            System.out.printf("--- %s: %d sent, %d received, %.0f%% lost", name, count, rtts.size(),
                    100.0 * (count - rtts.size()) / count);
            if (!rtts.isEmpty()) {
                Collections.sort(rtts);
                double sum = 0;
                for (double d : rtts) {
                    sum += d;
                }
                System.out.printf("; rtt min/avg/max = %.3f/%.3f/%.3f ms", rtts.get(0), sum / rtts.size(),
                        rtts.get(rtts.size() - 1));
            }
            System.out.println();
            return rtts.isEmpty() ? 1 : 0;
        } finally {
            ch.shutdownNow();
        }
    }

    static ManagedChannel channel(String gateway, TlsOptions tls) {
        HostPort hp;
        try {
            hp = HostPort.parse(gateway);
        } catch (IllegalArgumentException e) {
            throw new Dmsc.UserException("--gateway: " + e.getMessage());
        }
        NettyChannelBuilder b = NettyChannelBuilder.forAddress(hp.host(), hp.port());
        io.dmsc.sdk.GatewayTls settings = tls.tls();
        if (settings == null) {
            return b.usePlaintext().build();
        }
        try {
            return b.sslContext(settings.clientContext()).build();
        } catch (IllegalArgumentException e) {
            throw new Dmsc.UserException("--tls-ca/--cert/--key: " + e.getMessage());
        }
    }

    static String describe(StatusRuntimeException e, String gateway) {
        switch (e.getStatus().getCode()) {
            case UNAVAILABLE:
                return "cannot reach the gateway at " + gateway + " (expected: an SG's pod-facing address, e.g. "
                        + "127.0.0.1:7101; add --tls-ca CA if it serves TLS): " + e.getStatus().getDescription();
            case UNIMPLEMENTED:
                return gateway + " is not a DMSC gateway's pod-facing port";
            default:
                return e.getStatus().getCode() + ": " + e.getStatus().getDescription();
        }
    }
}
