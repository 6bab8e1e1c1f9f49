package io.dmsc.spa;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.dmsc.wire.ServicePrefix;
import java.nio.charset.StandardCharsets;

/**
 * Fuzz target of {@link SpaPolicy#parse}, the SPA's policy file parser (loaded at start and on
 * every change of the file). Without {@code JAZZER_FUZZ=1} it replays the seed corpus in
 * {@code SpaPolicyFuzzTestInputs/parseArbitraryPolicy} (the example policy among them).
 *
 * <p>Properties: only a {@link PolicyException} naming the file escapes; a policy that loads
 * decides any well-formed request without an exception.
 */
class SpaPolicyFuzzTest {
    private static final ServicePrefix PREFIX = ServicePrefix.parse("/B/1/x");

    @FuzzTest(maxDuration = "60s")
    void parseArbitraryPolicy(byte[] input) {
        SpaPolicy p;
        try {
            p = SpaPolicy.parse("fuzz.yaml", new String(input, StandardCharsets.UTF_8));
        } catch (PolicyException e) {
            assertThat(e.getMessage()).contains("fuzz.yaml");
            return;
        }
        assertThat(p.size()).isNotNegative(); // identities: [] is a policy that denies everything
        for (String pod : new String[] {"pod-1", ""}) {
            for (String cert : new String[] {"", "spiffe://figure2/pod/pod-1"}) {
                SpaPolicy.Decision d = p.decide("sg-1", pod, "a-token", cert, PREFIX, "10.0.0.1:80", false);
                assertThat(d.granted() || !d.message().isEmpty()).isTrue();
            }
        }
    }
}
