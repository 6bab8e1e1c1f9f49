package io.dmsc.wire.link;

import io.dmsc.wire.NodeIds;

/**
 * Identifies one fragment of one node's LSP, like an IS-IS LSP id (system id + fragment).
 *
 * @param origin   node id of the originator
 * @param fragment fragment number, 0 to {@link #MAX_FRAGMENT}
 */
public record LspId(String origin, int fragment) implements Comparable<LspId> {
    /** Highest fragment number. */
    public static final int MAX_FRAGMENT = 255;

    /** Validates the fields. */
    public LspId {
        NodeIds.check(origin);
        if (fragment < 0 || fragment > MAX_FRAGMENT) {
            throw new IllegalArgumentException("fragment: " + fragment + " (expected: 0.." + MAX_FRAGMENT + ")");
        }
    }

    @Override
    public int compareTo(LspId o) {
        int c = origin.compareTo(o.origin);
        return c != 0 ? c : Integer.compare(fragment, o.fragment);
    }

    @Override
    public String toString() {
        return origin + "-" + String.format("%02x", fragment);
    }
}
