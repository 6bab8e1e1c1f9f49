package io.dmsc.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class NodeIdsTest {
    @ParameterizedTest
    @ValueSource(strings = {"a", "sr-1", "sg-2.eu_west", "A0", "-", "_", ".", "node.with.dots"})
    void shouldAcceptValidIds(String id) {
        assertThat(NodeIds.isValid(id)).isTrue();
        assertThat(NodeIds.check(id)).isSameAs(id);
    }

    @Test
    void shouldAcceptIdOfExactlyMaxLength() {
        String id = "n".repeat(NodeIds.MAX_LENGTH);

        assertThat(NodeIds.isValid(id)).isTrue();
        assertThat(ServicePrefix.nodePrefix(id).component(2)).isEqualTo(id);
    }

    @Test
    void shouldRejectNull() {
        assertThat(NodeIds.isValid(null)).isFalse();
        assertThatThrownBy(() -> NodeIds.check(null))
                .isInstanceOf(InvalidNameException.class)
                .hasMessageContaining("null")
                .hasMessageContaining("expected: 1 to 64 of letters, digits and . _ -");
    }

    @Test
    void shouldRejectEmptyId() {
        assertThat(NodeIds.isValid("")).isFalse();
        assertThatThrownBy(() -> NodeIds.check(""))
                .isInstanceOf(InvalidNameException.class)
                .hasMessageContaining("empty")
                .hasMessageContaining("expected: 1 to 64 of letters, digits and . _ -");
    }

    @Test
    void shouldRejectIdLongerThanMaxLength() {
        String id = "n".repeat(NodeIds.MAX_LENGTH + 1);

        assertThat(NodeIds.isValid(id)).isFalse();
        assertThatThrownBy(() -> NodeIds.check(id))
                .isInstanceOf(InvalidNameException.class)
                .hasMessageContaining("65 characters")
                .hasMessageContaining("expected: 1 to 64");
    }

    @Test
    void shouldNotRepeatHugeIdInMessage() {
        String id = "n".repeat(100_000);

        assertThatThrownBy(() -> NodeIds.check(id))
                .isInstanceOf(InvalidNameException.class)
                .satisfies(e -> assertThat(e.getMessage().length()).isLessThan(300));
    }

    @Test
    void shouldRejectTildeAlthoughPrefixesAllowIt() {
        assertThat(ServicePrefix.isAllowed('~')).isTrue();
        assertThat(NodeIds.isValid("sr~1")).isFalse();
        assertThatThrownBy(() -> NodeIds.check("sr~1"))
                .isInstanceOf(InvalidNameException.class)
                .hasMessageContaining("'~'")
                .hasMessageContaining("expected: 1 to 64 of letters, digits and . _ -");
    }

    @ParameterizedTest
    @ValueSource(strings = {"sr 1", "sr/1", "sr\u00e91", "sr\u00001", "sr\t1", "sr:1", "sr@1"})
    void shouldRejectBadCharacters(String id) {
        assertThat(NodeIds.isValid(id)).isFalse();
        assertThatThrownBy(() -> NodeIds.check(id))
                .isInstanceOf(InvalidNameException.class)
                .hasMessageContaining("contains")
                .hasMessageContaining("expected: 1 to 64 of letters, digits and . _ -");
    }

    @Test
    void shouldDescribeSpaceAndControlCharacters() {
        assertThatThrownBy(() -> NodeIds.check("sr 1")).hasMessageContaining("a space");
        assertThatThrownBy(() -> NodeIds.check("sr\u00071")).hasMessageContaining("control character U+0007");
    }
}
