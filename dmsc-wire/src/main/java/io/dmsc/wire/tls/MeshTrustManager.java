package io.dmsc.wire.tls;

import java.io.IOException;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * Trusts a peer whose chain verifies (PKIX) against the mesh CAs, and nothing else. Mesh
 * certificates name their holder by a URI ({@code spiffe://MESH/node/ID}), not by a DNS name,
 * so the host name check a gRPC client asks for is skipped: the caller matches the peer's
 * identity instead. The CAs are read from a supplier at each handshake, so a CA rollover (old
 * and new CA trusted at once) takes effect on the next connection. Thread-safe.
 */
public final class MeshTrustManager extends X509ExtendedTrustManager {
    private final Supplier<List<X509Certificate>> cas;
    private final boolean serverIsNode;
    /** The CA list the delegate was built from (compared by identity), and the delegate. */
    private volatile Built built;

    private record Built(List<X509Certificate> cas, X509TrustManager delegate) {
    }

    /**
     * @param cas the trusted mesh CA certificates in force, at least one
     */
    public MeshTrustManager(Supplier<List<X509Certificate>> cas) {
        this(cas, false);
    }

    private MeshTrustManager(Supplier<List<X509Certificate>> cas, boolean serverIsNode) {
        this.cas = Objects.requireNonNull(cas, "cas");
        this.serverIsNode = serverIsNode;
        delegate();
    }

    /**
     * @param cas the trusted mesh CA certificates, at least one
     * @return a trust manager over a fixed list
     */
    public static MeshTrustManager of(List<X509Certificate> cas) {
        List<X509Certificate> copy = List.copyOf(cas);
        return new MeshTrustManager(() -> copy, false);
    }

    /**
     * A pod's trust in its gateway: the server must also present a node certificate
     * ({@code spiffe://MESH/node/ID}) of the mesh of one of the CAs.
     *
     * @param cas the trusted mesh CA certificates, at least one
     * @return a trust manager over a fixed list
     */
    public static MeshTrustManager forGateway(List<X509Certificate> cas) {
        List<X509Certificate> copy = List.copyOf(cas);
        return new MeshTrustManager(() -> copy, true);
    }

    /**
     * @param cert a certificate
     * @return its URI subject alternative names
     */
    public static List<String> uris(X509Certificate cert) {
        List<String> out = new java.util.ArrayList<>();
        try {
            java.util.Collection<List<?>> names = cert.getSubjectAlternativeNames();
            if (names != null) {
                for (List<?> n : names) {
                    if (n.size() >= 2 && Integer.valueOf(6).equals(n.get(0)) && n.get(1) instanceof String u) {
                        out.add(u);
                    }
                }
            }
        } catch (java.security.cert.CertificateParsingException e) {
            return List.of();
        }
        return out;
    }

    private void checkNode(X509Certificate leaf) throws CertificateException {
        List<String> meshes = new java.util.ArrayList<>();
        for (X509Certificate ca : cas.get()) {
            for (String u : uris(ca)) {
                meshes.add(u + "/node/");
            }
        }
        for (String u : uris(leaf)) {
            for (String m : meshes) {
                if (u.startsWith(m) && u.length() > m.length() && u.indexOf('/', m.length()) < 0) {
                    return;
                }
            }
        }
        throw new CertificateException("the server's certificate names " + uris(leaf) + " (expected: a gateway's node "
                + "certificate spiffe://MESH/node/ID of a trusted mesh CA)");
    }

    private X509TrustManager delegate() {
        List<X509Certificate> now = cas.get();
        Built b = built;
        if (b == null || b.cas() != now) {
            b = new Built(now, pkix(now));
            built = b;
        }
        return b.delegate();
    }

    private static X509TrustManager pkix(List<X509Certificate> cas) {
        if (cas == null || cas.isEmpty()) {
            throw new IllegalArgumentException("no trusted CA (expected: at least one mesh CA certificate)");
        }
        try {
            KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
            ks.load(null, null);
            int i = 0;
            for (X509Certificate ca : cas) {
                ks.setCertificateEntry("ca-" + i++, ca);
            }
            TrustManagerFactory f = TrustManagerFactory.getInstance("PKIX");
            f.init(ks);
            for (TrustManager tm : f.getTrustManagers()) {
                if (tm instanceof X509TrustManager x) {
                    return x;
                }
            }
            throw new IllegalStateException("no X509 trust manager in this JDK");
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot trust the mesh CAs: " + e.getMessage(), e);
        }
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        delegate().checkClientTrusted(chain, authType);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        delegate().checkServerTrusted(chain, authType);
        if (serverIsNode) {
            checkNode(chain[0]);
        }
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        checkClientTrusted(chain, authType);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        checkServerTrusted(chain, authType);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        checkClientTrusted(chain, authType);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        checkServerTrusted(chain, authType);
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return cas.get().toArray(X509Certificate[]::new);
    }
}
