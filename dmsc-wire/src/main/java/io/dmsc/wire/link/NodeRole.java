package io.dmsc.wire.link;

/** What a node is in the draft's terms. */
public enum NodeRole {
    /** Service Gateway: default gateway of pods, ingress and egress of calls. */
    SG("sg"),
    /** Service Router: link-state router and forwarder. */
    SR("sr"),
    /** The Scheduling Center: joins the flooding to learn the topology, never forwards (overload bit). */
    SCSC("scsc");

    private final String code;

    NodeRole(String code) {
        this.code = code;
    }

    /** @return the short code used on the wire and in config ("sg", "sr") */
    public String code() {
        return code;
    }

    /**
     * @param code "sg" or "sr", any case
     * @return the role
     * @throws IllegalArgumentException for any other text
     */
    public static NodeRole fromCode(String code) {
        for (NodeRole r : values()) {
            if (r.code.equalsIgnoreCase(code)) {
                return r;
            }
        }
        throw new IllegalArgumentException("role '" + code + "' (expected: sg, sr or scsc)");
    }
}
