package io.dmsc.node.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dmsc.node.DmscNode;
import io.dmsc.node.NodeStatus;
import io.dmsc.node.config.NeighborConfig;
import io.dmsc.node.config.NodeConfig;
import io.dmsc.node.link.EventLoops;
import io.dmsc.node.link.TcpLinkTransport;
import io.dmsc.wire.link.NodeRole;
import io.netty.channel.EventLoopGroup;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Mutual TLS on fabric links between real nodes on loopback: the right peer comes up with its
 * proven identity; plaintext, another CA, an expired certificate and a certificate for another
 * node id are refused, counted, and leave the real adjacency alone.
 */
class LinkTlsTest {
    private static final MeshCa CA = MeshCa.create("test", Duration.ofDays(1));

    private EventLoopGroup group;
    private DmscNode sr1;
    private final List<DmscNode> peers = new ArrayList<>();

    @BeforeEach
    void start() {
        group = EventLoops.newGroup(1, "tls-test");
        // sr-1 accepts sg-4 and sg-9 (neither dialed: they dial in).
        NodeConfig c = NodeConfig.of("sr-1", NodeRole.SR, "127.0.0.1:0").withHelloTimers(100, 400)
                .withNeighbors(List.of(new NeighborConfig("sg-4", null, 10), new NeighborConfig("sg-9", null, 10)));
        sr1 = new DmscNode(c, new TcpLinkTransport(group, 65_536, tls("sr-1"))).start();
    }

    @AfterEach
    void stop() {
        peers.forEach(DmscNode::close);
        sr1.close();
        group.shutdownGracefully().awaitUninterruptibly();
    }

    private static LinkTls tls(String node) {
        return new LinkTls(CA.issue(MeshIdentity.node("test", node), Duration.ofHours(1)));
    }

    /** A node {@code id} dialing sr-1 with the given link TLS (null: plaintext). */
    private DmscNode dialer(String id, LinkTls tls) {
        NodeConfig c = NodeConfig.of(id, NodeRole.SG, "127.0.0.1:0").withHelloTimers(100, 400)
                .withNeighbors(List.of(new NeighborConfig("sr-1", sr1.listenAddress(), 10)));
        DmscNode n = new DmscNode(c, new TcpLinkTransport(group, 65_536, tls)).start();
        peers.add(n);
        return n;
    }

    private NodeStatus.Neighbor neighbor(String id) throws Exception {
        return sr1.status().get().neighbors().stream().filter(n -> n.id().equals(id)).findFirst().orElseThrow();
    }

    /** The TLS failure counters of sr-1, for failure messages. */
    private String tlsFailures() {
        return String.join("; ", sr1.metrics().scrape().lines().filter(l -> l.startsWith("dmsc_tls_handshake_failures"))
                .toList());
    }

    private long counter(String name) throws Exception {
        return sr1.status().get().counters().getOrDefault(name, 0L);
    }

    @Test
    void shouldBringUpALinkWithTheIdentityThePeerProved() throws Exception {
        dialer("sg-4", tls("sg-4"));
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertThat(neighbor("sg-4").state()).isEqualTo("UP");
            assertThat(neighbor("sg-4").security()).isEqualTo("tls sg-4");
        });
        // The route follows the adjacency once sg-4's LSP is in and SPF has run.
        await().atMost(Duration.ofSeconds(10)).until(() -> sr1.fib().lookup("/_dmsc/node/sg-4") != null);
    }

    @Test
    void shouldRefuseAPlaintextPeer() throws Exception {
        dialer("sg-4", null);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(sr1.metrics().tlsHandshakeFailures("plaintext"))
                .as(tlsFailures()).isPositive());
        assertThat(neighbor("sg-4").state()).isNotEqualTo("UP");
    }

    @Test
    void shouldRefuseAPeerOfAnotherCa() throws Exception {
        MeshCa other = MeshCa.create("test", Duration.ofDays(1));
        DmscNode stranger = dialer("sg-4", new LinkTls(other.issue(MeshIdentity.node("test", "sg-4"),
                Duration.ofHours(1))));
        // The dialer checks sr-1's certificate first (TLS 1.3) and finds it of another CA; sr-1 sees
        // the handshake aborted (with BoringSSL as an internal-error alert, with the JDK as
        // certificate_unknown).
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(stranger.metrics()
                .tlsHandshakeFailures("untrusted")).isPositive());
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(sr1.metrics().scrape())
                .as(tlsFailures()).contains("dmsc_tls_handshake_failures_total"));
        assertThat(neighbor("sg-4").state()).isNotEqualTo("UP");
    }

    @Test
    void shouldRefuseAnExpiredCertificate() throws Exception {
        Instant now = Instant.now();
        dialer("sg-4", new LinkTls(CA.issue(MeshIdentity.node("test", "sg-4"), now.minusSeconds(7200),
                now.minusSeconds(3600))));
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(sr1.metrics().tlsHandshakeFailures("expired"))
                .as(tlsFailures()).isPositive());
        assertThat(neighbor("sg-4").state()).isNotEqualTo("UP");
    }

    @Test
    void shouldRefuseAHelloForAnotherNodeThanTheCertificateAndKeepTheRealLink() throws Exception {
        dialer("sg-4", tls("sg-4"));
        await().atMost(Duration.ofSeconds(10)).until(() -> neighbor("sg-4").state().equals("UP"));
        // sg-9 holds a valid certificate of this mesh, for sg-9, and says hello as sg-4.
        dialer("sg-4", tls("sg-9"));
        await().atMost(Duration.ofSeconds(10)).until(() -> counter("identityMismatches") > 0);
        // Up for longer than the hold time.
        await().during(Duration.ofMillis(600)).atMost(Duration.ofSeconds(5)).until(() ->
                neighbor("sg-4").state().equals("UP"));
        assertThat(neighbor("sg-4").security()).isEqualTo("tls sg-4");
        assertThat(sr1.metrics().scrape()).contains("dmsc_adjacency_changes_total{node=\"sr-1\",state=\"down\"} 0.0");
    }

    @Test
    void shouldNotLetAFloodOfPlaintextHellosTouchTheRealLink() throws Exception {
        dialer("sg-4", tls("sg-4"));
        await().atMost(Duration.ofSeconds(10)).until(() -> neighbor("sg-4").state().equals("UP"));
        io.dmsc.node.link.HostPort hp = io.dmsc.node.link.HostPort.parse(sr1.listenAddress());
        byte[] hello = frame(new io.dmsc.wire.link.HelloMessage(1, "sg-4", 400, "sr-1", NodeRole.SG));
        int sent = 0;
        for (int c = 0; c < 200; c++) {
            // Each connection claims sg-4 in plaintext, as a spoofer without a certificate would.
            try (java.net.Socket s = new java.net.Socket(hp.host(), hp.port())) {
                for (int i = 0; i < 20; i++) {
                    s.getOutputStream().write(hello);
                }
                sent++;
            } catch (java.io.IOException e) {
                // the node closed it: the expected outcome
            }
        }
        int opened = sent;
        assertThat(opened).as("connections the flood opened").isGreaterThan(100);
        await().atMost(Duration.ofSeconds(10)).until(() -> sr1.metrics().tlsHandshakeFailures("plaintext") > opened / 2);
        assertThat(neighbor("sg-4").state()).isEqualTo("UP");
        assertThat(sr1.metrics().scrape()).contains("dmsc_adjacency_changes_total{node=\"sr-1\",state=\"down\"} 0.0");
        assertThat(sr1.fib().lookup("/_dmsc/node/sg-4")).isNotNull();
    }

    private static byte[] frame(io.dmsc.wire.link.LinkMessage m) {
        io.netty.buffer.ByteBuf b = io.dmsc.wire.link.LinkFrameCodec.encode(m, io.netty.buffer.UnpooledByteBufAllocator.DEFAULT);
        byte[] out = new byte[b.readableBytes()];
        b.readBytes(out);
        b.release();
        return out;
    }

    @Test
    void shouldRefuseAnOversizedCertificateChainAndKeepTheRealLink() throws Exception {
        dialer("sg-4", tls("sg-4"));
        await().atMost(Duration.ofSeconds(10)).until(() -> neighbor("sg-4").state().equals("UP"));
        // sg-9's valid certificate followed by 600 copies of the CA certificate: about 250 KB.
        Credentials real = CA.issue(MeshIdentity.node("test", "sg-9"), Duration.ofHours(1));
        List<java.security.cert.X509Certificate> chain = new ArrayList<>(real.chain());
        for (int i = 0; i < 600; i++) {
            chain.add(CA.certificate());
        }
        long bytes = 0;
        for (java.security.cert.X509Certificate c : chain) {
            bytes += c.getEncoded().length;
        }
        assertThat(bytes).isGreaterThan(200_000);
        long before = sr1.metrics().scrape().lines().filter(l -> l.startsWith("dmsc_tls_handshake_failures_total"))
                .mapToLong(l -> (long) Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
        // A raw TLS client (no LinkTls would build such a chain) presents it to sr-1.
        java.security.cert.X509Certificate[] sent = chain.toArray(java.security.cert.X509Certificate[]::new);
        javax.net.ssl.X509KeyManager km = new javax.net.ssl.X509KeyManager() {
            public String[] getClientAliases(String t, java.security.Principal[] i) {
                return new String[] {"a"};
            }

            public String chooseClientAlias(String[] t, java.security.Principal[] i, java.net.Socket s) {
                return "a";
            }

            public String[] getServerAliases(String t, java.security.Principal[] i) {
                return null;
            }

            public String chooseServerAlias(String t, java.security.Principal[] i, java.net.Socket s) {
                return null;
            }

            public java.security.cert.X509Certificate[] getCertificateChain(String alias) {
                return sent;
            }

            public java.security.PrivateKey getPrivateKey(String alias) {
                return real.key();
            }
        };
        javax.net.ssl.SSLContext ctx = javax.net.ssl.SSLContext.getInstance("TLSv1.3");
        ctx.init(new javax.net.ssl.KeyManager[] {km}, new javax.net.ssl.TrustManager[] {
            io.dmsc.wire.tls.MeshTrustManager.of(List.of(CA.certificate()))}, null);
        io.dmsc.node.link.HostPort hp = io.dmsc.node.link.HostPort.parse(sr1.listenAddress());
        try (javax.net.ssl.SSLSocket socket = (javax.net.ssl.SSLSocket) ctx.getSocketFactory()
                .createSocket(hp.host(), hp.port())) {
            socket.setSoTimeout(5000);
            socket.startHandshake();
            // TLS 1.3: the client finishes first; the server's verdict arrives as an alert or a close.
            socket.getOutputStream().write(new byte[] {0, 0, 0, 1});
            socket.getOutputStream().flush();
            socket.getInputStream().read();
        } catch (java.io.IOException expected) {
            // refused: what the server counts is checked below
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> sr1.metrics().scrape().lines()
                .filter(l -> l.startsWith("dmsc_tls_handshake_failures_total"))
                .mapToLong(l -> (long) Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum() > before);
        assertThat(neighbor("sg-9").state()).isNotEqualTo("UP");
        assertThat(neighbor("sg-4").state()).isEqualTo("UP");
        assertThat(sr1.metrics().scrape()).contains("dmsc_adjacency_changes_total{node=\"sr-1\",state=\"down\"} 0.0");
    }
}
