package io.dmsc.spa;

/**
 * A policy file that cannot be used. The message names the file, the line and what was
 * expected, e.g. {@code policy.yaml: line 7: kind: 'pods' (expected: pod or node)}.
 */
public final class PolicyException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int line;

    /**
     * @param file   the file, as given
     * @param line   1-based line, or 0 if unknown
     * @param reason what is wrong and what is expected
     */
    public PolicyException(String file, int line, String reason) {
        super(file + ": " + (line > 0 ? "line " + line + ": " : "") + reason);
        this.line = line;
    }

    /** @return the 1-based line, or 0 if unknown */
    public int line() {
        return line;
    }
}
