package io.dmsc.cli;

import io.dmsc.sdk.GatewayTls;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** {@code --tls-ca, --cert, --key}: TLS to a gateway's pod-facing port, shared by the pod-side commands. */
final class TlsOptions {
    @Option(names = "--tls-ca", paramLabel = "FILE",
            description = "the mesh CA certificate: connect to the gateway over TLS and verify it "
                    + "(default: plaintext)")
    Path ca;

    @Option(names = "--cert", paramLabel = "FILE",
            description = "pod certificate (dmsc ca issue --pod ID), with --key and --tls-ca: proves the pod id "
                    + "by mutual TLS instead of a token")
    Path cert;

    @Option(names = "--key", paramLabel = "FILE", description = "the pod certificate's private key (with --cert)")
    Path key;

    /** @return the TLS settings, or null for plaintext */
    GatewayTls tls() {
        if ((cert == null) != (key == null)) {
            throw new Dmsc.UserException("--cert and --key go together (expected: both, made by dmsc ca issue --pod ID)");
        }
        if (ca == null) {
            if (cert != null) {
                throw new Dmsc.UserException("--cert needs --tls-ca (expected: the mesh CA certificate, to verify the "
                        + "gateway)");
            }
            return null;
        }
        return cert == null ? GatewayTls.trusting(ca) : GatewayTls.mutual(ca, cert, key);
    }
}
