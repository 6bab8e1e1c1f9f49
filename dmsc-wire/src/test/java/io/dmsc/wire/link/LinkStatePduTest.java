package io.dmsc.wire.link;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dmsc.wire.ServicePrefix;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class LinkStatePduTest {
    private static LinkStatePdu pdu(List<NeighborEntry> neighbors, List<PrefixEntry> prefixes) {
        return new LinkStatePdu(new LspId("sr-1", 0), 7, 1200, false, NodeRole.SR, neighbors, prefixes);
    }

    private static PrefixEntry prefix(String p, int cost) {
        return PrefixEntry.of(ServicePrefix.parse(p), cost);
    }

    @Test
    void shouldKeepChecksumAcrossSequenceLifetimeAndId() {
        LinkStatePdu p = LinkMessageSamples.lsp();
        LinkStatePdu other = new LinkStatePdu(new LspId("other", 9), 1000, 5, p.overload(), p.role(), p.neighbors(),
                p.prefixes());

        assertThat(p.withLifetime(3).checksum()).isEqualTo(p.checksum());
        assertThat(other.checksum()).isEqualTo(p.checksum());
        assertThat(p.summary().checksum()).isEqualTo(p.checksum());
    }

    @Test
    void shouldChangeChecksumWithAnyContent() {
        LinkStatePdu base = pdu(List.of(new NeighborEntry("sr-2", 10)), List.of(prefix("/a", 1)));
        List<LinkStatePdu> variants = List.of(
                base,
                pdu(List.of(new NeighborEntry("sr-2", 11)), List.of(prefix("/a", 1))),
                pdu(List.of(new NeighborEntry("sr-3", 10)), List.of(prefix("/a", 1))),
                pdu(List.of(), List.of(prefix("/a", 1))),
                pdu(List.of(new NeighborEntry("sr-2", 10)), List.of(prefix("/a", 2))),
                pdu(List.of(new NeighborEntry("sr-2", 10)), List.of(prefix("/b", 1))),
                pdu(List.of(new NeighborEntry("sr-2", 10)), List.of()),
                pdu(List.of(new NeighborEntry("sr-2", 10)), List.of(new PrefixEntry(ServicePrefix.parse("/a"), 1,
                        new byte[] {1}))),
                new LinkStatePdu(base.id(), 7, 1200, true, NodeRole.SR, base.neighbors(), base.prefixes()),
                new LinkStatePdu(base.id(), 7, 1200, false, NodeRole.SG, base.neighbors(), base.prefixes()),
                // Component boundaries count: "/ab" + "/c" is not "/a" + "/bc".
                pdu(List.of(), List.of(prefix("/ab", 0), prefix("/c", 0))),
                pdu(List.of(), List.of(prefix("/a", 0), prefix("/bc", 0))));
        Set<Integer> checksums = new HashSet<>();
        for (LinkStatePdu v : variants) {
            assertThat(v.checksum()).isNotZero();
            checksums.add(v.checksum());
        }

        assertThat(checksums).hasSize(variants.size());
    }

    @Test
    void shouldStripContentFromPurge() {
        LinkStatePdu purge = LinkMessageSamples.lsp().asPurge();

        assertThat(purge.isPurge()).isTrue();
        assertThat(purge.neighbors()).isEmpty();
        assertThat(purge.prefixes()).isEmpty();
        assertThat(purge.sequence()).isEqualTo(LinkMessageSamples.lsp().sequence());
        assertThat(purge.id()).isEqualTo(LinkMessageSamples.lsp().id());
    }

    @Test
    void shouldValidateFields() {
        LinkStatePdu p = LinkMessageSamples.lsp();
        assertThatThrownBy(() -> new LinkStatePdu(null, 1, 1, false, NodeRole.SR, List.of(), List.of()))
                .hasMessageContaining("id: null");
        assertThatThrownBy(() -> new LinkStatePdu(p.id(), 0, 1, false, NodeRole.SR, List.of(), List.of()))
                .hasMessageContaining("sequence: 0 (expected: 1..2^64-1)");
        assertThatThrownBy(() -> p.withLifetime(65_536))
                .hasMessageContaining("remainingLifetimeS: 65536 (expected: 0..65535)");
        assertThatThrownBy(() -> new LinkStatePdu(p.id(), 1, 1, false, null, List.of(), List.of()))
                .hasMessageContaining("role: null");
    }
}
