package io.dmsc.cli;

import io.dmsc.sdk.AnnounceOptions;
import io.dmsc.sdk.AnnounceRejectedException;
import io.dmsc.sdk.AttachException;
import io.dmsc.sdk.AttachListener;
import io.dmsc.sdk.AttachState;
import io.dmsc.sdk.DmscMesh;
import io.dmsc.wire.proto.attach.v1.AnnounceResult;
import io.dmsc.wire.proto.attach.v1.EndpointHealth;
import io.grpc.Status;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code dmsc attach}: registers a gRPC server that has no SDK (any language) with its Service
 * Gateway, and holds the attach session (re-attaching after a gateway restart) until stopped.
 */
@Command(name = "attach", description = {
    "Announce the prefixes of an existing gRPC server (any language) to a Service Gateway.",
    "Prints every answer and health verdict as one line and holds the session (re-attaching after a "
        + "gateway restart) until Ctrl-C, which withdraws the prefixes. The pod proves its id with --token "
        + "or with a pod certificate (--tls-ca, --cert, --key)."},
        footerHeading = "%nExamples:%n",
        footer = {"  dmsc attach --gateway 127.0.0.1:7104 --pod pod-4 \\",
            "      --token \"$(cat examples/tokens/pod-4.token)\" \\",
            "      --prefix /B/4 --endpoint 127.0.0.1:50051",
            "  dmsc attach --gateway 127.0.0.1:7104 --pod pod-4 \\",
            "      --prefix /B/4 --endpoint 127.0.0.1:50051 \\",
            "      --tls-ca ca/ca.crt --cert ca/pod-4.crt --key ca/pod-4.key"})
final class AttachCommand implements Callable<Integer> {
    @picocli.CommandLine.Mixin
    SharedOptions.Gateway gatewayOption = new SharedOptions.Gateway();

    @Option(names = "--pod", required = true, paramLabel = "ID", description = "pod id, unique per gateway")
    String podId;

    @Option(names = "--prefix", required = true, paramLabel = "/P",
            description = "a service prefix the server serves (repeatable)")
    List<String> prefixes = new ArrayList<>();

    @Option(names = "--endpoint", required = true, paramLabel = "HOST:PORT",
            description = "where the gateway reaches the gRPC server")
    String endpoint;

    @Option(names = "--token", paramLabel = "T",
            description = "the pod's token, sent in Hello and never printed (e.g. \"$(cat FILE)\")")
    String token;

    @picocli.CommandLine.Mixin
    TlsOptions tlsOptions = new TlsOptions();

    @Option(names = "--weight", paramLabel = "N",
            description = "share among the gateway's endpoints of a prefix (default: ${DEFAULT-VALUE}, counted as 1)")
    int weight;

    @Option(names = "--zone", paramLabel = "Z", description = "placement label (default: none)")
    String zone = "";

    @Option(names = "--version", paramLabel = "V", description = "version label of the service (default: none)")
    String version = "";

    @Option(names = "--timeout-ms", paramLabel = "MS",
            description = "wait this long for Welcome and for each answer (default: ${DEFAULT-VALUE})")
    long timeoutMs = 10_000;

    @picocli.CommandLine.Mixin
    SharedOptions.ExitAfter exitAfter = new SharedOptions.ExitAfter();

    @Override
    public Integer call() throws Exception {
        String gateway = gatewayOption.address;
        PrintStream out = System.out;
        AnnounceOptions options;
        DmscMesh mesh;
        Printer printer = new Printer(out, java.util.concurrent.ConcurrentHashMap.newKeySet());
        try {
            options = AnnounceOptions.defaults().withWeight(weight).withZone(zone).withVersion(version);
            mesh = DmscMesh.builder().gateway(gateway).podId(podId).credential(token).tls(tlsOptions.tls())
                    .connectTimeoutMs(timeoutMs)
                    .registerDefaultGateway(false).listener(printer).build();
        } catch (IllegalArgumentException e) {
            throw new Dmsc.UserException("attach: " + e.getMessage());
        }
        CountDownLatch stop = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            mesh.close();
            stop.countDown();
        });
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            List<CompletableFuture<AnnounceResult>> answers = new ArrayList<>();
            for (String prefix : prefixes) {
                answers.add(mesh.announce(prefix, endpoint, options));
            }
            mesh.connect();
            for (int i = 0; i < answers.size(); i++) {
                await(answers.get(i), prefixes.get(i), printer);
            }
            out.println("holding " + prefixes.size() + " prefix(es) for " + endpoint + "; Ctrl-C withdraws them");
            UpCommand.await(stop, exitAfter.ms);
            return 0;
        } catch (IllegalArgumentException | AttachException e) {
            throw new Dmsc.UserException("attach: " + e.getMessage());
        } finally {
            mesh.close();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // The hook is running already: it closes the mesh itself.
            }
        }
    }

    private void await(CompletableFuture<AnnounceResult> answer, String prefix, Printer printer)
            throws InterruptedException {
        try {
            while (true) {
                try {
                    answer.get(timeoutMs, TimeUnit.MILLISECONDS);
                    return;
                } catch (TimeoutException e) {
                    if (!printer.waiting().contains(prefix)) {
                        throw e;
                    }
                    // The gateway said it keeps retrying its prefix authority: keep waiting.
                }
            }
        } catch (ExecutionException e) {
            if (e.getCause() instanceof AnnounceRejectedException rejected) {
                throw new Dmsc.UserException(rejected.getMessage());
            }
            throw new Dmsc.UserException("attach: announcing " + prefix + " failed: " + e.getCause());
        } catch (TimeoutException e) {
            throw new Dmsc.UserException("attach: gateway " + gatewayOption.address + " did not answer the announcement of "
                    + prefix + " within " + timeoutMs + " ms");
        }
    }

    /** Prints one line per event; runs on the mesh's callback thread. */
    private record Printer(PrintStream out, java.util.Set<String> waiting) implements AttachListener {
        @Override
        public void onStateChanged(AttachState state, Status cause) {
            switch (state) {
                case ATTACHED -> out.println("attached");
                case DETACHED -> out.println("detached (" + cause.getCode()
                        + (cause.getDescription() == null ? "" : ": " + cause.getDescription()) + "); reconnecting");
                default -> {
                    // CONNECTING repeats on every retry; IDLE and CLOSED say nothing new.
                }
            }
        }

        @Override
        public void onAnnounceResult(AnnounceResult r) {
            if (r.getRetrying()) {
                waiting.add(r.getPrefix());
                out.println("waiting " + r.getPrefix() + " at " + r.getEndpoint() + ": " + r.getMessage());
                return;
            }
            waiting.remove(r.getPrefix());
            out.println(r.getAccepted() && r.getAuthorizedUntilMs() != 0
                    ? "accepted " + r.getPrefix() + " at " + r.getEndpoint() + ", authorized until "
                            + java.time.Instant.ofEpochMilli(r.getAuthorizedUntilMs()) + " (renewed by the gateway)"
                    : r.getAccepted() ? "accepted " + r.getPrefix() + " at " + r.getEndpoint()
                    : "rejected " + r.getPrefix() + " at " + r.getEndpoint() + ": " + r.getReason()
                            + (r.getMessage().isEmpty() ? "" : ": " + r.getMessage()));
        }

        @Override
        public void onPrefixRevoked(io.dmsc.wire.proto.attach.v1.PrefixRevoked r) {
            out.println("revoked " + r.getPrefix() + " at " + r.getEndpoint() + ": " + r.getReason() + ": "
                    + r.getMessage());
        }

        @Override
        public void onEndpointHealth(EndpointHealth h) {
            out.println("endpoint " + h.getEndpoint() + (h.getHealthy() ? " healthy" : " unhealthy")
                    + (h.getDetail().isEmpty() ? "" : ": " + h.getDetail()));
        }
    }
}
