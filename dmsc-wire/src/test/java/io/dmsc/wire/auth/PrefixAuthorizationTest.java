package io.dmsc.wire.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dmsc.wire.ServicePrefix;
import java.security.KeyPair;
import java.util.List;
import org.junit.jupiter.api.Test;

class PrefixAuthorizationTest {
    private static final KeyPair KEY = SpaKeys.generate();
    private static final KeyPair OTHER = SpaKeys.generate();
    private final AuthorizationVerifier verifier = new AuthorizationVerifier(new TrustAnchors(List.of(KEY.getPublic())));

    static byte[] sign(KeyPair key, String prefix, String pod, String sg) {
        PrefixAuthorization a = new PrefixAuthorization(SpaKeys.keyId(key.getPublic()), 1_000, 2_000, 42,
                ServicePrefix.parse(prefix), pod, sg, null);
        return a.withSignature(SpaKeys.sign(key.getPrivate(), a.signedBytes())).encode();
    }

    @Test
    void shouldRoundTripEveryField() {
        byte[] bytes = sign(KEY, "/shop/payment", "pod-4", "sg-4");
        PrefixAuthorization a = PrefixAuthorization.decode(bytes);
        assertThat(a.prefix()).isEqualTo(ServicePrefix.parse("/shop/payment"));
        assertThat(a.podId()).isEqualTo("pod-4");
        assertThat(a.sgId()).isEqualTo("sg-4");
        assertThat(a.notBeforeMs()).isEqualTo(1_000);
        assertThat(a.notAfterMs()).isEqualTo(2_000);
        assertThat(a.serial()).isEqualTo(42);
        assertThat(a.keyIdHex()).isEqualTo(SpaKeys.keyIdHex(KEY.getPublic()));
        assertThat(a.encode()).isEqualTo(bytes);
        assertThat(a.owner()).isEqualTo("pod-4");
    }

    @Test
    void shouldVerifyAGenuineAuthorization() {
        assertThat(verifier.verify(sign(KEY, "/B/4", "pod-4", "sg-4"), ServicePrefix.parse("/B/4"), "sg-4").verified())
                .isTrue();
    }

    @Test
    void shouldRejectEveryAlteredBit() {
        byte[] genuine = sign(KEY, "/B/4", "pod-4", "sg-4");
        for (int i = 0; i < genuine.length * 8; i++) {
            byte[] altered = genuine.clone();
            altered[i / 8] ^= (byte) (1 << (i % 8));
            AuthorizationVerifier.Result r = verifier.verify(altered, ServicePrefix.parse("/B/4"), "sg-4");
            assertThat(r.verified()).as("bit %d", i).isFalse();
        }
    }

    @Test
    void shouldNameEachFailure() {
        ServicePrefix b4 = ServicePrefix.parse("/B/4");
        assertThat(verifier.verify(new byte[0], b4, "sg-4").failure()).isEqualTo(AuthorizationVerifier.Failure.UNSIGNED);
        assertThat(verifier.verify(sign(OTHER, "/B/4", "pod-4", "sg-4"), b4, "sg-4").failure())
                .isEqualTo(AuthorizationVerifier.Failure.UNKNOWN_KEY);
        assertThat(verifier.verify(sign(KEY, "/B/4", "pod-4", "sg-4"), b4, "sg-9").failure())
                .isEqualTo(AuthorizationVerifier.Failure.ORIGIN_MISMATCH);
        assertThat(verifier.verify(sign(KEY, "/B", "pod-4", "sg-4"), b4, "sg-4").failure())
                .isEqualTo(AuthorizationVerifier.Failure.PREFIX_MISMATCH);
        byte[] truncated = java.util.Arrays.copyOf(sign(KEY, "/B/4", "pod-4", "sg-4"), 40);
        AuthorizationVerifier.Result r = verifier.verify(truncated, b4, "sg-4");
        assertThat(r.failure()).isEqualTo(AuthorizationVerifier.Failure.MALFORMED);
        assertThat(r.detail()).contains("truncated");
    }

    @Test
    void shouldRefuseMalformedBytesWithTheReason() {
        assertThatThrownBy(() -> PrefixAuthorization.decode(new byte[] {9, 1}))
                .isInstanceOf(MalformedAuthorizationException.class).hasMessageContaining("version 9 (expected: 1)");
        byte[] extra = java.util.Arrays.copyOf(sign(KEY, "/B/4", "pod-4", "sg-4"), 200);
        assertThatThrownBy(() -> PrefixAuthorization.decode(extra))
                .hasMessageContaining("after the signature");
        assertThatThrownBy(() -> PrefixAuthorization.decode(new byte[PrefixAuthorization.MAX_BYTES + 1]))
                .hasMessageContaining("expected: at most");
    }

    @Test
    void shouldReadBackKeysWrittenAsPem(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        java.nio.file.Path key = dir.resolve("spa.key");
        java.nio.file.Files.writeString(key, SpaKeys.privatePem(KEY));
        java.nio.file.Path pub = dir.resolve("spa.pub");
        java.nio.file.Files.writeString(pub, SpaKeys.publicPem(KEY.getPublic()));
        assertThat(SpaKeys.keyIdHex(SpaKeys.readKeyPair(key).getPublic())).isEqualTo(SpaKeys.keyIdHex(KEY.getPublic()));
        assertThat(TrustAnchors.load(List.of(pub)).keyIds()).containsExactly(SpaKeys.keyIdHex(KEY.getPublic()));
        java.nio.file.Files.writeString(dir.resolve("bad.pub"), "hello");
        assertThatThrownBy(() -> SpaKeys.readPublicKey(dir.resolve("bad.pub")))
                .hasMessageContaining("no -----BEGIN PUBLIC KEY----- block");
    }
}
