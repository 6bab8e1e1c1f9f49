package io.dmsc.node.data;

/**
 * One flow entry as operators see it ({@code dmsc show flows}).
 *
 * @param name        routed name
 * @param upstream    neighbour the OPEN came from, or "local"
 * @param upStream    stream id on the upstream link (0 for local)
 * @param downstream  neighbour the flow leaves through, or "local"
 * @param downStream  stream id on the downstream link (0 for local)
 * @param ageMs       time since the OPEN passed
 * @param idleMs      time since the last frame
 * @param deadlineMs  time left before the call's deadline, -1 for none
 */
public record FlowInfo(String name, String upstream, int upStream, String downstream, int downStream, long ageMs,
                       long idleMs, long deadlineMs) {
}
