package io.dmsc.node.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dmsc.node.link.LinkImpairment;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** The query of {@code /link/impair} and {@code /link/clear}: strict, with messages that say what was expected. */
class LinkImpairmentQueryTest {
    @Test
    void shouldParseEveryValue() {
        LinkImpairmentQuery q = LinkImpairmentQuery.impair(
                "peer=sr-2&delayMs=50&jitterMs=10&lossPercent=2.5&rateKbps=1000");
        assertThat(q.peer()).isEqualTo("sr-2");
        assertThat(q.impairment()).isEqualTo(new LinkImpairment(50, 10, 2.5, 1000));
        assertThat(LinkImpairmentQuery.impair("lossPercent=100&peer=a").impairment())
                .isEqualTo(new LinkImpairment(0, 0, 100, 0));
        assertThat(LinkImpairmentQuery.impair("peer=a&jitterMs=60000&delayMs=0").impairment().jitterMs())
                .isEqualTo(60_000);
        assertThat(LinkImpairmentQuery.impair("peer=a%2Db&delayMs=1").peer()).isEqualTo("a-b");
        assertThat(LinkImpairmentQuery.clear("peer=sr-2").peer()).isEqualTo("sr-2");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
        "peer=a&delayMs=-1                | delayMs: '-1' (expected: an integer 0..60000)",
        "peer=a&delayMs=60001             | delayMs: 60001 (expected: an integer 0..60000)",
        "peer=a&delayMs=99999999999999999 | delayMs: '99999999999999999' (expected: an integer 0..60000)",
        "peer=a&delayMs=                  | delayMs: '' (expected: an integer 0..60000)",
        "peer=a&delayMs=1e3               | delayMs: '1e3' (expected: an integer 0..60000)",
        "peer=a&delayMs=+5                | delayMs: ' 5' (expected: an integer 0..60000)",
        "peer=a&jitterMs=0x10             | jitterMs: '0x10' (expected: an integer 0..60000)",
        "peer=a&lossPercent=NaN           | lossPercent: 'NaN' (expected: a number 0..100, e.g. 2.5)",
        "peer=a&lossPercent=Infinity      | lossPercent: 'Infinity' (expected: a number 0..100, e.g. 2.5)",
        "peer=a&lossPercent=-1            | lossPercent: '-1' (expected: a number 0..100, e.g. 2.5)",
        "peer=a&lossPercent=100.5         | lossPercent: 100.5 (expected: a number 0..100, e.g. 2.5)",
        "peer=a&lossPercent=5d            | lossPercent: '5d' (expected: a number 0..100, e.g. 2.5)",
        "peer=a&rateKbps=0                | rateKbps: 0 (expected: an integer 1..10000000; leave it out for no limit)",
        "peer=a&rateKbps=10000001         | rateKbps: 10000001 (expected: an integer 1..10000000; leave it out for no limit)",
        "peer=a&delayMs=0                 | nothing to impair (expected: at least one of delayMs, jitterMs, lossPercent, rateKbps above 0; POST /link/clear?peer=a removes an impairment)",
        "peer=a                           | nothing to impair (expected: at least one of delayMs, jitterMs, lossPercent, rateKbps above 0; POST /link/clear?peer=a removes an impairment)",
        "delayMs=5                        | peer: missing (expected: peer=ID, the neighbour's node id)",
        "peer=a/b&delayMs=5               | peer: 'a/b' (expected: a node id, 1 to 64 of letters, digits and . _ -)",
        "peer=a&delay=5                   | unknown parameter 'delay' (expected: peer, delayMs, jitterMs, lossPercent, rateKbps)",
        "peer=a&delayMs=5&delayMs=6       | parameter 'delayMs' given twice (expected: once)",
        "peer=a&delayMs=%zz               | query: bad percent-encoding in '%zz' (expected: %XX escapes of UTF-8)",
    })
    void shouldRefuseBadValuesSayingWhatWasExpected(String query, String message) {
        assertThatThrownBy(() -> LinkImpairmentQuery.impair(query)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage(message);
    }

    @Test
    void shouldRefuseAnEmptyOrHugeQueryAndAbbreviateWhatItEchoes() {
        assertThatThrownBy(() -> LinkImpairmentQuery.impair(null)).hasMessageStartingWith("no query (expected:");
        assertThatThrownBy(() -> LinkImpairmentQuery.impair("")).hasMessageStartingWith("no query (expected:");
        assertThatThrownBy(() -> LinkImpairmentQuery.impair("peer=a&delayMs=" + "1".repeat(2000)))
                .hasMessage("query of 2015 characters (expected: at most 1024)");
        assertThatThrownBy(() -> LinkImpairmentQuery.impair("peer=" + "x".repeat(100) + "%0A&delayMs=1"))
                .hasMessageStartingWith("peer: '" + "x".repeat(40) + "...' (expected:");
        assertThatThrownBy(() -> LinkImpairmentQuery.impair("peer=a%0Ab&delayMs=1")).hasMessageStartingWith(
                "peer: 'a?b'");
        assertThatThrownBy(() -> LinkImpairmentQuery.clear("peer=a&delayMs=5"))
                .hasMessage("unknown parameter 'delayMs' (expected: peer)");
    }
}
