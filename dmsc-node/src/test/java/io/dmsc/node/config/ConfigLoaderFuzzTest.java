package io.dmsc.node.config;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;

/**
 * Fuzz target of {@link ConfigLoader}: node files and topology files, parsed from a string.
 * Without {@code JAZZER_FUZZ=1} it replays the seed corpora in
 * {@code ConfigLoaderFuzzTestInputs/parseNodeFile} and {@code .../parseTopologyFile} (the example
 * files and what broke before).
 *
 * <p>Properties: only a {@link ConfigException} naming the file and saying what was expected
 * escapes; never a Jackson, YAML or runtime exception of another type.
 */
class ConfigLoaderFuzzTest {

    @FuzzTest(maxDuration = "60s")
    void parseNodeFile(byte[] input) {
        String text = new String(input, StandardCharsets.UTF_8);
        try {
            NodeConfig c = ConfigLoader.parseNode("fuzz.yaml", text);
            assertThat(c.id()).isNotEmpty();
        } catch (ConfigException e) {
            assertThat(e.getMessage()).contains("fuzz.yaml");
        }
    }

    @FuzzTest(maxDuration = "60s")
    void parseTopologyFile(byte[] input) {
        String text = new String(input, StandardCharsets.UTF_8);
        try {
            TopologyConfig t = ConfigLoader.parseTopology("fuzz.yaml", text);
            assertThat(t.nodes()).isNotNull();
        } catch (ConfigException e) {
            assertThat(e.getMessage()).contains("fuzz.yaml");
        }
    }
}
