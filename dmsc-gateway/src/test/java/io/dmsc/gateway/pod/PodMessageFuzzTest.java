package io.dmsc.gateway.pod;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.google.protobuf.InvalidProtocolBufferException;
import io.dmsc.node.link.HostPort;
import io.dmsc.wire.InvalidNameException;
import io.dmsc.wire.NodeIds;
import io.dmsc.wire.ServicePrefix;
import io.dmsc.wire.proto.attach.v1.PodMessage;
import java.net.InetAddress;

/**
 * Fuzz target of the checks the SG's attach service runs on what a pod sends
 * ({@link PodStream}: the pod id of a Hello, the prefix, endpoint and labels of an Announce or
 * Withdraw), before anything reaches the registry, the SPA or a gRPC channel. Without
 * {@code JAZZER_FUZZ=1} it replays the seed corpus in
 * {@code PodMessageFuzzTestInputs/checkPodMessage}.
 *
 * <p>The input is the bytes of one {@link PodMessage} as gRPC would hand it over. Properties: a
 * pod id the SG accepts is a valid node id (what the SPA and the prefix authorization require); a
 * refusal is a sentence saying what was expected, with the pod's control characters escaped; a
 * prefix is refused only with an {@link InvalidNameException}; an endpoint is refused only with an
 * {@link IllegalArgumentException}, and one accepted is canonical (normalizing it again gives the
 * same text), within the SPA's limit, and can be compared with the pod's address without an
 * exception.
 */
class PodMessageFuzzTest {
    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
    private static final InetAddress POD;

    static {
        try {
            POD = InetAddress.getByAddress(new byte[] {10, 0, 0, 7});
        } catch (java.net.UnknownHostException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    @FuzzTest(maxDuration = "60s")
    void checkPodMessage(byte[] input) {
        PodMessage m;
        try {
            m = PodMessage.parseFrom(input);
        } catch (InvalidProtocolBufferException e) {
            return; // AttachService turns such bytes into PodStream.MALFORMED
        }
        switch (m.getKindCase()) {
            case HELLO -> checkPodId(m.getHello().getPodId());
            case ANNOUNCE -> {
                checkPrefix(m.getAnnounce().getPrefix());
                checkEndpoint(m.getAnnounce().getEndpoint());
                assertThat(PodStream.printable(m.getAnnounce().getZone(), 100)).doesNotContain("\n", "\r");
            }
            case WITHDRAW -> {
                checkPrefix(m.getWithdraw().getPrefix());
                if (!m.getWithdraw().getEndpoint().isEmpty()) {
                    checkEndpoint(m.getWithdraw().getEndpoint());
                }
            }
            default -> {
            }
        }
    }

    private static void checkPodId(String id) {
        String problem = PodStream.checkPodId(id);
        if (problem == null) {
            assertThat(NodeIds.isValid(id)).as("accepted pod id '%s' is a node id", id).isTrue();
        } else {
            assertThat(problem).contains("(expected:");
            assertNoControlCharacters(problem);
        }
    }

    private static void checkPrefix(String text) {
        try {
            ServicePrefix.parse(text);
        } catch (InvalidNameException e) {
            assertThat(e.getMessage()).contains("(expected:");
        }
    }

    private static void checkEndpoint(String text) {
        String endpoint;
        try {
            endpoint = PodStream.normalizeEndpoint(text);
        } catch (IllegalArgumentException e) {
            assertThat(e.getMessage()).contains("expected");
            assertThat(PodStream.printable(e.getMessage(), 400)).doesNotContain("\n", "\r");
            return;
        }
        assertThat(PodStream.normalizeEndpoint(endpoint)).as("canonical").isEqualTo(endpoint);
        assertThat(endpoint.length()).as("within what the SPA takes")
                .isLessThanOrEqualTo(PodStream.MAX_ENDPOINT_LENGTH);
        HostPort hp = HostPort.parse(endpoint);
        assertThat(hp.port()).isBetween(1, 65535);
        boolean ownFromLoopback = PodStream.isOwnAddress(endpoint, LOOPBACK);
        boolean ownFromPod = PodStream.isOwnAddress(endpoint, POD);
        if (ownFromPod) {
            assertThat(hp.host()).as("only the pod's own address literal").isEqualTo("10.0.0.7");
        }
        if (ownFromLoopback) {
            assertThat(hp.host()).as("a loopback literal or localhost")
                    .matches("(?i)localhost|127\\.[0-9.]+|[0-9a-f:.]+(%.*)?");
        }
    }

    private static void assertNoControlCharacters(String s) {
        assertThat(s.chars().noneMatch(c -> c < 0x20 || c == 0x7f)).as("no raw control character in '%s'", s)
                .isTrue();
    }
}
