package io.dmsc.node.security;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.X509Certificate;
import java.util.Objects;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * Mutual TLS 1.3 for fabric links: both ends present a node certificate of the mesh CA and
 * trust only that CA. The peer's node identity (its certificate's URI SAN) is what the link's
 * hello must claim. Built from {@link Credentials}; immutable and thread-safe.
 */
public final class LinkTls {
    /** BoringSSL (netty-tcnative) where it loads, else the JDK's TLS. */
    static final SslProvider PROVIDER = io.netty.handler.ssl.OpenSsl.isAvailable() ? SslProvider.OPENSSL
            : SslProvider.JDK;

    /** @return the TLS implementation in use, for logs */
    public static String provider() {
        return PROVIDER == SslProvider.OPENSSL ? io.netty.handler.ssl.OpenSsl.versionString() : "JDK";
    }

    /** Longest a TLS handshake may take before the link is closed. */
    public static final long HANDSHAKE_TIMEOUT_MS = 5000;

    private final Credentials credentials;
    private final MeshIdentity self;
    private final SslContext server;
    private final SslContext client;

    /**
     * @param credentials this node's key, chain and trusted CAs
     * @throws IllegalArgumentException if the certificate is not a node identity
     */
    public LinkTls(Credentials credentials) {
        this.credentials = Objects.requireNonNull(credentials, "credentials");
        this.self = credentials.identity();
        if (self.kind() != MeshIdentity.Kind.NODE) {
            throw new IllegalArgumentException("certificate identity " + self + " is not a node (expected: "
                    + "spiffe://MESH/node/ID, issued by dmsc ca issue --node)");
        }
        X509Certificate[] chain = credentials.chain().toArray(X509Certificate[]::new);
        X509Certificate[] trusted = credentials.trusted().toArray(X509Certificate[]::new);
        try {
            server = SslContextBuilder.forServer(credentials.key(), chain)
                    .sslProvider(PROVIDER)
                    .protocols("TLSv1.3")
                    .trustManager(trusted)
                    .clientAuth(ClientAuth.REQUIRE)
                    .build();
            // No host name check: a link's peer is identified by the node id in its certificate,
            // which the conductor matches against the dialed neighbour and the peer's hello.
            client = SslContextBuilder.forClient()
                    .endpointIdentificationAlgorithm(null)
                    .sslProvider(PROVIDER)
                    .protocols("TLSv1.3")
                    .keyManager(credentials.key(), chain)
                    .trustManager(trusted)
                    .build();
        } catch (SSLException e) {
            throw new IllegalArgumentException("cannot build TLS from " + credentials + ": " + e.getMessage(), e);
        }
    }

    /** @return this node's identity */
    public MeshIdentity self() {
        return self;
    }

    /** @return the credentials */
    public Credentials credentials() {
        return credentials;
    }

    /**
     * @param alloc   the channel's allocator
     * @param dialing true on the dialing end
     * @return a new handler for one connection
     */
    public SslHandler newHandler(ByteBufAllocator alloc, boolean dialing) {
        SslHandler h = (dialing ? client : server).newHandler(alloc);
        h.setHandshakeTimeoutMillis(HANDSHAKE_TIMEOUT_MS);
        return h;
    }

    /**
     * The node identity the peer proved in a completed handshake.
     *
     * @param session the TLS session
     * @return the identity
     * @throws IllegalArgumentException if the peer's certificate is not a node of this mesh
     */
    public MeshIdentity peerIdentity(SSLSession session) {
        X509Certificate leaf;
        try {
            leaf = (X509Certificate) session.getPeerCertificates()[0];
        } catch (SSLPeerUnverifiedException e) {
            throw new IllegalArgumentException("the peer presented no certificate (expected: a node certificate of "
                    + "mesh " + self.mesh() + ")", e);
        }
        MeshIdentity id = MeshIdentity.of(leaf);
        if (id.kind() != MeshIdentity.Kind.NODE || !id.mesh().equals(self.mesh())) {
            throw new IllegalArgumentException("the peer's certificate is for " + id + " (expected: spiffe://"
                    + self.mesh() + "/node/ID)");
        }
        return id;
    }

    /**
     * Names why a handshake failed, for the {@code reason} tag of
     * {@code dmsc_tls_handshake_failures_total}.
     *
     * @param cause the failure
     * @return plaintext, expired, not_yet_valid, untrusted, no_certificate, timeout, bad_identity or other
     */
    public static String reason(Throwable cause) {
        // The specific causes first, wherever they sit in the chain; the generic ones after.
        for (Throwable t = cause; t != null; t = t.getCause()) {
            if (t instanceof io.netty.handler.ssl.NotSslRecordException) {
                return "plaintext";
            }
            if (t instanceof io.netty.handler.ssl.SslHandshakeTimeoutException) {
                return "timeout";
            }
            if (t instanceof CertificateExpiredException) {
                return "expired";
            }
            if (t instanceof CertificateNotYetValidException) {
                return "not_yet_valid";
            }
            if (t instanceof java.security.cert.CertPathValidatorException v) {
                if (v.getReason() == java.security.cert.CertPathValidatorException.BasicReason.EXPIRED) {
                    return "expired";
                }
                if (v.getReason() == java.security.cert.CertPathValidatorException.BasicReason.NOT_YET_VALID) {
                    return "not_yet_valid";
                }
            }
        }
        for (Throwable t = cause; t != null; t = t.getCause()) {
            String m = t.getMessage() == null ? "" : t.getMessage();
            if (m.contains("Empty client certificate chain") || m.contains("certificate_required")) {
                return "no_certificate";
            }
            if (m.contains("certificate_expired") || m.contains("validity check failed")) {
                return "expired";
            }
            if (t instanceof java.security.cert.CertPathValidatorException
                    || t.getClass().getName().equals("sun.security.validator.ValidatorException")
                    || m.contains("unknown_ca") || m.contains("certificate_unknown") || m.contains("bad_certificate")
                    || m.contains("PKIX")) {
                return "untrusted";
            }
        }
        return "other";
    }
}
