package io.dmsc.routing;

import static io.dmsc.routing.Lsdb.Freshness.NEWER;
import static io.dmsc.routing.Lsdb.Freshness.OLDER;
import static io.dmsc.routing.Lsdb.Freshness.SAME;
import static org.assertj.core.api.Assertions.assertThat;

import io.dmsc.wire.ServicePrefix;
import io.dmsc.wire.link.LinkStatePdu;
import io.dmsc.wire.link.LspId;
import io.dmsc.wire.link.LspSummary;
import io.dmsc.wire.link.NodeRole;
import io.dmsc.wire.link.PrefixEntry;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class LsdbTest {
    private static final long NOW = TimeUnit.SECONDS.toNanos(100);
    private static final LspId ID = new LspId("sr-1", 0);

    private static LinkStatePdu pdu(long seq, String prefix) {
        return new LinkStatePdu(ID, seq, 1200, false, NodeRole.SR, List.of(),
                List.of(PrefixEntry.of(ServicePrefix.parse(prefix), 0)));
    }

    private static LsdbEntry live(LinkStatePdu p) {
        return new LsdbEntry(p, NOW + TimeUnit.SECONDS.toNanos(p.remainingLifetimeS()), false, NOW);
    }

    private static LsdbEntry purged(LinkStatePdu p) {
        return new LsdbEntry(p.asPurge(), NOW + TimeUnit.SECONDS.toNanos(60), true, NOW);
    }

    @Test
    void shouldPreferHigherSequenceNumber() {
        LsdbEntry held = live(pdu(5, "/a"));

        assertThat(Lsdb.compare(6, 1200, held, NOW)).isEqualTo(NEWER);
        assertThat(Lsdb.compare(4, 1200, held, NOW)).isEqualTo(OLDER);
        assertThat(Lsdb.compare(5, 1000, held, NOW)).isEqualTo(SAME);
    }

    @Test
    void shouldCompareSequenceNumbersUnsigned() {
        LsdbEntry held = live(pdu(Long.MAX_VALUE, "/a"));

        assertThat(Lsdb.compare(Long.MIN_VALUE, 1200, held, NOW)).as("2^63 > 2^63-1").isEqualTo(NEWER);
        assertThat(Lsdb.compare(-1L, 1200, held, NOW)).isEqualTo(NEWER);
        assertThat(Lsdb.compare(1, 1200, live(pdu(-1L, "/a")), NOW)).isEqualTo(OLDER);
    }

    @Test
    void shouldTreatAbsentAsNeitherNewerNorOlderWhenNothingIsHeld() {
        assertThat(Lsdb.compare(0, 0, null, NOW)).isEqualTo(SAME);
        assertThat(Lsdb.compare(1, 1200, null, NOW)).isEqualTo(NEWER);
        assertThat(Lsdb.compare(0, 0, live(pdu(1, "/a")), NOW)).as("a request").isEqualTo(OLDER);
    }

    @Test
    void shouldPreferPurgeAtEqualSequenceNumber() {
        LinkStatePdu p = pdu(5, "/a");

        assertThat(Lsdb.compare(5, 0, live(p), NOW)).isEqualTo(NEWER);
        assertThat(Lsdb.compare(5, 1200, purged(p), NOW)).isEqualTo(OLDER);
        assertThat(Lsdb.compare(5, 0, purged(p), NOW)).isEqualTo(SAME);
        assertThat(Lsdb.compare(5, 0, 12345, purged(p), NOW)).as("purges carry no content").isEqualTo(SAME);
    }

    @Test
    void shouldTreatExpiredCopyAsPurge() {
        LsdbEntry expired = new LsdbEntry(pdu(5, "/a"), NOW - 1, false, NOW - TimeUnit.SECONDS.toNanos(1200));

        assertThat(expired.remainingLifetimeS(NOW)).isZero();
        assertThat(Lsdb.compare(5, 100, expired, NOW)).isEqualTo(OLDER);
        assertThat(Lsdb.compare(5, 0, expired, NOW)).isEqualTo(SAME);
    }

    @Test
    void shouldBreakEqualSequenceNumbersByContentChecksum() {
        LinkStatePdu x = pdu(5, "/x");
        LinkStatePdu y = pdu(5, "/y");
        LinkStatePdu larger = Integer.compareUnsigned(x.checksum(), y.checksum()) > 0 ? x : y;
        LinkStatePdu smaller = larger == x ? y : x;

        assertThat(Lsdb.compare(5, 1200, larger.checksum(), live(smaller), NOW)).isEqualTo(NEWER);
        assertThat(Lsdb.compare(5, 1200, smaller.checksum(), live(larger), NOW)).isEqualTo(OLDER);
        assertThat(Lsdb.compare(5, 1200, x.checksum(), live(x), NOW)).isEqualTo(SAME);
        assertThat(Lsdb.compare(5, 1200, 0, live(x), NOW)).as("no checksum given").isEqualTo(SAME);
        assertThat(Lsdb.compare(6, 1200, smaller.checksum(), live(larger), NOW)).as("sequence first")
                .isEqualTo(NEWER);
    }

    @Test
    void shouldSummariseWithRemainingLifetimeAndChecksum() {
        LinkStatePdu p = pdu(5, "/a");
        LsdbEntry e = live(p);

        LspSummary s = Lsdb.summary(e, NOW + TimeUnit.MILLISECONDS.toNanos(200_500));

        assertThat(s).isEqualTo(new LspSummary(ID, 5, 1000, p.checksum()));
        assertThat(Lsdb.summary(purged(p), NOW).remainingLifetimeS()).isZero();
        assertThat(e.current(NOW + TimeUnit.SECONDS.toNanos(200)).remainingLifetimeS()).isEqualTo(1000);
    }
}
