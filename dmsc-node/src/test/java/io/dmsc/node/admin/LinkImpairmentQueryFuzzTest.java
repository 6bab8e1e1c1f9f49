package io.dmsc.node.admin;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.dmsc.wire.NodeIds;
import java.nio.charset.StandardCharsets;

/**
 * Fuzz target of {@link LinkImpairmentQuery}, the admin API's parser of {@code /link/impair}
 * and {@code /link/clear} queries. Without {@code JAZZER_FUZZ=1} it replays the seed corpus in
 * {@code LinkImpairmentQueryFuzzTestInputs/parseArbitraryQueries} during {@code mvn test}.
 *
 * <p>Properties: only an {@link IllegalArgumentException} saying what was expected escapes; an
 * accepted query names a valid node id and an impairment within every range that changes
 * something.
 */
class LinkImpairmentQueryFuzzTest {
    @FuzzTest(maxDuration = "60s")
    void parseArbitraryQueries(byte[] input) {
        String query = new String(input, StandardCharsets.UTF_8);
        try {
            LinkImpairmentQuery q = LinkImpairmentQuery.impair(query);
            assertThat(NodeIds.isValid(q.peer())).isTrue();
            assertThat(q.impairment().isNone()).isFalse();
            assertThat(q.impairment().lossPercent()).isBetween(0.0, 100.0);
        } catch (IllegalArgumentException e) {
            assertThat(e.getMessage()).contains("(expected:");
        }
        try {
            assertThat(NodeIds.isValid(LinkImpairmentQuery.clear(query).peer())).isTrue();
        } catch (IllegalArgumentException e) {
            assertThat(e.getMessage()).contains("(expected:");
        }
    }
}
