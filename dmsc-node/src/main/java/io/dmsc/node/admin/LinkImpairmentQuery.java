package io.dmsc.node.admin;

import io.dmsc.node.link.LinkImpairment;
import io.dmsc.wire.NodeIds;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The query of {@code POST /link/impair?peer=ID&delayMs=..&jitterMs=..&lossPercent=..&rateKbps=..}
 * and {@code POST /link/clear?peer=ID}, parsed strictly: unknown or repeated parameters, values
 * that are not plain decimal numbers (signs, exponents, NaN, Infinity), values out of range and
 * an impairment that changes nothing are refused with what was wrong and what was expected.
 *
 * @param peer       the neighbour
 * @param impairment what to apply; null for a clear
 */
record LinkImpairmentQuery(String peer, LinkImpairment impairment) {
    /** Longest query accepted. */
    static final int MAX_QUERY_LENGTH = 1024;
    private static final Set<String> IMPAIR_KEYS = Set.of("peer", "delayMs", "jitterMs", "lossPercent", "rateKbps");
    private static final String IMPAIR_EXPECTED = "peer, delayMs, jitterMs, lossPercent, rateKbps";
    /** Longest piece of user input echoed in an error. */
    private static final int SHOWN_CHARS = 40;
    private static final Pattern INTEGER = Pattern.compile("[0-9]{1,9}");
    private static final Pattern DECIMAL = Pattern.compile("[0-9]{1,3}(\\.[0-9]{1,6})?");

    /**
     * @param rawQuery the request's raw query, or null
     * @return the neighbour and the impairment
     * @throws IllegalArgumentException naming what is wrong
     */
    static LinkImpairmentQuery impair(String rawQuery) {
        Map<String, String> q = parse(rawQuery, IMPAIR_KEYS, IMPAIR_EXPECTED);
        String peer = peer(q);
        int delayMs = (int) integer(q, "delayMs", 0, LinkImpairment.MAX_DELAY_MS, 0);
        int jitterMs = (int) integer(q, "jitterMs", 0, LinkImpairment.MAX_JITTER_MS, 0);
        double lossPercent = percent(q, "lossPercent");
        long rateKbps = integer(q, "rateKbps", 1, LinkImpairment.MAX_RATE_KBPS, 0);
        LinkImpairment impairment = new LinkImpairment(delayMs, jitterMs, lossPercent, rateKbps);
        if (impairment.isNone()) {
            throw new IllegalArgumentException("nothing to impair (expected: at least one of delayMs, jitterMs, "
                    + "lossPercent, rateKbps above 0; POST /link/clear?peer=" + peer + " removes an impairment)");
        }
        return new LinkImpairmentQuery(peer, impairment);
    }

    /**
     * @param rawQuery the request's raw query, or null
     * @return the neighbour
     * @throws IllegalArgumentException naming what is wrong
     */
    static LinkImpairmentQuery clear(String rawQuery) {
        return new LinkImpairmentQuery(peer(parse(rawQuery, Set.of("peer"), "peer")), null);
    }

    private static Map<String, String> parse(String rawQuery, Set<String> keys, String expected) {
        if (rawQuery == null || rawQuery.isEmpty()) {
            throw new IllegalArgumentException("no query (expected: peer=ID and any of " + expected + ")");
        }
        if (rawQuery.length() > MAX_QUERY_LENGTH) {
            throw new IllegalArgumentException("query of " + rawQuery.length() + " characters (expected: at most "
                    + MAX_QUERY_LENGTH + ")");
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (String pair : rawQuery.split("&", -1)) {
            int eq = pair.indexOf('=');
            String key = decode(eq < 0 ? pair : pair.substring(0, eq));
            String value = eq < 0 ? "" : decode(pair.substring(eq + 1));
            if (!keys.contains(key)) {
                throw new IllegalArgumentException("unknown parameter '" + shown(key) + "' (expected: " + expected
                        + ")");
            }
            if (out.put(key, value) != null) {
                throw new IllegalArgumentException("parameter '" + key + "' given twice (expected: once)");
            }
        }
        return out;
    }

    private static String decode(String text) {
        try {
            return URLDecoder.decode(text, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("query: bad percent-encoding in '" + shown(text)
                    + "' (expected: %XX escapes of UTF-8)", e);
        }
    }

    private static String peer(Map<String, String> q) {
        String peer = q.get("peer");
        if (peer == null || peer.isEmpty()) {
            throw new IllegalArgumentException("peer: missing (expected: peer=ID, the neighbour's node id)");
        }
        if (!NodeIds.isValid(peer)) {
            throw new IllegalArgumentException("peer: '" + shown(peer) + "' (expected: a node id, 1 to "
                    + NodeIds.MAX_LENGTH + " of letters, digits and . _ -)");
        }
        return peer;
    }

    private static long integer(Map<String, String> q, String key, long min, long max, long absent) {
        String text = q.get(key);
        if (text == null) {
            return absent;
        }
        String expected = " (expected: an integer " + min + ".." + max
                + (key.equals("rateKbps") ? "; leave it out for no limit" : "") + ")";
        if (!INTEGER.matcher(text).matches()) {
            throw new IllegalArgumentException(key + ": '" + shown(text) + "'" + expected);
        }
        long value = Long.parseLong(text);
        if (value < min || value > max) {
            throw new IllegalArgumentException(key + ": " + value + expected);
        }
        return value;
    }

    private static double percent(Map<String, String> q, String key) {
        String text = q.get(key);
        if (text == null) {
            return 0;
        }
        String expected = " (expected: a number 0..100, e.g. 2.5)";
        if (!DECIMAL.matcher(text).matches()) {
            throw new IllegalArgumentException(key + ": '" + shown(text) + "'" + expected);
        }
        double value = Double.parseDouble(text);
        if (value > 100) {
            throw new IllegalArgumentException(key + ": " + text + expected);
        }
        return value;
    }

    /** User input as it may be echoed: abbreviated, controls replaced. */
    private static String shown(String text) {
        StringBuilder b = new StringBuilder();
        int end = Math.min(text.length(), SHOWN_CHARS);
        for (int i = 0; i < end; i++) {
            char ch = text.charAt(i);
            b.append(ch < ' ' || ch == 0x7f || Character.isSurrogate(ch) ? '?' : ch);
        }
        return end < text.length() ? b + "..." : b.toString();
    }
}
