package io.dmsc.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dmsc.wire.ServicePrefix;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class FibTest {
    /**
     * Components that share text prefixes ("pay"/"payment"), and "Aa"/"BB", which have the same
     * {@link String#hashCode()}, so equal-hash names of equal length exist.
     */
    private static final String[] ALPHABET = {"a", "ab", "abc", "b", "pay", "payment", "p", "Aa", "BB", "AaAa",
        "BBBB", "AaBB", "x.y", "x-y", "_dmsc"};

    private static FibEntry entry(String prefix) {
        return new FibEntry(ServicePrefix.parse(prefix), List.of("n-" + prefix.length()), false, prefix.length());
    }

    private static Fib fib(String... prefixes) {
        List<FibEntry> entries = new ArrayList<>();
        for (String p : prefixes) {
            entries.add(entry(p));
        }
        return new Fib(entries);
    }

    private static String matched(Fib fib, String name) {
        FibEntry e = fib.lookup(name);
        return e == null ? null : e.prefix().toString();
    }

    @Test
    void shouldMatchLongestPrefixByWholeComponents() {
        Fib fib = fib("/shop", "/shop/pay", "/shop/payment/v2", "/other");

        assertThat(matched(fib, "/shop/pay")).isEqualTo("/shop/pay");
        assertThat(matched(fib, "/shop/pay/charge")).isEqualTo("/shop/pay");
        assertThat(matched(fib, "/shop/payment")).isEqualTo("/shop");
        assertThat(matched(fib, "/shop/payment/v2/charge")).isEqualTo("/shop/payment/v2");
        assertThat(matched(fib, "/shop/payment/v3")).isEqualTo("/shop");
        assertThat(matched(fib, "/shopping/cart")).isNull();
        assertThat(matched(fib, "/sho")).isNull();
        assertThat(matched(fib, "/other")).isEqualTo("/other");
    }

    @Test
    void shouldNotMatchNameThatOnlySharesTextPrefix() {
        Fib fib = fib("/shop/pay");

        assertThat(fib.lookup("/shop/payment")).isNull();
        assertThat(fib.lookup("/shop/pa")).isNull();
        assertThat(fib.lookup("/shop")).isNull();
        assertThat(fib.lookup(ServicePrefix.parse("/shop/payment/x"))).isNull();
        assertThat(fib.lookup(ServicePrefix.parse("/shop/pay/x")).prefix().toString()).isEqualTo("/shop/pay");
    }

    @Test
    void shouldTellApartNamesWithEqualHashes() {
        assertThat("/Aa".hashCode()).isEqualTo("/BB".hashCode());
        Fib fib = fib("/Aa", "/x/AaBB");

        assertThat(matched(fib, "/BB")).isNull();
        assertThat(matched(fib, "/BB/c")).isNull();
        assertThat(matched(fib, "/Aa/c")).isEqualTo("/Aa");
        assertThat(matched(fib, "/x/BBBB")).isNull();
        assertThat(matched(fib, "/x/BBAa/y")).isNull();
        assertThat(matched(fib, "/x/AaBB/y")).isEqualTo("/x/AaBB");
    }

    @Test
    void shouldMatchNameOfMaximumDepth() {
        String deep = String.join("", Collections.nCopies(ServicePrefix.MAX_COMPONENTS, "/c"));
        Fib fib = fib("/c", deep);

        assertThat(matched(fib, deep)).isEqualTo(deep);
        assertThat(matched(fib, deep.substring(0, deep.length() - 2))).isEqualTo("/c");
    }

    @Test
    void shouldMissOnEmptyFib() {
        assertThat(Fib.EMPTY.lookup("/shop")).isNull();
        assertThat(Fib.EMPTY.get(ServicePrefix.parse("/shop"))).isNull();
        assertThat(Fib.EMPTY.size()).isZero();
        assertThat(Fib.EMPTY.entries()).isEmpty();
    }

    @Test
    void shouldGetExactMatchOnly() {
        Fib fib = fib("/shop", "/shop/pay");

        assertThat(fib.get(ServicePrefix.parse("/shop/pay")).prefix().toString()).isEqualTo("/shop/pay");
        assertThat(fib.get(ServicePrefix.parse("/shop"))).isSameAs(fib.lookup("/shop"));
        assertThat(fib.get(ServicePrefix.parse("/shop/pay/x"))).isNull();
        assertThat(fib.get(ServicePrefix.parse("/shop/payment"))).isNull();
        assertThat(fib.get(ServicePrefix.parse("/BB"))).isNull();
    }

    @Test
    void shouldReturnEntryWithItsNextHops() {
        FibEntry e = new FibEntry(ServicePrefix.parse("/shop"), List.of("sr-1", "sr-2"), true, 7);
        Fib fib = new Fib(List.of(e));

        assertThat(fib.lookup("/shop/x")).isSameAs(e);
        assertThat(fib.lookup("/shop/x").nextHops()).containsExactly("sr-1", "sr-2");
        assertThat(fib.lookup("/shop/x").local()).isTrue();
        assertThat(fib.lookup("/shop/x").cost()).isEqualTo(7);
    }

    @Test
    void shouldListEntriesSortedByPrefix() {
        Fib fib = fib("/b", "/a/b", "/a", "/Z");

        assertThat(fib.size()).isEqualTo(4);
        assertThat(fib.entries()).extracting(e -> e.prefix().toString()).containsExactly("/Z", "/a", "/a/b", "/b");
    }

    @Test
    void shouldRejectDuplicatePrefixes() {
        assertThatThrownBy(() -> fib("/a", "/b", "/a"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("prefix /a appears twice");
    }

    // -------------------------------------------------------------------------------------
    // Property: lookup agrees with a brute-force scan over every prefix.

    private static ServicePrefix randomName(Random random, int size) {
        String[] c = new String[size];
        for (int i = 0; i < size; i++) {
            // Mostly the small alphabet (many shared prefixes), sometimes a fresh component.
            c[i] = random.nextInt(8) == 0 ? "c" + random.nextInt(50) : ALPHABET[random.nextInt(ALPHABET.length)];
        }
        return ServicePrefix.of(c);
    }

    /** The reference: scan every prefix, keep the longest one that is a whole-component prefix. */
    private static ServicePrefix bruteForce(List<ServicePrefix> prefixes, ServicePrefix name) {
        ServicePrefix best = null;
        for (ServicePrefix p : prefixes) {
            if (p.isPrefixOf(name) && (best == null || p.size() > best.size())) {
                best = p;
            }
        }
        return best;
    }

    private static Map<ServicePrefix, FibEntry> randomEntries(Random random, int count, int maxDepth) {
        Map<ServicePrefix, FibEntry> entries = new LinkedHashMap<>();
        while (entries.size() < count) {
            ServicePrefix p = randomName(random, 1 + random.nextInt(maxDepth));
            entries.put(p, new FibEntry(p, List.of(), false, 0));
        }
        return entries;
    }

    private static void checkAgainstBruteForce(Random random, Map<ServicePrefix, FibEntry> entries, int lookups) {
        Fib fib = new Fib(entries.values());
        List<ServicePrefix> prefixes = new ArrayList<>(entries.keySet());
        assertThat(fib.size()).isEqualTo(prefixes.size());
        for (int i = 0; i < lookups; i++) {
            ServicePrefix name;
            if (i % 3 == 0) {
                // Extend a stored prefix, so hits are frequent.
                ServicePrefix base = prefixes.get(random.nextInt(prefixes.size()));
                name = base;
                while (name.size() < 3 || (name.size() < 8 && random.nextBoolean())) {
                    name = name.append(randomName(random, 1).component(0));
                }
            } else {
                name = randomName(random, 3 + random.nextInt(6));
            }
            ServicePrefix expected = bruteForce(prefixes, name);

            FibEntry got = fib.lookup(name);

            assertThat(got == null ? null : got.prefix()).as("lookup %s", name).isEqualTo(expected);
            assertThat(fib.lookup(name.toString())).isSameAs(got);
        }
        for (ServicePrefix p : prefixes) {
            assertThat(fib.get(p)).isSameAs(entries.get(p));
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20})
    void shouldAgreeWithBruteForceOnRandomTables(int seed) {
        Random random = new Random(seed);
        int size = 1 + random.nextInt(seed % 4 == 0 ? 2000 : 60);

        checkAgainstBruteForce(random, randomEntries(random, size, 1 + random.nextInt(6)), 2000);
    }

    @Test
    void shouldAgreeWithBruteForceOnHundredThousandPrefixes() {
        Random random = new Random(100_000);

        // The brute-force scan costs 100k checks per lookup: a hundred lookups are enough.
        checkAgainstBruteForce(random, randomEntries(random, 100_000, 8), 100);
    }
}
