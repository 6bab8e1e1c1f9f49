package io.dmsc.wire.link;

import java.util.List;

/**
 * Complete sequence numbers PDU: every LSP the sender holds whose id lies in
 * {@code [start, end]}. Sent when an adjacency comes up; large databases are split into
 * several ranges.
 *
 * @param start   first id covered, inclusive
 * @param end     last id covered, inclusive
 * @param entries the sender's headers in that range, sorted by id
 */
public record CompleteSummary(LspId start, LspId end, List<LspSummary> entries) implements LinkMessage {
    /** Copies the list. */
    public CompleteSummary {
        if (start == null || end == null) {
            throw new IllegalArgumentException("range: null (expected: start and end LSP ids)");
        }
        entries = List.copyOf(entries);
    }

    /**
     * @param id an LSP id
     * @return true if the id lies in this summary's range
     */
    public boolean covers(LspId id) {
        return id.compareTo(start) >= 0 && id.compareTo(end) <= 0;
    }
}
