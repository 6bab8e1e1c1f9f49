package io.dmsc.wire;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;

/**
 * Fuzz target of {@link ServicePrefix#parse} and {@link NodeIds#check}, the name checks behind
 * every prefix a pod announces, an LSP carries or a configuration file names. Without
 * {@code JAZZER_FUZZ=1} it replays the seed corpus in
 * {@code ServicePrefixFuzzTestInputs/parseArbitraryNames}.
 *
 * <p>Properties: only an {@link InvalidNameException} saying what was expected escapes; an
 * accepted name keeps the rules (component count, lengths, characters), prints as the text it
 * came from, and builds back from its components; node ids accepted are valid components.
 */
class ServicePrefixFuzzTest {

    @FuzzTest(maxDuration = "60s")
    void parseArbitraryNames(byte[] input) {
        String text = new String(input, StandardCharsets.UTF_8);
        try {
            ServicePrefix p = ServicePrefix.parse(text);
            assertThat(p.toString()).isEqualTo(text);
            assertThat(p.size()).isBetween(1, ServicePrefix.MAX_COMPONENTS);
            for (String c : p.components()) {
                assertThat(c.length()).isBetween(1, ServicePrefix.MAX_COMPONENT_LENGTH);
                assertThat(c.chars().allMatch(ch -> ServicePrefix.isAllowed((char) ch))).isTrue();
            }
            assertThat(ServicePrefix.of(p.components().toArray(new String[0]))).isEqualTo(p);
            assertThat(p.prefix(1).isPrefixOf(p)).isTrue();
            assertThat(p.compareTo(ServicePrefix.parse(text))).isZero();
        } catch (InvalidNameException e) {
            assertThat(e.getMessage()).contains("(expected:");
            assertThat(e.getMessage().length()).as("message bounded").isLessThan(400);
        }
        try {
            String id = NodeIds.check(text);
            assertThat(ServicePrefix.nodePrefix(id).toString()).endsWith("/" + id);
        } catch (InvalidNameException e) {
            assertThat(e.getMessage()).contains("(expected:");
        }
    }
}
