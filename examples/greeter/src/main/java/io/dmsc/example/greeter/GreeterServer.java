package io.dmsc.example.greeter;

import io.dmsc.sdk.AttachException;
import io.dmsc.sdk.DmscMesh;
import io.dmsc.wire.proto.attach.v1.AnnounceResult;
import java.util.concurrent.CountDownLatch;

/**
 * Serves Greeter under a prefix: {@code GreeterServer --gateway 127.0.0.1:7104 --prefix /B/4
 * [--pod pod-4] [--token T | --token-file F] [--tls-ca CA --cert C --key K]}. Runs until Ctrl-C,
 * which withdraws the prefix. With {@code --cert}, the pod certificate proves the pod id (no token).
 */
public final class GreeterServer {
    private GreeterServer() {
    }

    /**
     * Entry point.
     *
     * @param argv {@code --gateway HOST:PORT --prefix /P --pod ID --token T --token-file F}, all optional
     * @throws Exception if attaching fails or the gateway rejects the prefix
     */
    public static void main(String[] argv) throws Exception {
        Args args = new Args(argv);
        String podId = args.get("pod", "pod-4");
        // The SPA checks the token: examples/tokens/pod-4.token in the Figure 2 example.
        String token = args.get("token", "");
        if (!args.get("token-file", "").isEmpty()) {
            token = java.nio.file.Files.readString(java.nio.file.Path.of(args.get("token-file", ""))).trim();
        }
        String prefix = args.get("prefix", "/B/4");
        DmscMesh mesh = DmscMesh.builder()
                .gateway(args.get("gateway", "127.0.0.1:7104"))
                .podId(podId)
                .credential(token)
                .tls(args.tls())
                .build();
        try {
            mesh.connect();
        } catch (AttachException e) {
            System.err.println("greeter: " + e.getMessage());
            mesh.close();
            System.exit(1);
        }
        CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            mesh.close();
            stop.countDown();
        }));
        AnnounceResult accepted = mesh.serve(prefix, new GreeterService(podId)).join();
        System.out.println("serving " + accepted.getPrefix() + " at " + accepted.getEndpoint() + " via gateway "
                + mesh.gatewayId() + "; Ctrl-C stops");
        stop.await();
    }
}
