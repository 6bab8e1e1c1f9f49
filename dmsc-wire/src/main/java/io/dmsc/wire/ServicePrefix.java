package io.dmsc.wire;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A hierarchical service name such as {@code /shop/payment}: the address of a microservice in
 * DMSC (draft section 4). Immutable and thread-safe.
 *
 * <p>Rules: one to {@value #MAX_COMPONENTS} components; each component is 1 to
 * {@value #MAX_COMPONENT_LENGTH} bytes of {@code [A-Za-z0-9._~-]}; comparison is
 * case-sensitive. Matching is by whole components: {@code /shop/pay} is not a prefix of
 * {@code /shop/payment}.
 */
public final class ServicePrefix implements Comparable<ServicePrefix> {
    /** Most components a name may have. */
    public static final int MAX_COMPONENTS = 32;
    /** Longest component, in bytes. */
    public static final int MAX_COMPONENT_LENGTH = 64;
    /** First component of the reserved infrastructure namespace. */
    public static final String RESERVED_COMPONENT = "_dmsc";

    private static final String ALLOWED = "letters, digits and . _ ~ -";

    private final String[] components;
    private final String text;
    private final int hash;

    private ServicePrefix(String[] components, String text) {
        this.components = components;
        this.text = text;
        this.hash = text.hashCode();
    }

    /**
     * Parses the text form {@code /c1/c2/...}.
     *
     * @param text the name
     * @return the prefix
     * @throws InvalidNameException if the text breaks a naming rule; the message names the rule
     */
    public static ServicePrefix parse(String text) {
        if (text == null) {
            throw new InvalidNameException("service prefix: null (expected: a name like /shop/payment)");
        }
        if (text.isEmpty() || text.charAt(0) != '/') {
            throw new InvalidNameException("service prefix '" + abbreviate(text)
                    + "': must start with '/' (expected: a name like /shop/payment)");
        }
        if (text.length() == 1) {
            throw new InvalidNameException("service prefix '/': has no component (expected: at least one, like /shop)");
        }
        List<String> parts = new ArrayList<>();
        int start = 1;
        for (int i = 1; i <= text.length(); i++) {
            if (i == text.length() || text.charAt(i) == '/') {
                if (i == start) {
                    throw new InvalidNameException("service prefix '" + abbreviate(text) + "': component "
                            + (parts.size() + 1) + " is empty (expected: no '//' and no trailing '/')");
                }
                parts.add(text.substring(start, i));
                start = i + 1;
            }
        }
        return of(parts.toArray(new String[0]), text);
    }

    /**
     * Builds a prefix from its components.
     *
     * @param components one or more components
     * @return the prefix
     * @throws InvalidNameException if a component breaks a naming rule
     */
    public static ServicePrefix of(String... components) {
        return of(components.clone(), null);
    }

    private static ServicePrefix of(String[] components, String text) {
        if (components.length == 0) {
            throw new InvalidNameException("service prefix: has no component (expected: at least one, like /shop)");
        }
        if (components.length > MAX_COMPONENTS) {
            throw new InvalidNameException("service prefix: " + components.length
                    + " components (expected: at most " + MAX_COMPONENTS + ")");
        }
        StringBuilder sb = text == null ? new StringBuilder() : null;
        for (int c = 0; c < components.length; c++) {
            checkComponent(components[c], c + 1);
            if (sb != null) {
                sb.append('/').append(components[c]);
            }
        }
        return new ServicePrefix(components, sb == null ? text : sb.toString());
    }

    private static void checkComponent(String component, int position) {
        if (component == null || component.isEmpty()) {
            throw new InvalidNameException("service prefix: component " + position
                    + " is empty (expected: 1 to " + MAX_COMPONENT_LENGTH + " of " + ALLOWED + ")");
        }
        if (component.length() > MAX_COMPONENT_LENGTH) {
            throw new InvalidNameException("service prefix: component " + position + " '"
                    + abbreviate(component) + "' is " + component.length() + " bytes (expected: at most "
                    + MAX_COMPONENT_LENGTH + ")");
        }
        for (int i = 0; i < component.length(); i++) {
            char ch = component.charAt(i);
            if (!isAllowed(ch)) {
                throw new InvalidNameException("service prefix: component " + position + " '"
                        + abbreviate(component) + "' contains " + describe(component.codePointAt(i))
                        + " (expected: only " + ALLOWED + ")");
            }
        }
    }

    /**
     * Tells whether a character may appear in a name component.
     *
     * @param ch the character
     * @return true for {@code [A-Za-z0-9._~-]}
     */
    public static boolean isAllowed(char ch) {
        return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9')
                || ch == '.' || ch == '_' || ch == '~' || ch == '-';
    }

    /**
     * Names a character for an error message. Takes a code point so that a character outside
     * the BMP is shown whole, never as half a surrogate pair.
     */
    static String describe(int codePoint) {
        if (codePoint < 0x20 || (codePoint >= 0x7f && codePoint < 0xa0)) {
            return String.format("control character U+%04X", codePoint);
        }
        if (codePoint == ' ') {
            return "a space";
        }
        if (codePoint < 0x80) {
            return "'" + (char) codePoint + "'";
        }
        return "'" + new String(Character.toChars(codePoint)) + "' (" + String.format("U+%04X", codePoint) + ")";
    }

    static String abbreviate(String s) {
        if (s.length() <= 80) {
            return s;
        }
        // Never cut a surrogate pair in half.
        int end = Character.isHighSurrogate(s.charAt(76)) ? 76 : 77;
        return s.substring(0, end) + "...";
    }

    /** @return number of components */
    public int size() {
        return components.length;
    }

    /**
     * @param index zero-based component index
     * @return the component
     */
    public String component(int index) {
        return components[index];
    }

    /** @return the components, as a new list */
    public List<String> components() {
        return List.of(components);
    }

    /**
     * Tells whether this prefix matches {@code name} by whole components.
     *
     * @param name the longer (or equal) name
     * @return true if every component of this prefix equals the same component of {@code name}
     */
    public boolean isPrefixOf(ServicePrefix name) {
        if (name.components.length < components.length) {
            return false;
        }
        for (int i = 0; i < components.length; i++) {
            if (!components[i].equals(name.components[i])) {
                return false;
            }
        }
        return true;
    }

    /**
     * @param count number of leading components to keep, 1 to {@link #size()}
     * @return this prefix cut to its first {@code count} components
     */
    public ServicePrefix prefix(int count) {
        if (count < 1 || count > components.length) {
            throw new IllegalArgumentException("count: " + count + " (expected: 1.." + components.length + ")");
        }
        if (count == components.length) {
            return this;
        }
        String[] kept = Arrays.copyOf(components, count);
        StringBuilder sb = new StringBuilder();
        for (String c : kept) {
            sb.append('/').append(c);
        }
        return new ServicePrefix(kept, sb.toString());
    }

    /**
     * @param more components to append
     * @return a longer prefix
     */
    public ServicePrefix append(String... more) {
        String[] all = Arrays.copyOf(components, components.length + more.length);
        System.arraycopy(more, 0, all, components.length, more.length);
        return of(all, null);
    }

    /** @return true if the first component is the reserved {@code _dmsc} */
    public boolean isReserved() {
        return components[0].equals(RESERVED_COMPONENT);
    }

    /**
     * The infrastructure prefix every node owns.
     *
     * @param nodeId a valid node id
     * @return {@code /_dmsc/node/<nodeId>}
     */
    public static ServicePrefix nodePrefix(String nodeId) {
        NodeIds.check(nodeId);
        return of(RESERVED_COMPONENT, "node", nodeId);
    }

    @Override
    public int compareTo(ServicePrefix o) {
        return text.compareTo(o.text);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ServicePrefix && ((ServicePrefix) o).text.equals(text);
    }

    @Override
    public int hashCode() {
        return hash;
    }

    /** @return the text form {@code /c1/c2} */
    @Override
    public String toString() {
        return text;
    }
}
