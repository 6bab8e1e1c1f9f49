package io.dmsc.node.security;

import static org.assertj.core.api.Assertions.assertThat;

import io.dmsc.routing.Fib;
import io.dmsc.routing.LinkStateOutput;
import io.dmsc.routing.LinkStateProtocol;
import io.dmsc.routing.LspAuthenticator;
import io.dmsc.routing.LspAuthenticator.LspRejection;
import io.dmsc.routing.PrefixAuthorizer;
import io.dmsc.routing.RoutingConfig;
import io.dmsc.wire.ServicePrefix;
import io.dmsc.wire.link.LinkMessage;
import io.dmsc.wire.link.LinkStatePdu;
import io.dmsc.wire.link.LspId;
import io.dmsc.wire.link.LspSignature;
import io.dmsc.wire.link.NeighborEntry;
import io.dmsc.wire.link.NodeRole;
import io.dmsc.wire.link.PrefixEntry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Signed LSPs at a real protocol instance with the node's authenticator: sr-1 hears, from its
 * real neighbour sr-2 (an authenticated link), sg-4's LSP and forgeries of it. Only what sg-4
 * signed is installed, whatever the forged sequence number.
 */
class SignedLspTest {
    private static final MeshCa CA = MeshCa.create("test", Duration.ofDays(1));
    private static final long S = TimeUnit.SECONDS.toNanos(1);
    private static final ServicePrefix B4 = ServicePrefix.parse("/B/4");

    private final List<LinkMessage> sent = new ArrayList<>();
    private LinkStateProtocol sr1;
    private long now = 1_000 * S;

    private static SignedLspAuthenticator node(String id) {
        return new SignedLspAuthenticator(CA.issue(MeshIdentity.node("test", id), Duration.ofHours(1)),
                new SimpleMeterRegistry(), System::currentTimeMillis);
    }

    private static LinkStatePdu sg4(long seq, List<PrefixEntry> prefixes) {
        return new LinkStatePdu(new LspId("sg-4", 0), seq, 1200, false, NodeRole.SG,
                List.of(new NeighborEntry("sr-2", 10)), prefixes);
    }

    @BeforeEach
    void start() {
        LinkStateOutput out = new LinkStateOutput() {
            @Override
            public void send(String neighborId, LinkMessage message) {
                sent.add(message);
            }

            @Override
            public void routesChanged(Fib fib) {
            }
        };
        sr1 = new LinkStateProtocol(RoutingConfig.defaults("sr-1", NodeRole.SR), out, System::nanoTime,
                PrefixAuthorizer.OPEN, node("sr-1"), now);
        sr1.adjacencyUp("sr-2", 10, now);
        sr1.doWork(now);
        // sr-2's own LSP, so the path sr-1 -> sr-2 -> sg-4 exists.
        sr1.receive("sr-2", node("sr-2").sign(new LinkStatePdu(new LspId("sr-2", 0), 1, 1200, false, NodeRole.SR,
                List.of(new NeighborEntry("sr-1", 10), new NeighborEntry("sg-4", 10)), List.of())), now);
    }

    private void settle() {
        for (int i = 0; i < 50; i++) {
            now += S / 10;
            sr1.doWork(now);
        }
    }

    private long rejections(LspRejection r) {
        return sr1.lspRejections().getOrDefault(r, 0L);
    }

    @Test
    void shouldInstallOnlyWhatTheOriginSigned() {
        SignedLspAuthenticator sg4 = node("sg-4");
        LinkStatePdu real = sg4.sign(sg4(1, List.of(PrefixEntry.of(B4, 0))));
        sr1.receive("sr-2", real, now);
        settle();
        assertThat(sr1.fib().lookup("/B/4/x.Y/Z")).isNotNull();

        // A forged sg-4 LSP at the highest sequence number and without /B/4: unsigned, signed by
        // another node of the mesh, sg-4's signature over other content, a certificate of another CA.
        LinkStatePdu forged = sg4(-1L, List.of());
        sr1.receive("sr-2", forged, now);
        sr1.receive("sr-2", node("sg-5").sign(forged), now);
        sr1.receive("sr-2", forged.withSignature(real.signature()), now);
        MeshCa other = MeshCa.create("test", Duration.ofDays(1));
        sr1.receive("sr-2", new SignedLspAuthenticator(other.issue(MeshIdentity.node("test", "sg-4"),
                Duration.ofHours(1)), new SimpleMeterRegistry(), System::currentTimeMillis).sign(forged), now);
        settle();

        assertThat(rejections(LspRejection.UNSIGNED)).isEqualTo(1);
        assertThat(rejections(LspRejection.WRONG_SIGNER)).isEqualTo(1);
        assertThat(rejections(LspRejection.BAD_SIGNATURE)).isEqualTo(1);
        assertThat(rejections(LspRejection.UNTRUSTED_CERTIFICATE)).isEqualTo(1);
        assertThat(sr1.lsdb().get(new LspId("sg-4", 0)).pdu().sequence()).isEqualTo(1);
        assertThat(sr1.fib().lookup("/B/4/x.Y/Z")).as("the route to sg-4's /B/4 stays").isNotNull();
        // Nothing forged was flooded on.
        assertThat(sent).filteredOn(m -> m instanceof LinkStatePdu p && p.id().origin().equals("sg-4")
                && p.sequence() == -1L).isEmpty();

        // sg-4's own next LSP still installs.
        sr1.receive("sr-2", sg4.sign(sg4(2, List.of(PrefixEntry.of(B4, 0), PrefixEntry.of(
                ServicePrefix.parse("/B/44"), 0)))), now);
        settle();
        assertThat(sr1.fib().lookup("/B/44/x.Y/Z")).isNotNull();
    }

    @Test
    void shouldAcceptAPurgeOfALiveLspFromItsOriginOnly() {
        SignedLspAuthenticator sg4 = node("sg-4");
        sr1.receive("sr-2", sg4.sign(sg4(1, List.of(PrefixEntry.of(B4, 0)))), now);
        settle();
        LinkStatePdu purge = sg4(1, List.of()).withLifetime(0);
        sr1.receive("sr-2", node("sg-5").sign(new LinkStatePdu(purge.id(), 2, 0, false, NodeRole.SG, List.of(),
                List.of())), now);
        settle();
        assertThat(rejections(LspRejection.WRONG_SIGNER)).isEqualTo(1);
        assertThat(sr1.fib().lookup("/B/4/x.Y/Z")).isNotNull();

        sr1.receive("sr-2", sg4.sign(new LinkStatePdu(purge.id(), 2, 0, false, NodeRole.SG, List.of(), List.of())),
                now);
        settle();
        assertThat(sr1.lsdb().get(new LspId("sg-4", 0)).purged()).isTrue();
        assertThat(sr1.fib().lookup("/B/4/x.Y/Z")).isNull();
        // The purge sr-1 floods on still carries sg-4's signature, so the next node accepts it too.
        assertThat(sent).filteredOn(m -> m instanceof LinkStatePdu p && p.id().origin().equals("sg-4") && p.isPurge())
                .allSatisfy(m -> assertThat(((LinkStatePdu) m).signature()).isNotNull());
    }

    @Test
    void shouldSignEveryFragmentItOriginatesAndLeaveRoomForTheSignature() {
        LspAuthenticator auth = node("sr-1");
        LinkStatePdu own = sr1.lsdb().get(new LspId("sr-1", 0)).pdu();
        assertThat(own.signature()).isNotNull();
        assertThat(auth.verify(own, now)).isNull();
        LspSignature sig = own.signature();
        assertThat(sig.certificate().length + sig.signature().length).isLessThan(auth.overheadBytes());
    }
}
