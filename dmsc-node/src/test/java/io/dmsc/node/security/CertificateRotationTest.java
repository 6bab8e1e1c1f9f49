package io.dmsc.node.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dmsc.node.DmscNode;
import io.dmsc.node.NodeStatus;
import io.dmsc.node.config.ConfigLoader;
import io.dmsc.node.config.NodeConfig;
import io.dmsc.node.link.EventLoops;
import io.dmsc.node.link.TcpLinkTransport;
import io.netty.channel.EventLoopGroup;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two nodes with certificate files: replacing a node's certificate and key on disk is picked
 * up without a restart. The established link stays up, the node's LSPs are signed with the new
 * certificate and installed by its neighbour, and a new connection handshakes with it.
 */
class CertificateRotationTest {
    @TempDir
    Path dir;

    private NodeConfig node(String id, String neighbor, String neighborAddress) throws Exception {
        Path f = dir.resolve(id + ".yaml");
        Files.writeString(f, "id: " + id + "\nrole: sr\nlisten: 127.0.0.1:0\n"
                + "timers: {helloIntervalMs: 100, holdTimeMs: 400}\n"
                + "neighbors: [{id: " + neighbor + (neighborAddress == null ? "" : ", address: " + neighborAddress)
                + "}]\n"
                + "security: {ca: ca/ca.crt, cert: ca/" + id + ".crt, key: ca/" + id + ".key}\n");
        return ConfigLoader.loadNode(f);
    }

    /** sr-1 and sr-2 with certificate files of one CA in caDir, sr-2 dialing sr-1, on one event loop. */
    private record Pair(EventLoopGroup group, DmscNode sr1, DmscNode sr2) {
        static Pair start(CertificateRotationTest t, MeshCa ca, String mesh, Path caDir) throws Exception {
            ca.write(caDir);
            for (String id : List.of("sr-1", "sr-2")) {
                ca.issue(MeshIdentity.node(mesh, id), Duration.ofHours(1)).write(caDir, id);
            }
            EventLoopGroup group = EventLoops.newGroup(1, mesh);
            NodeConfig c1 = t.node("sr-1", "sr-2", null);
            DmscNode sr1 = new DmscNode(c1, new TcpLinkTransport(group, 65_536, c1.security().linkTls("sr-1"))).start();
            NodeConfig c2 = t.node("sr-2", "sr-1", sr1.listenAddress());
            DmscNode sr2 = new DmscNode(c2, new TcpLinkTransport(group, 65_536, c2.security().linkTls("sr-2"))).start();
            return new Pair(group, sr1, sr2);
        }
    }

    private static NodeStatus.Lsp lsp(DmscNode at, String origin) throws Exception {
        return at.status().get().lsdb().stream().filter(l -> l.origin().equals(origin) && l.fragment() == 0)
                .findFirst().orElse(null);
    }

    private static long downs(DmscNode n) {
        return n.metrics().scrape().lines().filter(l -> l.startsWith("dmsc_adjacency_changes_total")
                && l.contains("state=\"down\"")).mapToLong(l -> (long) Double.parseDouble(l.substring(
                l.lastIndexOf(' ') + 1))).sum();
    }

    @Test
    void shouldUseRotatedCertificatesWithoutDroppingTheLink() throws Exception {
        MeshCa ca = MeshCa.create("rot", Duration.ofDays(1));
        Path caDir = dir.resolve("ca");
        Pair pair = Pair.start(this, ca, "rot", caDir);
        EventLoopGroup group = pair.group();
        DmscNode sr1 = pair.sr1();
        DmscNode sr2 = pair.sr2();
        try {
            await().atMost(Duration.ofSeconds(10)).until(() -> lsp(sr1, "sr-2") != null
                    && sr1.status().get().neighbors().stream().anyMatch(n -> n.state().equals("UP")));
            long seqBefore = Long.parseUnsignedLong(lsp(sr1, "sr-2").sequence());

            // sr-2's certificate and key are replaced on disk (a new key pair from the same CA).
            ca.issue(MeshIdentity.node("rot", "sr-2"), Duration.ofHours(2)).write(caDir, "sr-2");
            for (String f : List.of("sr-2.crt", "sr-2.key")) {
                Files.setLastModifiedTime(caDir.resolve(f), FileTime.fromMillis(System.currentTimeMillis() + 5000));
            }
            // Picked up within the check interval: sr-2 originates again, signed with the new key,
            // and sr-1 installs it (it verifies against the certificate the LSP carries).
            await().atMost(Duration.ofSeconds(10)).until(() ->
                    Long.parseUnsignedLong(lsp(sr1, "sr-2").sequence()) > seqBefore);
            assertThat(lsp(sr1, "sr-2").signature()).isEqualTo("signed");
            assertThat(sr1.status().get().counters().getOrDefault("lspsRejected.bad-signature", 0L)).isZero();
            assertThat(downs(sr1)).as("the established link stayed up").isZero();

            // A new connection handshakes with the new certificate.
            sr2.conductor().dropLink("sr-1");
            await().atMost(Duration.ofSeconds(10)).until(() -> downs(sr1) == 1);
            await().atMost(Duration.ofSeconds(10)).until(() -> sr1.status().get().neighbors().stream()
                    .anyMatch(n -> n.id().equals("sr-2") && n.state().equals("UP") && n.security().equals("tls sr-2")));
        } finally {
            sr2.close();
            sr1.close();
            group.shutdownGracefully().awaitUninterruptibly();
        }
    }

    private static void touch(Path caDir, String... files) throws Exception {
        for (String f : files) {
            Files.setLastModifiedTime(caDir.resolve(f), FileTime.fromMillis(System.currentTimeMillis() + 5000
                    + (long) (Math.random() * 1000)));
        }
    }

    private static long sequence(DmscNode at, String origin) throws Exception {
        return Long.parseUnsignedLong(lsp(at, origin).sequence());
    }

    @Test
    void shouldRollOverToANewCaWhileTrustingBoth() throws Exception {
        MeshCa oldCa = MeshCa.create("roll", Duration.ofDays(1));
        MeshCa newCa = MeshCa.create("roll", Duration.ofDays(1));
        Path caDir = dir.resolve("ca");
        Pair pair = Pair.start(this, oldCa, "roll", caDir);
        EventLoopGroup group = pair.group();
        DmscNode sr1 = pair.sr1();
        DmscNode sr2 = pair.sr2();
        try {
            await().atMost(Duration.ofSeconds(10)).until(() -> lsp(sr1, "sr-2") != null && lsp(sr2, "sr-1") != null);

            // 1. Both nodes trust the old and the new CA.
            Files.writeString(caDir.resolve("ca.crt"), io.dmsc.wire.tls.Pem.certificate(oldCa.certificate())
                    + io.dmsc.wire.tls.Pem.certificate(newCa.certificate()));
            touch(caDir, "ca.crt");
            long before = sequence(sr1, "sr-2");
            // 2. sr-2 moves to a certificate of the new CA: sr-1 (still on the old one) installs
            //    its LSPs and handshakes with it.
            await().atMost(Duration.ofSeconds(10)).until(() -> sequence(sr1, "sr-2") > before);
            long rolled = sequence(sr1, "sr-2");
            newCa.issue(MeshIdentity.node("roll", "sr-2"), Duration.ofHours(1)).write(caDir, "sr-2");
            touch(caDir, "sr-2.crt", "sr-2.key");
            await().atMost(Duration.ofSeconds(10)).until(() -> sequence(sr1, "sr-2") > rolled);
            assertThat(lsp(sr1, "sr-2").signature()).isEqualTo("signed");
            long downsBefore = downs(sr1);
            sr2.conductor().dropLink("sr-1");
            await().atMost(Duration.ofSeconds(10)).until(() -> downs(sr1) > downsBefore);
            await().atMost(Duration.ofSeconds(10)).until(() -> sr1.status().get().neighbors().stream()
                    .anyMatch(n -> n.id().equals("sr-2") && n.state().equals("UP")));

            // 3. sr-1 moves too, then the old CA is dropped: the link comes back on new certificates only.
            long sr1Before = sequence(sr2, "sr-1");
            newCa.issue(MeshIdentity.node("roll", "sr-1"), Duration.ofHours(1)).write(caDir, "sr-1");
            Files.writeString(caDir.resolve("ca.crt"), io.dmsc.wire.tls.Pem.certificate(newCa.certificate()));
            touch(caDir, "sr-1.crt", "sr-1.key", "ca.crt");
            await().atMost(Duration.ofSeconds(10)).until(() -> sequence(sr2, "sr-1") > sr1Before);
            long downsThen = downs(sr1);
            sr1.conductor().dropLink("sr-2");
            await().atMost(Duration.ofSeconds(10)).until(() -> downs(sr1) > downsThen);
            await().atMost(Duration.ofSeconds(10)).until(() -> sr1.status().get().neighbors().stream()
                    .anyMatch(n -> n.id().equals("sr-2") && n.state().equals("UP") && n.security().equals("tls sr-2")));
            assertThat(sr1.status().get().counters().getOrDefault("lspsRejected.bad-signature", 0L)).isZero();
            assertThat(sr2.status().get().counters().getOrDefault("lspsRejected.bad-signature", 0L)).isZero();
        } finally {
            sr2.close();
            sr1.close();
            group.shutdownGracefully().awaitUninterruptibly();
        }
    }
}
