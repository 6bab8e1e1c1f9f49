package io.dmsc.node.security;

import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.util.SimpleKeyManagerFactory;
import io.netty.handler.ssl.util.SimpleTrustManagerFactory;
import java.net.Socket;
import java.security.KeyStore;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.Objects;
import java.util.function.Supplier;
import javax.net.ssl.KeyManager;
import javax.net.ssl.ManagerFactoryParameters;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * TLS for the mesh's gRPC ports (the SG's pod-facing port, the SPA, the SG's client of the SPA)
 * with a node's certificate and the mesh CAs. Key and trust are read from a supplier at every
 * handshake, so a rotated certificate or a CA rollover is used by the next connection without
 * restarting the server; established connections keep what they negotiated.
 *
 * <p>Peers are identified by their certificate's {@link MeshIdentity}, never by host name: the
 * trust manager checks the chain against the mesh CAs and skips the host name check that gRPC
 * asks of a client (a node certificate names {@code spiffe://MESH/node/ID}, not a DNS name).
 * Thread-safe.
 */
public final class GrpcTls {
    /** gRPC runs HTTP/2, negotiated by ALPN. */
    private static final ApplicationProtocolConfig HTTP2 = new ApplicationProtocolConfig(
            ApplicationProtocolConfig.Protocol.ALPN,
            ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
            ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, "h2");

    private GrpcTls() {
    }

    /**
     * A server context: presents the current certificate, verifies client certificates against
     * the current CAs.
     *
     * @param credentials the node's current credentials (read at each handshake)
     * @param clientAuth  {@link ClientAuth#OPTIONAL} (a client may prove an identity) or
     *                    {@link ClientAuth#REQUIRE}
     * @return the context
     * @throws IllegalArgumentException if it cannot be built
     */
    public static SslContext server(Supplier<Credentials> credentials, ClientAuth clientAuth) {
        Rotating r = new Rotating(credentials);
        try {
            return SslContextBuilder.forServer(r.keyManagers())
                    .sslProvider(LinkTls.PROVIDER)
                    .applicationProtocolConfig(HTTP2)
                    .trustManager(r.trustManagers())
                    .clientAuth(clientAuth)
                    .build();
        } catch (SSLException e) {
            throw new IllegalArgumentException("cannot build a TLS server: " + e.getMessage(), e);
        }
    }

    /**
     * A client context: presents the current certificate, trusts a server whose chain verifies
     * against the current CAs (the caller checks the server's identity).
     *
     * @param credentials the node's current credentials (read at each handshake)
     * @return the context
     * @throws IllegalArgumentException if it cannot be built
     */
    public static SslContext client(Supplier<Credentials> credentials) {
        Rotating r = new Rotating(credentials);
        try {
            // The JDK engine: it leaves the host name check to the trust manager, which skips it.
            return SslContextBuilder.forClient()
                    .sslProvider(SslProvider.JDK)
                    .applicationProtocolConfig(HTTP2)
                    .keyManager(r.keyManagers())
                    .trustManager(r.trustManagers())
                    .build();
        } catch (SSLException e) {
            throw new IllegalArgumentException("cannot build a TLS client: " + e.getMessage(), e);
        }
    }

    /**
     * The identity a peer proved in a handshake.
     *
     * @param session the TLS session, or null for a plaintext connection
     * @return the identity, or null if there is no session or the peer presented no certificate
     * @throws IllegalArgumentException if the peer's certificate names no mesh identity
     */
    public static MeshIdentity peer(SSLSession session) {
        if (session == null) {
            return null;
        }
        try {
            return MeshIdentity.of((X509Certificate) session.getPeerCertificates()[0]);
        } catch (SSLPeerUnverifiedException e) {
            return null;
        }
    }

    /**
     * @param tm a trust manager
     * @return a factory handing out just that one (what Netty's context builders take)
     */
    public static SimpleTrustManagerFactory trustFactory(X509ExtendedTrustManager tm) {
        return new SimpleTrustManagerFactory() {
            @Override
            protected void engineInit(KeyStore keyStore) {
            }

            @Override
            protected void engineInit(ManagerFactoryParameters params) {
            }

            @Override
            protected TrustManager[] engineGetTrustManagers() {
                return new TrustManager[] {tm};
            }
        };
    }

    /** Key and trust managers over the current credentials. */
    private static final class Rotating {
        private final Supplier<Credentials> source;

        Rotating(Supplier<Credentials> source) {
            this.source = Objects.requireNonNull(source, "credentials");
            current();
        }

        Credentials current() {
            Credentials c = source.get();
            if (c == null) {
                throw new IllegalStateException("no credentials (expected: a node certificate and key)");
            }
            return c;
        }

        /** Aliases name a credentials generation, so a rotated key is never confused with the old one. */
        static String alias(Credentials c) {
            return "mesh-" + Integer.toHexString(System.identityHashCode(c));
        }

        Credentials forAlias(String alias) {
            Credentials c = current();
            return alias(c).equals(alias) ? c : null;
        }

        boolean usable(String keyType) {
            String alg = current().key().getAlgorithm();
            return keyType != null && (keyType.equals(alg) || keyType.startsWith(alg + "_")
                    || (alg.equals("EC") && keyType.startsWith("EC")));
        }

        SimpleKeyManagerFactory keyManagers() {
            X509ExtendedKeyManager km = new X509ExtendedKeyManager() {
                @Override
                public String[] getClientAliases(String keyType, Principal[] issuers) {
                    return usable(keyType) ? new String[] {alias(current())} : null;
                }

                @Override
                public String chooseClientAlias(String[] keyTypes, Principal[] issuers, Socket socket) {
                    for (String k : keyTypes) {
                        if (usable(k)) {
                            return alias(current());
                        }
                    }
                    return null;
                }

                @Override
                public String chooseEngineClientAlias(String[] keyTypes, Principal[] issuers, SSLEngine engine) {
                    return chooseClientAlias(keyTypes, issuers, null);
                }

                @Override
                public String[] getServerAliases(String keyType, Principal[] issuers) {
                    return getClientAliases(keyType, issuers);
                }

                @Override
                public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
                    return usable(keyType) ? alias(current()) : null;
                }

                @Override
                public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
                    return chooseServerAlias(keyType, issuers, null);
                }

                @Override
                public X509Certificate[] getCertificateChain(String alias) {
                    Credentials c = forAlias(alias);
                    return c == null ? null : c.chain().toArray(X509Certificate[]::new);
                }

                @Override
                public PrivateKey getPrivateKey(String alias) {
                    Credentials c = forAlias(alias);
                    return c == null ? null : c.key();
                }
            };
            return new SimpleKeyManagerFactory() {
                @Override
                protected void engineInit(KeyStore keyStore, char[] password) {
                }

                @Override
                protected void engineInit(ManagerFactoryParameters params) {
                }

                @Override
                protected KeyManager[] engineGetKeyManagers() {
                    return new KeyManager[] {km};
                }
            };
        }

        SimpleTrustManagerFactory trustManagers() {
            return trustFactory(new io.dmsc.wire.tls.MeshTrustManager(() -> current().trusted()));
        }
    }
}
