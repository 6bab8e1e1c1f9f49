package io.dmsc.cli;

import io.dmsc.wire.proto.gateway.v1.DiagnosticsGrpc;
import io.dmsc.wire.proto.gateway.v1.ProbeOutcome;
import io.dmsc.wire.proto.gateway.v1.TraceHop;
import io.dmsc.wire.proto.gateway.v1.TraceRequest;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import java.util.Iterator;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code dmsc trace /name}: every hop towards the owner of a name, like traceroute. */
@Command(name = "trace", description = {"Every hop on the way to the node owning a name, like traceroute.",
    "Exit status 0 when the owner answered, 1 when it was not reached."},
        footerHeading = "%nExamples:%n",
        footer = "  dmsc trace /B/4 --gateway 127.0.0.1:7101")
final class TraceCommand implements Callable<Integer> {
    @Parameters(paramLabel = "NAME", description = "a service name or a node's name, e.g. /B/4 or /_dmsc/node/sr-2")
    String name;

    @picocli.CommandLine.Mixin
    SharedOptions.Gateway gatewayOption = new SharedOptions.Gateway();

    @picocli.CommandLine.Mixin
    TlsOptions tlsOptions = new TlsOptions();

    @Option(names = {"-m", "--max-hops"}, paramLabel = "HOPS", defaultValue = "16",
            description = "hop limit of the last probe (default: ${DEFAULT-VALUE})")
    int maxHops;

    @Option(names = "--timeout-ms", paramLabel = "MS", defaultValue = "2000",
            description = "wait this long for each hop's reply (default: ${DEFAULT-VALUE})")
    int timeoutMs;

    @Override
    public Integer call() {
        String gateway = gatewayOption.address;
        ManagedChannel ch = PingCommand.channel(gateway, tlsOptions);
        try {
            System.out.println("trace " + name + " via " + gateway + ", " + maxHops + " hops max");
            Iterator<TraceHop> hops = DiagnosticsGrpc.newBlockingStub(ch)
                    .withDeadlineAfter((long) (maxHops + 1) * (timeoutMs + 1000L), TimeUnit.MILLISECONDS)
                    .trace(TraceRequest.newBuilder().setName(name).setMaxHops(maxHops).setTimeoutMs(timeoutMs).build());
            boolean reached = false;
            while (hops.hasNext()) {
                TraceHop h = hops.next();
                String node = h.getNode().isEmpty() ? "*" : h.getNode();
                if (h.getHop() == 0) {
                    System.out.printf("%3d  %-12s (ingress gateway)%n", 0, node);
                    continue;
                }
                String note = h.getOutcome() == ProbeOutcome.ECHO_REPLY ? "  owner of " + name
                        : h.getOutcome() == ProbeOutcome.UNREACHABLE ? "  unreachable: " + h.getMessage()
                        : h.getOutcome() == ProbeOutcome.TIMEOUT ? "  no reply" : "";
                System.out.printf("%3d  %-12s %8.3f ms%s%n", h.getHop(), node, h.getRttNs() / 1e6, note);
                reached |= h.getOutcome() == ProbeOutcome.ECHO_REPLY;
            }
            return reached ? 0 : 1;
        } catch (StatusRuntimeException e) {
            throw new Dmsc.UserException("trace: " + PingCommand.describe(e, gateway));
        } finally {
            ch.shutdownNow();
        }
    }
}
