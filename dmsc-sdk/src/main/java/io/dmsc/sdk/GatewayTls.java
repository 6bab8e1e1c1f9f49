package io.dmsc.sdk;

import io.dmsc.wire.tls.KeyFiles;
import io.dmsc.wire.tls.MeshTrustManager;
import io.dmsc.wire.tls.Pem;
import io.grpc.netty.GrpcSslContexts;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Objects;
import javax.net.ssl.SSLException;

/**
 * TLS from a pod to its gateway's pod-facing port: the pod trusts the mesh CA, checks that the
 * gateway presents a node certificate of that mesh ({@code spiffe://MESH/node/ID}; there is no
 * host name to check), and, with a pod certificate made by {@code dmsc ca issue --pod ID},
 * proves its own pod id with it. Files are read once, when the context is built.
 */
public final class GatewayTls {
    private final Path caFile;
    private final Path certFile;
    private final Path keyFile;

    private GatewayTls(Path caFile, Path certFile, Path keyFile) {
        this.caFile = Objects.requireNonNull(caFile, "caFile");
        this.certFile = certFile;
        this.keyFile = keyFile;
    }

    /**
     * TLS that verifies the gateway; the pod proves itself with its token.
     *
     * @param caFile the mesh CA certificate(s), PEM
     * @return the settings
     */
    public static GatewayTls trusting(Path caFile) {
        return new GatewayTls(caFile, null, null);
    }

    /**
     * Mutual TLS: verifies the gateway and presents the pod's certificate.
     *
     * @param caFile   the mesh CA certificate(s), PEM
     * @param certFile the pod's certificate chain, PEM, leaf first
     * @param keyFile  the pod's private key, PEM (owner-readable only: checked)
     * @return the settings
     */
    public static GatewayTls mutual(Path caFile, Path certFile, Path keyFile) {
        return new GatewayTls(caFile, Objects.requireNonNull(certFile, "certFile"),
                Objects.requireNonNull(keyFile, "keyFile"));
    }

    /** @return true if the pod presents a certificate */
    public boolean presentsCertificate() {
        return certFile != null;
    }

    /**
     * Reads the files and builds the client context (the JDK's TLS).
     *
     * @return the context, for {@code NettyChannelBuilder.sslContext}
     * @throws IllegalArgumentException naming the file and what is wrong with it
     */
    public SslContext clientContext() {
        List<X509Certificate> cas = Pem.readCertificates(caFile);
        SslContextBuilder b = GrpcSslContexts.configure(SslContextBuilder.forClient(), SslProvider.JDK)
                .trustManager(MeshTrustManager.forGateway(cas));
        if (certFile != null) {
            KeyFiles.checkOwnerOnly(keyFile);
            PrivateKey key = Pem.readPrivateKeys(keyFile).get(0);
            List<X509Certificate> chain = Pem.readCertificates(certFile);
            b.keyManager(key, chain.toArray(X509Certificate[]::new));
        }
        try {
            return b.build();
        } catch (SSLException | IllegalArgumentException e) {
            throw new IllegalArgumentException("cannot use " + (certFile == null ? caFile : certFile + " and "
                    + keyFile) + " for TLS: " + e.getMessage() + " (expected: files made by dmsc ca)", e);
        }
    }

    @Override
    public String toString() {
        return "GatewayTls{ca=" + caFile + (certFile == null ? "" : ", cert=" + certFile) + '}';
    }
}
