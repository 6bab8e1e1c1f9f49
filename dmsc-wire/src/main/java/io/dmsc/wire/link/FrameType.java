package io.dmsc.wire.link;

/** Frame types on a DMSC link. Values 16 and up are reserved for data-plane frames. */
public enum FrameType {
    /** {@link HelloMessage}. */
    HELLO(1),
    /** {@link LinkStatePdu}. */
    LSP(2),
    /** {@link PartialSummary}. */
    PSNP(3),
    /** {@link CompleteSummary}. */
    CSNP(4);

    private final int code;

    FrameType(int code) {
        this.code = code;
    }

    /** @return the type byte */
    public int code() {
        return code;
    }

    /**
     * @param code a type byte
     * @return the type, or null if unknown
     */
    public static FrameType fromCode(int code) {
        switch (code) {
            case 1: return HELLO;
            case 2: return LSP;
            case 3: return PSNP;
            case 4: return CSNP;
            default: return null;
        }
    }
}
