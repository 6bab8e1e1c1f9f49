package io.dmsc.spa;

import io.dmsc.wire.ServicePrefix;

/**
 * A prefix pattern of the policy: exact ({@code /shop/payment}: that name only) or subtree
 * ({@code /shop/payment/**}: that name and every name below it, matched by whole components, so
 * {@code /shop/paymentx} does not match). Immutable; thread-safe.
 */
public final class PrefixPattern {
    private static final String SUBTREE = "/**";
    private static final String EXPECTED = " (expected: a service prefix like /shop/payment, or /shop/payment/** for "
            + "it and everything below it)";

    private final ServicePrefix base;
    private final boolean subtree;
    private final String text;

    private PrefixPattern(ServicePrefix base, boolean subtree, String text) {
        this.base = base;
        this.subtree = subtree;
        this.text = text;
    }

    /**
     * @param text {@code /a/b} or {@code /a/b/**}
     * @return the pattern
     * @throws IllegalArgumentException saying what is expected
     */
    public static PrefixPattern parse(String text) {
        if (text == null || text.isEmpty()) {
            throw new IllegalArgumentException("prefix pattern: empty" + EXPECTED);
        }
        boolean subtree = text.endsWith(SUBTREE);
        String name = subtree ? text.substring(0, text.length() - SUBTREE.length()) : text;
        if (name.contains("*")) {
            throw new IllegalArgumentException("prefix pattern '" + text + "': '*' only as a final /** component"
                    + EXPECTED);
        }
        try {
            return new PrefixPattern(ServicePrefix.parse(name), subtree, text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("prefix pattern '" + text + "': " + e.getMessage(), e);
        }
    }

    /**
     * @param p a prefix
     * @return true if the pattern covers it
     */
    public boolean matches(ServicePrefix p) {
        return subtree ? base.equals(p) || isBelow(p) : base.equals(p);
    }

    private boolean isBelow(ServicePrefix p) {
        String b = base.toString();
        String s = p.toString();
        return s.length() > b.length() && s.startsWith(b) && s.charAt(b.length()) == '/';
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PrefixPattern other && other.text.equals(text);
    }

    @Override
    public int hashCode() {
        return text.hashCode();
    }

    @Override
    public String toString() {
        return text;
    }
}
