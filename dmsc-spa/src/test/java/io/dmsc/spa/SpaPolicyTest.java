package io.dmsc.spa;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dmsc.wire.ServicePrefix;
import io.dmsc.wire.proto.spa.v1.DenyReason;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class SpaPolicyTest {
    private static final String POD_TOKEN = "pod-token-1";
    private static final String SG_TOKEN = "sg-token-1";

    private static SpaPolicy policy() {
        return SpaPolicy.parse("p.yaml", """
                identities:
                  - id: pod-4
                    tokenHash: "%s"
                    prefixes: [/B/4/**, /B]
                    gateways: [sg-4]
                  - id: wide
                    tokenHash: "%s"
                    prefixes: [/W]
                    endpoints: ["10.0.0.9"]
                  - {id: sg-4, kind: node, tokenHash: "%s", prefixes: [/demo/sg-4]}
                """.formatted(TokenHash.hash(POD_TOKEN), TokenHash.hash(POD_TOKEN), TokenHash.hash(SG_TOKEN)));
    }

    private static SpaPolicy.Decision decide(String sg, String pod, String token, String prefix, String endpoint,
                                             boolean own) {
        return policy().decide(sg, pod, token, "", ServicePrefix.parse(prefix), endpoint, own);
    }

    @Test
    void shouldGrantPatternsExactlyAndBelow() {
        assertThat(decide("sg-4", "pod-4", POD_TOKEN, "/B/4", "127.0.0.1:1", true).granted()).isTrue();
        assertThat(decide("sg-4", "pod-4", POD_TOKEN, "/B/4/x/y", "127.0.0.1:1", true).granted()).isTrue();
        assertThat(decide("sg-4", "pod-4", POD_TOKEN, "/B", "127.0.0.1:1", true).granted()).isTrue();
        assertThat(decide("sg-4", "", SG_TOKEN, "/demo/sg-4", "", true).granted()).isTrue();
    }

    static Stream<Arguments> denials() {
        return Stream.of(
            Arguments.of("sg-4", "pod-9", POD_TOKEN, "/B/4", true, DenyReason.UNKNOWN_IDENTITY, "no pod pod-9"),
            Arguments.of("sg-4", "pod-4", "wrong", "/B/4", true, DenyReason.BAD_CREDENTIAL, "does not match"),
            Arguments.of("sg-4", "pod-4", "", "/B/4", true, DenyReason.BAD_CREDENTIAL, "presented no token"),
            Arguments.of("sg-4", "pod-4", POD_TOKEN, "/B/5", true, DenyReason.PREFIX_NOT_ALLOWED, "may not own /B/5"),
            // /B is exact: /B/5 is not below /B/4, and /B itself does not cover /B/x.
            Arguments.of("sg-4", "pod-4", POD_TOKEN, "/B/x", true, DenyReason.PREFIX_NOT_ALLOWED, "may not own /B/x"),
            Arguments.of("sg-4", "pod-4", POD_TOKEN, "/_dmsc/node/sg-4", true, DenyReason.RESERVED_NAMESPACE,
                    "reserved"),
            Arguments.of("sg-1", "pod-4", POD_TOKEN, "/B/4", true, DenyReason.GATEWAY_NOT_ALLOWED, "through SG sg-1"),
            Arguments.of("sg-4", "pod-4", POD_TOKEN, "/B/4", false, DenyReason.ENDPOINT_NOT_ALLOWED, "10.1.1.1"),
            Arguments.of("sg-1", "", SG_TOKEN, "/demo/sg-4", true, DenyReason.UNKNOWN_IDENTITY, "no node sg-1"),
            Arguments.of("sg-4", "", POD_TOKEN, "/demo/sg-4", true, DenyReason.BAD_CREDENTIAL, "node sg-4"));
    }

    @ParameterizedTest
    @MethodSource("denials")
    void shouldDenyWithItsOwnReasonAndNeverTheToken(String sg, String pod, String token, String prefix, boolean own,
                                                    DenyReason reason, String says) {
        SpaPolicy.Decision d = decide(sg, pod, token, prefix, "10.1.1.1:50051", own);
        assertThat(d.granted()).isFalse();
        assertThat(d.reason()).isEqualTo(reason);
        assertThat(d.message()).contains(says).doesNotContain(POD_TOKEN).doesNotContain(SG_TOKEN);
    }

    @Test
    void shouldAllowListedEndpointHostsOnly() {
        assertThat(decide("sg-1", "wide", POD_TOKEN, "/W", "10.0.0.9:80", false).granted()).isTrue();
        assertThat(decide("sg-1", "wide", POD_TOKEN, "/W", "10.0.0.8:80", false).reason())
                .isEqualTo(DenyReason.ENDPOINT_NOT_ALLOWED);
    }

    static Stream<Arguments> badPolicies() {
        String hash = TokenHash.hash("t");
        return Stream.of(
            Arguments.of("identities: [\n  {id: a, tokenHash: x\n", 0, "not valid YAML"),
            Arguments.of("identities:\n  - id: a\n    tokenHash: \"" + hash + "\"\n    prefixes: [/a/**/b]\n", 4,
                    "prefixes"),
            Arguments.of("identities:\n  - id: a\n    tokenHash: \"" + hash + "\"\n    prefixes: [/a]\n    prefix: x\n", 5,
                    "unknown key 'prefix'"),
            Arguments.of("identities:\n  - id: a\n    tokenHash: nope\n    prefixes: [/a]\n", 3, "tokenHash"),
            Arguments.of("identities:\n  - {id: a, tokenHash: \"" + hash + "\", prefixes: [/a]}\n"
                    + "  - {id: a, tokenHash: \"" + hash + "\", prefixes: [/b]}\n", 3, "duplicate pod id 'a'"),
            Arguments.of("identities:\n  - {id: a, kind: pods, tokenHash: \"" + hash + "\", prefixes: [/a]}\n", 2,
                    "expected: pod or node"),
            Arguments.of("identitys: []\n", 1, "unknown key 'identitys'"),
            Arguments.of("", 1, "empty file"));
    }

    @ParameterizedTest
    @MethodSource("badPolicies")
    void shouldNameFileLineAndReasonOfABadPolicy(String text, int line, String says) {
        assertThatThrownBy(() -> SpaPolicy.parse("bad.yaml", text))
                .isInstanceOf(PolicyException.class)
                .hasMessageStartingWith("bad.yaml: ")
                .hasMessageContaining(says)
                .satisfies(e -> {
                    if (line > 0) {
                        assertThat(((PolicyException) e).line()).isEqualTo(line);
                    }
                });
    }

    @Test
    void shouldStoreTokensOnlyAsSaltedHashes() {
        String a = TokenHash.hash("same");
        String b = TokenHash.hash("same");
        assertThat(a).isNotEqualTo(b).doesNotContain("same").startsWith("sha256:");
        assertThat(TokenHash.matches(a, "same")).isTrue();
        assertThat(TokenHash.matches(b, "same")).isTrue();
        assertThat(TokenHash.matches(a, "other")).isFalse();
    }

    @Test
    void shouldNameABinaryPolicyFileAndTheFirstBadByte(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("policy.yaml");
        Files.write(file, new byte[] {'i', 'd', ':', (byte) 0xff, 0});
        assertThatThrownBy(() -> SpaPolicy.load(file)).isInstanceOf(PolicyException.class)
                .hasMessage(file + ": not a UTF-8 text file (byte 0xff at offset 3; expected: a YAML SPA policy file)");
    }

    @Test
    void shouldNameAMissingPolicyFile(@TempDir Path dir) {
        Path file = dir.resolve("none.yaml");
        assertThatThrownBy(() -> SpaPolicy.load(file)).isInstanceOf(PolicyException.class)
                .hasMessage(file + ": file not found (expected: a YAML SPA policy file)");
    }
}
