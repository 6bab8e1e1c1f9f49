package io.dmsc.wire;

/**
 * Node id rules: like an IS-IS system id, a stable name for one SG, SR, SPA or SCSC. A node
 * id is 1 to 64 characters of {@code [A-Za-z0-9._-]} so that it is also a valid name
 * component of {@code /_dmsc/node/<id>}.
 */
public final class NodeIds {
    /** Longest node id. */
    public static final int MAX_LENGTH = 64;

    private NodeIds() {
    }

    /**
     * Tells whether a text is a valid node id.
     *
     * @param id the text
     * @return true if valid
     */
    public static boolean isValid(String id) {
        if (id == null || id.isEmpty() || id.length() > MAX_LENGTH) {
            return false;
        }
        for (int i = 0; i < id.length(); i++) {
            char ch = id.charAt(i);
            if (ch == '~' || !ServicePrefix.isAllowed(ch)) {
                return false;
            }
        }
        return true;
    }

    /**
     * Checks a node id.
     *
     * @param id the text
     * @return the id
     * @throws InvalidNameException if it is not valid
     */
    public static String check(String id) {
        if (!isValid(id)) {
            throw new InvalidNameException(problem(id) + " (expected: 1 to " + MAX_LENGTH
                    + " of letters, digits and . _ -)");
        }
        return id;
    }

    private static String problem(String id) {
        if (id == null) {
            return "node id: null";
        }
        if (id.isEmpty()) {
            return "node id: empty";
        }
        if (id.length() > MAX_LENGTH) {
            return "node id '" + ServicePrefix.abbreviate(id) + "' is " + id.length() + " characters";
        }
        for (int i = 0; i < id.length(); i++) {
            char ch = id.charAt(i);
            if (ch == '~' || !ServicePrefix.isAllowed(ch)) {
                return "node id '" + id + "' contains " + ServicePrefix.describe(id.codePointAt(i));
            }
        }
        throw new AssertionError(id);
    }
}
