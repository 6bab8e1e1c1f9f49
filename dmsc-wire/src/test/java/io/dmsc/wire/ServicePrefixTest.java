package io.dmsc.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ServicePrefixTest {
    private static final String EXPECTED_CHARACTERS = "expected: only letters, digits and . _ ~ -";

    @ParameterizedTest
    @ValueSource(strings = {"/shop", "/shop/payment", "/a/b/c/d", "/A.b_c~d-e/0123456789", "/_dmsc/node/sr-1",
        "/~/-/./_"})
    void shouldParseValidNames(String text) {
        ServicePrefix p = ServicePrefix.parse(text);

        assertThat(p.toString()).isEqualTo(text);
        assertThat(String.join("/", p.components())).isEqualTo(text.substring(1));
        assertThat(ServicePrefix.of(p.components().toArray(new String[0]))).isEqualTo(p);
    }

    @Test
    void shouldSplitIntoComponents() {
        ServicePrefix p = ServicePrefix.parse("/shop/payment/v2");

        assertThat(p.size()).isEqualTo(3);
        assertThat(p.component(0)).isEqualTo("shop");
        assertThat(p.component(2)).isEqualTo("v2");
        assertThat(p.components()).containsExactly("shop", "payment", "v2");
    }

    @Test
    void shouldRejectNull() {
        assertThatThrownBy(() -> ServicePrefix.parse(null))
                .isInstanceOf(InvalidNameException.class)
                .hasMessageContaining("null")
                .hasMessageContaining("expected: a name like /shop/payment");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "shop", "shop/payment", " /shop"})
    void shouldRejectNameWithoutLeadingSlash(String text) {
        assertThatThrownBy(() -> ServicePrefix.parse(text))
                .isInstanceOf(InvalidNameException.class)
                .hasMessageContaining("must start with '/'")
                .hasMessageContaining("expected: a name like /shop/payment");
    }

    @Test
    void shouldRejectRootAlone() {
        assertThatThrownBy(() -> ServicePrefix.parse("/"))
                .isInstanceOf(InvalidNameException.class)
                .hasMessageContaining("has no component")
                .hasMessageContaining("expected: at least one");
    }

    @Test
    void shouldRejectDoubleSlash() {
        assertThatThrownBy(() -> ServicePrefix.parse("/shop//payment"))
                .isInstanceOf(InvalidNameException.class)
                .hasMessageContaining("'/shop//payment'")
                .hasMessageContaining("component 2 is empty")
                .hasMessageContaining("expected: no '//' and no trailing '/'");
    }

    @Test
    void shouldRejectLeadingDoubleSlash() {
        assertThatThrownBy(() -> ServicePrefix.parse("//shop"))
                .isInstanceOf(InvalidNameException.class)
                .hasMessageContaining("component 1 is empty");
    }

    @Test
    void shouldRejectTrailingSlash() {
        assertThatThrownBy(() -> ServicePrefix.parse("/shop/payment/"))
                .isInstanceOf(InvalidNameException.class)
                .hasMessageContaining("component 3 is empty")
                .hasMessageContaining("no trailing '/'");
    }

    @Test
    void shouldRejectEmptyComponent() {
        assertThatThrownBy(() -> ServicePrefix.of("shop", ""))
                .isInstanceOf(InvalidNameException.class)
                .hasMessageContaining("component 2 is empty")
                .hasMessageContaining("expected: 1 to 64 of letters, digits and . _ ~ -");
        assertThatThrownBy(() -> ServicePrefix.of("shop", null))
                .isInstanceOf(InvalidNameException.class)
                .hasMessageContaining("component 2 is empty");
    }

    @Test
    void shouldRejectNoComponents() {
        assertThatThrownBy(() -> ServicePrefix.of())
                .isInstanceOf(InvalidNameException.class)
                .hasMessageContaining("has no component");
    }

    @Test
    void shouldRejectSpace() {
        assertThatThrownBy(() -> ServicePrefix.parse("/shop/my payment"))
                .isInstanceOf(InvalidNameException.class)
                .hasMessageContaining("component 2 'my payment' contains a space")
                .hasMessageContaining(EXPECTED_CHARACTERS);
    }

    @ParameterizedTest
    @ValueSource(strings = {"/shop/pay\u0000", "/shop/pay\tment", "/shop/\npay", "/shop/pay\u007f"})
    void shouldRejectControlCharacters(String text) {
        char bad = text.chars().filter(c -> c < 0x20 || c == 0x7f).mapToObj(c -> (char) c).findFirst().orElseThrow();
        assertThatThrownBy(() -> ServicePrefix.parse(text))
                .isInstanceOf(InvalidNameException.class)
                .hasMessageContaining(String.format("control character U+%04X", (int) bad))
                .hasMessageContaining(EXPECTED_CHARACTERS);
    }

    @ParameterizedTest
    @ValueSource(strings = {"/shop/caf\u00e9", "/\u5e97/payment", "/shop/pay\u00a0ment", "/shop/pay\u200bment"})
    void shouldRejectNonAsciiCharacters(String text) {
        assertThatThrownBy(() -> ServicePrefix.parse(text))
                .isInstanceOf(InvalidNameException.class)
                .hasMessageContaining("contains")
                .hasMessageContaining(EXPECTED_CHARACTERS);
    }

    @Test
    void shouldNameSupplementaryCharacterWhole() {
        String emoji = new String(Character.toChars(0x1F600));
        assertThatThrownBy(() -> ServicePrefix.parse("/shop/pay" + emoji))
                .isInstanceOf(InvalidNameException.class)
                .hasMessageContaining("U+1F600")
                .hasMessageContaining(EXPECTED_CHARACTERS)
                .satisfies(e -> assertThat(hasLoneSurrogate(e.getMessage())).as("lone surrogate in message").isFalse());
    }

    private static boolean hasLoneSurrogate(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c)) {
                if (i + 1 >= s.length() || !Character.isLowSurrogate(s.charAt(i + 1))) {
                    return true;
                }
                i++;
            } else if (Character.isLowSurrogate(c)) {
                return true;
            }
        }
        return false;
    }

    @ParameterizedTest
    @ValueSource(strings = {"/shop/pay:ment", "/shop/pay?x=1", "/shop/pay#x", "/shop/pay%20", "/shop/pay*",
        "/shop/pay\\ment", "/shop/pay+ment", "/shop/pay@host"})
    void shouldRejectPunctuationOutsideTheAllowedSet(String text) {
        assertThatThrownBy(() -> ServicePrefix.parse(text))
                .isInstanceOf(InvalidNameException.class)
                .hasMessageContaining("component 2")
                .hasMessageContaining(EXPECTED_CHARACTERS);
    }

    @Test
    void shouldAcceptComponentOfExactlyMaxLength() {
        String c = "a".repeat(ServicePrefix.MAX_COMPONENT_LENGTH);

        assertThat(ServicePrefix.parse("/" + c).component(0)).isEqualTo(c);
    }

    @Test
    void shouldRejectComponentLongerThanMaxLength() {
        String c = "a".repeat(ServicePrefix.MAX_COMPONENT_LENGTH + 1);

        assertThatThrownBy(() -> ServicePrefix.parse("/shop/" + c))
                .isInstanceOf(InvalidNameException.class)
                .hasMessageContaining("component 2")
                .hasMessageContaining("is 65 bytes")
                .hasMessageContaining("expected: at most 64");
    }

    @Test
    void shouldAbbreviateVeryLongInputInMessages() {
        String c = "a".repeat(10_000);

        assertThatThrownBy(() -> ServicePrefix.parse("/" + c))
                .isInstanceOf(InvalidNameException.class)
                .satisfies(e -> assertThat(e.getMessage().length()).isLessThan(300));
        assertThatThrownBy(() -> ServicePrefix.parse(c))
                .isInstanceOf(InvalidNameException.class)
                .satisfies(e -> assertThat(e.getMessage().length()).isLessThan(300));
    }

    @Test
    void shouldAcceptExactlyMaxComponents() {
        String text = String.join("", Collections.nCopies(ServicePrefix.MAX_COMPONENTS, "/c"));

        assertThat(ServicePrefix.parse(text).size()).isEqualTo(ServicePrefix.MAX_COMPONENTS);
    }

    @Test
    void shouldRejectMoreThanMaxComponents() {
        String text = String.join("", Collections.nCopies(ServicePrefix.MAX_COMPONENTS + 1, "/c"));

        assertThatThrownBy(() -> ServicePrefix.parse(text))
                .isInstanceOf(InvalidNameException.class)
                .hasMessageContaining("33 components")
                .hasMessageContaining("expected: at most 32");
        assertThatThrownBy(() -> ServicePrefix.parse(text.substring(2)).append("x"))
                .isInstanceOf(InvalidNameException.class);
        assertThatThrownBy(() -> ServicePrefix.parse(text.substring(2)).append("c", "d"))
                .isInstanceOf(InvalidNameException.class)
                .hasMessageContaining("expected: at most 32");
    }

    @Test
    void shouldDetectReservedNamespace() {
        assertThat(ServicePrefix.parse("/_dmsc").isReserved()).isTrue();
        assertThat(ServicePrefix.parse("/_dmsc/node/sr-1").isReserved()).isTrue();
        assertThat(ServicePrefix.parse("/_dmscx/node").isReserved()).isFalse();
        assertThat(ServicePrefix.parse("/_DMSC/node").isReserved()).isFalse();
        assertThat(ServicePrefix.parse("/shop/_dmsc").isReserved()).isFalse();
        assertThat(ServicePrefix.parse("/shop").isReserved()).isFalse();
    }

    @Test
    void shouldBuildNodePrefixInReservedNamespace() {
        ServicePrefix p = ServicePrefix.nodePrefix("sr-1");

        assertThat(p.toString()).isEqualTo("/_dmsc/node/sr-1");
        assertThat(p.isReserved()).isTrue();
        assertThatThrownBy(() -> ServicePrefix.nodePrefix("sr 1"))
                .isInstanceOf(InvalidNameException.class)
                .hasMessageContaining("node id");
        assertThatThrownBy(() -> ServicePrefix.nodePrefix("sr~1"))
                .isInstanceOf(InvalidNameException.class);
    }

    @Test
    void shouldMatchWholeComponentsOnly() {
        ServicePrefix pay = ServicePrefix.parse("/shop/pay");
        ServicePrefix payment = ServicePrefix.parse("/shop/payment");

        assertThat(pay.isPrefixOf(payment)).isFalse();
        assertThat(payment.isPrefixOf(pay)).isFalse();
        assertThat(ServicePrefix.parse("/sh").isPrefixOf(payment)).isFalse();
        assertThat(ServicePrefix.parse("/shop").isPrefixOf(payment)).isTrue();
        assertThat(pay.isPrefixOf(ServicePrefix.parse("/shop/pay/v2/charge"))).isTrue();
        assertThat(pay.isPrefixOf(pay)).isTrue();
        assertThat(ServicePrefix.parse("/shop/pay/v2").isPrefixOf(pay)).isFalse();
        assertThat(ServicePrefix.parse("/Shop").isPrefixOf(payment)).as("case-sensitive").isFalse();
    }

    @Test
    void shouldAgreeWithComponentwiseDefinitionOfPrefixOnRandomNames() {
        Random random = new Random(7);
        String[] alphabet = {"a", "ab", "abc", "b", "pay", "payment", "Aa", "BB"};
        for (int i = 0; i < 20_000; i++) {
            ServicePrefix x = randomName(random, alphabet, 1 + random.nextInt(4));
            ServicePrefix y = randomName(random, alphabet, 1 + random.nextInt(5));
            boolean expected = x.size() <= y.size() && y.components().subList(0, x.size()).equals(x.components());

            assertThat(x.isPrefixOf(y)).as("%s prefix of %s", x, y).isEqualTo(expected);
        }
    }

    private static ServicePrefix randomName(Random random, String[] alphabet, int size) {
        String[] c = new String[size];
        for (int i = 0; i < size; i++) {
            c[i] = alphabet[random.nextInt(alphabet.length)];
        }
        return ServicePrefix.of(c);
    }

    @Test
    void shouldCutToLeadingComponents() {
        ServicePrefix p = ServicePrefix.parse("/a/b/c");

        assertThat(p.prefix(1)).isEqualTo(ServicePrefix.parse("/a"));
        assertThat(p.prefix(2).toString()).isEqualTo("/a/b");
        assertThat(p.prefix(3)).isSameAs(p);
        assertThatThrownBy(() -> p.prefix(0)).hasMessageContaining("count: 0 (expected: 1..3)");
        assertThatThrownBy(() -> p.prefix(4)).hasMessageContaining("count: 4 (expected: 1..3)");
    }

    @Test
    void shouldAppendComponents() {
        ServicePrefix p = ServicePrefix.parse("/a").append("b", "c");

        assertThat(p).isEqualTo(ServicePrefix.parse("/a/b/c"));
        assertThat(p.toString()).isEqualTo("/a/b/c");
        assertThatThrownBy(() -> ServicePrefix.parse("/a").append("b/c"))
                .isInstanceOf(InvalidNameException.class)
                .hasMessageContaining("'/'");
    }

    @Test
    void shouldCopyComponentsGivenToOf() {
        String[] c = {"a", "b"};
        ServicePrefix p = ServicePrefix.of(c);
        c[1] = "x";

        assertThat(p.toString()).isEqualTo("/a/b");
        assertThat(p.component(1)).isEqualTo("b");
    }

    @Test
    void shouldBeEqualByTextAndOrderedByText() {
        ServicePrefix a = ServicePrefix.parse("/a/b");
        ServicePrefix b = ServicePrefix.of("a", "b");

        assertThat(a).isEqualTo(b).hasSameHashCodeAs(b);
        assertThat(a).isNotEqualTo(ServicePrefix.parse("/A/b"));
        assertThat(List.of(ServicePrefix.parse("/b"), ServicePrefix.parse("/a/b"), ServicePrefix.parse("/a")).stream()
                .sorted().map(ServicePrefix::toString)).containsExactly("/a", "/a/b", "/b");
        assertThat(a.compareTo(b)).isZero();
    }
}
