package io.dmsc.node.auth;

import static org.assertj.core.api.Assertions.assertThat;

import io.dmsc.routing.Fib;
import io.dmsc.routing.LinkStateOutput;
import io.dmsc.routing.LinkStateProtocol;
import io.dmsc.routing.PrefixStatus;
import io.dmsc.routing.RoutingConfig;
import io.dmsc.wire.ServicePrefix;
import io.dmsc.wire.auth.PrefixAuthorization;
import io.dmsc.wire.auth.SpaKeys;
import io.dmsc.wire.auth.TrustAnchors;
import io.dmsc.wire.link.LinkMessage;
import io.dmsc.wire.link.LinkStatePdu;
import io.dmsc.wire.link.LspId;
import io.dmsc.wire.link.NeighborEntry;
import io.dmsc.wire.link.NodeRole;
import io.dmsc.wire.link.PrefixEntry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.security.KeyPair;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Route installation with real Ed25519 authorizations: sr-1's protocol, driven on a fake clock,
 * receives sg-4's LSP carrying genuine, replayed, forged, unsigned, expired and future
 * authorizations; only the valid ones enter its FIB, and validity ends on time.
 */
class SignedPrefixAuthorizerTest {
    private static final KeyPair SPA = SpaKeys.generate();
    private static final KeyPair ROGUE = SpaKeys.generate();
    private static final long WALL0_MS = 1_800_000_000_000L;
    private static final long T0 = TimeUnit.SECONDS.toNanos(5_000);

    private long now = T0;
    private final List<Fib> fibs = new ArrayList<>();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private LinkStateProtocol protocol;
    private long sequence = 1;

    private long wallMs() {
        return WALL0_MS + TimeUnit.NANOSECONDS.toMillis(now - T0);
    }

    @BeforeEach
    void start() {
        SignedPrefixAuthorizer authorizer = new SignedPrefixAuthorizer(new TrustAnchors(List.of(SPA.getPublic())),
                registry, this::wallMs, 1000);
        LinkStateOutput output = new LinkStateOutput() {
            @Override
            public void send(String neighborId, LinkMessage message) {
            }

            @Override
            public void routesChanged(Fib fib) {
                fibs.add(fib);
            }
        };
        protocol = new LinkStateProtocol(RoutingConfig.defaults("sr-1", NodeRole.SR), output, () -> now, authorizer, now);
        protocol.adjacencyUp("sg-4", 10, now);
        run(100);
    }

    private void run(long ms) {
        long until = now + TimeUnit.MILLISECONDS.toNanos(ms);
        while (true) {
            protocol.doWork(now);
            long next = protocol.nextDeadlineNs(now);
            if (next > until) {
                break;
            }
            now = Math.max(now, next);
        }
        now = until;
        protocol.doWork(now);
    }

    private static byte[] sign(KeyPair key, String prefix, String pod, String sg, long fromMs, long untilMs) {
        PrefixAuthorization a = new PrefixAuthorization(SpaKeys.keyId(key.getPublic()), fromMs, untilMs, 7,
                ServicePrefix.parse(prefix), pod, sg, null);
        return a.withSignature(SpaKeys.sign(key.getPrivate(), a.signedBytes())).encode();
    }

    private byte[] valid(String prefix, String sg) {
        return sign(SPA, prefix, "pod-4", sg, WALL0_MS - 1000, WALL0_MS + 60_000);
    }

    private static PrefixEntry entry(String prefix, byte[] authorization) {
        return new PrefixEntry(ServicePrefix.parse(prefix), 0, authorization);
    }

    private void receive(List<PrefixEntry> prefixes) {
        protocol.receive("sg-4", new LinkStatePdu(new LspId("sg-4", 0), sequence++, 1200, false, NodeRole.SG,
                List.of(new NeighborEntry("sr-1", 10)), prefixes), now);
        run(200);
    }

    private Map<String, String> states() {
        Map<String, String> m = new TreeMap<>();
        for (PrefixStatus s : protocol.prefixStatus(now)) {
            m.put(s.prefix().toString(), s.state());
        }
        return m;
    }

    private boolean installed(String prefix) {
        return protocol.fib().get(ServicePrefix.parse(prefix)) != null;
    }

    private List<PrefixEntry> mixed() {
        byte[] altered = valid("/E", "sg-4");
        altered[altered.length - 1] ^= 1;
        return List.of(
                entry("/B/4", valid("/B/4", "sg-4")),
                entry("/C/3", valid("/C/3", "sg-3")),
                entry("/D", sign(ROGUE, "/D", "pod-4", "sg-4", WALL0_MS - 1000, WALL0_MS + 60_000)),
                entry("/E", altered),
                entry("/F", new byte[0]),
                entry("/G", valid("/H", "sg-4")),
                entry("/X", sign(SPA, "/X", "pod-4", "sg-4", WALL0_MS - 60_000, WALL0_MS - 1000)),
                entry("/Y", sign(SPA, "/Y", "pod-4", "sg-4", WALL0_MS + 5_000, WALL0_MS + 60_000)),
                entry("/_dmsc/node/sg-9", new byte[0]),
                entry("/_dmsc/node/sg-4", new byte[0]));
    }

    @Test
    void shouldInstallOnlyValidAuthorizationsAndSayWhyOthersAreRejected() {
        receive(mixed());
        assertThat(states()).containsEntry("/B/4", "installed")
                .containsEntry("/C/3", "rejected: origin-mismatch")
                .containsEntry("/D", "rejected: unknown-key")
                .containsEntry("/E", "rejected: bad-signature")
                .containsEntry("/F", "rejected: unsigned")
                .containsEntry("/G", "rejected: prefix-mismatch")
                .containsEntry("/X", "rejected: expired")
                .containsEntry("/Y", "rejected: not-yet-valid")
                .containsEntry("/_dmsc/node/sg-9", "rejected: reserved-namespace")
                .containsEntry("/_dmsc/node/sg-4", "installed");
        assertThat(installed("/B/4")).isTrue();
        assertThat(installed("/_dmsc/node/sg-4")).isTrue();
        for (String p : List.of("/C/3", "/D", "/E", "/F", "/G", "/X", "/Y", "/_dmsc/node/sg-9")) {
            assertThat(installed(p)).as(p).isFalse();
        }
        PrefixStatus b4 = protocol.prefixStatus(now).stream().filter(s -> s.prefix().toString().equals("/B/4"))
                .findFirst().orElseThrow();
        assertThat(b4.owner()).isEqualTo("pod-4");
        assertThat(b4.notAfterEpochMs()).isEqualTo(WALL0_MS + 60_000);
        assertThat(registry.counter("dmsc_prefix_verification_failures", "reason", "bad-signature").count())
                .isEqualTo(1);
    }

    @Test
    void shouldInstallWhenValidityStartsAndRemoveWhenItEndsWithoutANewLsp() {
        receive(mixed());
        assertThat(installed("/Y")).isFalse();
        run(5_500);
        assertThat(installed("/Y")).isTrue();
        assertThat(installed("/B/4")).isTrue();
        run(55_000);
        assertThat(installed("/B/4")).as("expired 60 s after WALL0").isFalse();
        assertThat(installed("/Y")).isFalse();
        assertThat(states()).containsEntry("/B/4", "rejected: expired");
        assertThat(installed("/_dmsc/node/sg-4")).isTrue();
    }

    @Test
    void shouldNotVerifyAgainWhenAnLspIsRefreshedWithTheSameAuthorizations() {
        receive(mixed());
        long checks = protocol.authorizationChecks();
        double signatures = registry.counter("dmsc_prefix_verifications").count();
        // Ed25519 signatures are deterministic: the same entries again, as a refresh carries them.
        receive(mixed());
        assertThat(protocol.authorizationChecks()).isEqualTo(checks);
        assertThat(registry.counter("dmsc_prefix_verifications").count()).isEqualTo(signatures);
        assertThat(installed("/B/4")).isTrue();
    }

    @Test
    void shouldReplaceAnAuthorizationWhenItIsRenewed() {
        byte[] first = sign(SPA, "/B/4", "pod-4", "sg-4", WALL0_MS - 1000, WALL0_MS + 10_000);
        receive(List.of(entry("/B/4", first)));
        run(6_000);
        byte[] renewed = sign(SPA, "/B/4", "pod-4", "sg-4", WALL0_MS + 5_000, WALL0_MS + 20_000);
        receive(List.of(entry("/B/4", renewed)));
        run(8_000);
        assertThat(installed("/B/4")).as("14 s: the renewed authorization holds").isTrue();
        run(7_000);
        assertThat(installed("/B/4")).as("21 s: the renewed one expired too").isFalse();
    }
}
