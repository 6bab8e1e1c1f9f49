package io.dmsc.routing;

import io.dmsc.wire.ServicePrefix;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;

/**
 * Forwarding information base: an immutable snapshot mapping service prefixes to
 * {@link FibEntry}s, with longest-prefix match over whole name components. Data-plane
 * threads read a published snapshot without locks; the control plane builds a new one on
 * every change.
 *
 * <p>Lookup walks the name once, computing at each component boundary the hash of the name
 * up to that boundary (the same polynomial as {@link String#hashCode()}, so stored keys need
 * no special hash), then probes an open-addressing table from the longest candidate down,
 * skipping lengths no prefix has (NFD's name-tree idea, without the tree).
 */
public final class Fib {
    /** An empty FIB. */
    public static final Fib EMPTY = new Fib(List.of());

    private final String[] keys;
    private final int[] hashes;
    private final FibEntry[] values;
    private final int mask;
    private final long lengthMask;
    private final int size;
    private final List<FibEntry> sorted;

    /**
     * Builds a snapshot.
     *
     * @param entries entries with distinct prefixes
     */
    public Fib(Collection<FibEntry> entries) {
        int capacity = Integer.highestOneBit(Math.max(4, entries.size() * 2 + 1) - 1) << 1;
        keys = new String[capacity];
        hashes = new int[capacity];
        values = new FibEntry[capacity];
        mask = capacity - 1;
        long lengths = 0;
        int n = 0;
        for (FibEntry e : entries) {
            String key = e.prefix().toString();
            int h = key.hashCode();
            int slot = spread(h) & mask;
            while (keys[slot] != null) {
                if (keys[slot].equals(key)) {
                    throw new IllegalArgumentException("entries: prefix " + key + " appears twice (expected: distinct)");
                }
                slot = (slot + 1) & mask;
            }
            keys[slot] = key;
            hashes[slot] = h;
            values[slot] = e;
            lengths |= 1L << e.prefix().size();
            n++;
        }
        lengthMask = lengths;
        size = n;
        List<FibEntry> list = new ArrayList<>(entries);
        list.sort(Comparator.comparing(FibEntry::prefix));
        sorted = List.copyOf(list);
    }

    private static int spread(int h) {
        return (h ^ (h >>> 16)) * 0x9E3779B1;
    }

    /**
     * Longest-prefix match.
     *
     * @param name a name in text form, {@code /c1/c2/...}, assumed valid
     * @return the entry of the longest prefix of {@code name}, or null if none matches
     */
    public FibEntry lookup(String name) {
        int len = name.length();
        // Component ends and running hashes; a name has at most 32 components.
        int[] ends = new int[ServicePrefix.MAX_COMPONENTS + 1];
        int[] prefixHashes = new int[ServicePrefix.MAX_COMPONENTS + 1];
        int depth = 0;
        int h = 0;
        for (int i = 0; i < len; i++) {
            char ch = name.charAt(i);
            if (ch == '/' && i > 0) {
                if (depth == ServicePrefix.MAX_COMPONENTS) {
                    break;
                }
                depth++;
                ends[depth] = i;
                prefixHashes[depth] = h;
            }
            h = 31 * h + ch;
        }
        if (depth < ServicePrefix.MAX_COMPONENTS && len > 1) {
            depth++;
            ends[depth] = len;
            prefixHashes[depth] = h;
        }
        for (int d = depth; d >= 1; d--) {
            if ((lengthMask & (1L << d)) == 0) {
                continue;
            }
            int ph = prefixHashes[d];
            int end = ends[d];
            for (int slot = spread(ph) & mask; keys[slot] != null; slot = (slot + 1) & mask) {
                if (hashes[slot] == ph) {
                    String key = keys[slot];
                    if (key.length() == end && name.startsWith(key)) {
                        return values[slot];
                    }
                }
            }
        }
        return null;
    }

    /**
     * Longest-prefix match.
     *
     * @param name a name
     * @return the entry of the longest prefix of {@code name}, or null if none matches
     */
    public FibEntry lookup(ServicePrefix name) {
        return lookup(name.toString());
    }

    /**
     * Exact match.
     *
     * @param prefix a prefix
     * @return its entry, or null
     */
    public FibEntry get(ServicePrefix prefix) {
        String key = prefix.toString();
        int h = key.hashCode();
        for (int slot = spread(h) & mask; keys[slot] != null; slot = (slot + 1) & mask) {
            if (hashes[slot] == h && keys[slot].equals(key)) {
                return values[slot];
            }
        }
        return null;
    }

    /** @return number of prefixes */
    public int size() {
        return size;
    }

    /** @return every entry, sorted by prefix */
    public List<FibEntry> entries() {
        return sorted;
    }
}
