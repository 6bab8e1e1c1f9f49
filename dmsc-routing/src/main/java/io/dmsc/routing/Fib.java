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
 *
 * <p>In a large FIB every probe is a cache miss, so the layout keeps the chain of dependent
 * reads short: a slot packs the key's hash with the offset of its text in one byte array of
 * all keys, so a probe reads one {@code long} and a hash match reads the key bytes directly
 * (not a {@code String} and then its array).
 */
public final class Fib {
    /** An empty FIB. */
    public static final Fib EMPTY = new Fib(List.of());

    /** Open addressing: 0 for an empty slot, else {@code hash << 32 | (offset in keyBytes + 1)}. */
    private final long[] slots;
    private final FibEntry[] values;
    /** The text of every key, one byte per character (names are ASCII), each followed by a 0. */
    private final byte[] keyBytes;
    private final int mask;
    private final long lengthMask;
    /** The most components of any prefix (0 when empty). */
    private final int maxDepth;
    private final int size;
    private final List<FibEntry> sorted;
    /** Best-cost egress nodes by prefix (several: anycast replicas). */
    private final java.util.Map<ServicePrefix, List<String>> egress;
    /** The weights those egress nodes announced, in the same order. */
    private final java.util.Map<ServicePrefix, List<Integer>> egressWeights;

    /**
     * Builds a snapshot.
     *
     * @param entries entries with distinct prefixes
     */
    public Fib(Collection<FibEntry> entries) {
        this(entries, java.util.Map.of());
    }

    /**
     * Builds a snapshot that also knows the equal-cost egress nodes of anycast prefixes, for an
     * ingress to choose one replica per call.
     *
     * @param entries entries with distinct prefixes
     * @param egress  by prefix, its egress nodes at the best cost (sorted), for prefixes with more
     *                than one; others may be absent
     */
    public Fib(Collection<FibEntry> entries, java.util.Map<ServicePrefix, List<String>> egress) {
        this(entries, egress, java.util.Map.of());
    }

    /**
     * Builds a snapshot with the equal-cost egress nodes of anycast prefixes and their weights.
     *
     * @param entries entries with distinct prefixes
     * @param egress  by prefix, its egress nodes at the best cost (sorted); prefixes may be absent
     * @param weights by prefix, the weight each of those egress nodes announced, in the same order;
     *                absent: 1 each
     */
    public Fib(Collection<FibEntry> entries, java.util.Map<ServicePrefix, List<String>> egress,
               java.util.Map<ServicePrefix, List<Integer>> weights) {
        java.util.Map<ServicePrefix, List<String>> several = new java.util.HashMap<>();
        java.util.Map<ServicePrefix, List<Integer>> severalWeights = new java.util.HashMap<>();
        egress.forEach((k, v) -> {
            if (!v.isEmpty()) {
                several.put(k, List.copyOf(v));
                List<Integer> w = weights.get(k);
                if (w != null && w.size() != v.size()) {
                    throw new IllegalArgumentException("weights of " + k + ": " + w.size() + " for " + v.size()
                            + " egress nodes (expected: one per egress node)");
                }
                severalWeights.put(k, w == null ? java.util.Collections.nCopies(v.size(), 1) : List.copyOf(w));
            }
        });
        this.egress = java.util.Map.copyOf(several);
        this.egressWeights = java.util.Map.copyOf(severalWeights);
        int capacity = Integer.highestOneBit(Math.max(4, entries.size() * 2 + 1) - 1) << 1;
        slots = new long[capacity];
        values = new FibEntry[capacity];
        mask = capacity - 1;
        int textBytes = 0;
        for (FibEntry e : entries) {
            textBytes += e.prefix().toString().length() + 1;
        }
        keyBytes = new byte[textBytes];
        long lengths = 0;
        int n = 0;
        int offset = 0;
        for (FibEntry e : entries) {
            String key = e.prefix().toString();
            int h = key.hashCode();
            int slot = spread(h) & mask;
            while (slots[slot] != 0) {
                if (matches(slots[slot], h, key, key.length())) {
                    throw new IllegalArgumentException("entries: prefix " + key + " appears twice (expected: distinct)");
                }
                slot = (slot + 1) & mask;
            }
            for (int i = 0; i < key.length(); i++) {
                keyBytes[offset + i] = (byte) key.charAt(i);
            }
            slots[slot] = ((long) h << 32) | (offset + 1);
            values[slot] = e;
            offset += key.length() + 1;
            lengths |= 1L << e.prefix().size();
            n++;
        }
        lengthMask = lengths;
        maxDepth = 63 - Long.numberOfLeadingZeros(lengths | 1);
        size = n;
        List<FibEntry> list = new ArrayList<>(entries);
        list.sort(Comparator.comparing(FibEntry::prefix));
        sorted = List.copyOf(list);
    }

    private static int spread(int h) {
        return (h ^ (h >>> 16)) * 0x9E3779B1;
    }

    /**
     * Tells whether a slot holds exactly the first {@code length} characters of {@code name}.
     * Stops at the key's terminating 0, so it never reads past the key.
     */
    private boolean matches(long slot, int hash, String name, int length) {
        if ((int) (slot >>> 32) != hash) {
            return false;
        }
        int offset = (int) slot - 1;
        for (int i = 0; i < length; i++) {
            byte b = keyBytes[offset + i];
            if (b == 0 || (b & 0xFF) != name.charAt(i)) {
                return false;
            }
        }
        return keyBytes[offset + length] == 0;
    }

    /**
     * Longest-prefix match.
     *
     * @param name a name in text form, {@code /c1/c2/...}, assumed valid
     * @return the entry of the longest prefix of {@code name}, or null if none matches
     */
    public FibEntry lookup(String name) {
        int len = name.length();
        int maxDepth = this.maxDepth;
        // Component ends and running hashes of the depths some prefix has, up to the deepest.
        int[] ends = new int[maxDepth + 1];
        int[] prefixHashes = new int[maxDepth + 1];
        int depth = 0;
        int h = 0;
        for (int i = 0; i < len; i++) {
            char ch = name.charAt(i);
            if (ch == '/' && i > 0) {
                depth++;
                if ((lengthMask & (1L << depth)) != 0) {
                    ends[depth] = i;
                    prefixHashes[depth] = h;
                }
                if (depth == maxDepth) {
                    break;
                }
            }
            h = 31 * h + ch;
        }
        if (depth < maxDepth && len > 1) {
            depth++;
            ends[depth] = len;
            prefixHashes[depth] = h;
        }
        // Every candidate's first slot and value are read before any is examined: the reads do not
        // depend on each other, so their cache misses overlap instead of following one another.
        long[] first = new long[depth + 1];
        FibEntry[] firstValue = new FibEntry[depth + 1];
        for (int d = depth; d >= 1; d--) {
            if ((lengthMask & (1L << d)) != 0) {
                int home = spread(prefixHashes[d]) & mask;
                first[d] = slots[home];
                firstValue[d] = values[home];
            }
        }
        for (int d = depth; d >= 1; d--) {
            if ((lengthMask & (1L << d)) == 0 || first[d] == 0) {
                continue;
            }
            int ph = prefixHashes[d];
            int end = ends[d];
            if (matches(first[d], ph, name, end)) {
                return firstValue[d];
            }
            for (int slot = (spread(ph) + 1) & mask; slots[slot] != 0; slot = (slot + 1) & mask) {
                if (matches(slots[slot], ph, name, end)) {
                    return values[slot];
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
        for (int slot = spread(h) & mask; slots[slot] != 0; slot = (slot + 1) & mask) {
            if (matches(slots[slot], h, key, key.length())) {
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

    /**
     * @param prefix a prefix of this FIB
     * @return its egress nodes at the best cost (sorted; several for anycast replicas), or empty if
     *         this FIB was built without them
     */
    public List<String> egress(ServicePrefix prefix) {
        return egress.getOrDefault(prefix, List.of());
    }

    /** @return the best-cost egress nodes by prefix */
    public java.util.Map<ServicePrefix, List<String>> anycast() {
        return egress;
    }

    /**
     * @param prefix a prefix of this FIB
     * @return the weights of its egress nodes ({@link #egress}), in the same order, else empty
     */
    public List<Integer> egressWeights(ServicePrefix prefix) {
        return egressWeights.getOrDefault(prefix, List.of());
    }

    /** @return the egress weights of the anycast prefixes */
    public java.util.Map<ServicePrefix, List<Integer>> anycastWeights() {
        return egressWeights;
    }
}
