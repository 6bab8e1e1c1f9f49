package io.dmsc.wire.auth;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.dmsc.wire.NodeIds;

/**
 * Fuzz target of {@link PrefixAuthorization#decode}, which every node runs on the opaque
 * authorization of each prefix entry in a received LSP. Without {@code JAZZER_FUZZ=1} it replays
 * the seed corpus in {@code PrefixAuthorizationFuzzTestInputs/decodeArbitraryBytes}.
 *
 * <p>Properties: only a {@link MalformedAuthorizationException} saying what was expected escapes;
 * a decoded authorization has valid fields, encodes within {@link PrefixAuthorization#MAX_BYTES}
 * and decodes back to itself.
 */
class PrefixAuthorizationFuzzTest {

    @FuzzTest(maxDuration = "60s")
    void decodeArbitraryBytes(byte[] input) {
        PrefixAuthorization a;
        try {
            a = PrefixAuthorization.decode(input);
        } catch (MalformedAuthorizationException e) {
            assertThat(e.getMessage()).contains("expected");
            return;
        }
        assertThat(a.notAfterMs()).isGreaterThan(a.notBeforeMs());
        assertThat(NodeIds.isValid(a.sgId())).isTrue();
        assertThat(a.podId().isEmpty() || NodeIds.isValid(a.podId())).isTrue();
        assertThat(a.signature()).hasSize(PrefixAuthorization.SIGNATURE_BYTES);
        byte[] encoded = a.encode();
        assertThat(encoded.length).isLessThanOrEqualTo(PrefixAuthorization.MAX_BYTES);
        assertThat(PrefixAuthorization.decode(encoded)).isEqualTo(a);
        assertThat(a.signedBytes()).isNotEmpty();
        assertThat(a.toString()).contains(a.prefix().toString());
    }
}
