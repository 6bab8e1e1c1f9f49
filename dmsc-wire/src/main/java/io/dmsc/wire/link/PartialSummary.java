package io.dmsc.wire.link;

import java.util.List;

/**
 * Partial sequence numbers PDU: acknowledges the listed LSPs, or, when the sender's copy is
 * older (or absent, sequence 0), asks for them.
 *
 * @param entries headers the sender holds
 */
public record PartialSummary(List<LspSummary> entries) implements LinkMessage {
    /** Copies the list. */
    public PartialSummary {
        entries = List.copyOf(entries);
    }
}
