package io.dmsc.node.policy;

import io.dmsc.wire.ServicePrefix;
import java.util.List;

/**
 * One policy of the Scheduling Center as installed: new calls from {@code ingress} to names
 * under {@code prefix} go to the replica at {@code egress} over {@code path}. Immutable.
 *
 * @param id          the SCSC's id for it (1..2^32-1: it is stamped into OPEN frames)
 * @param prefix      the service prefix
 * @param ingress     the ingress SG
 * @param egress      the SG of the chosen replica
 * @param path        the nodes after the ingress, ending with the egress; no node twice
 * @param reason      why the SCSC made it
 * @param installedNs when this node installed (or last refreshed) it
 * @param expiresNs   when it stops applying unless refreshed
 */
public record ForwardingPolicy(long id, ServicePrefix prefix, String ingress, String egress, List<String> path,
                               String reason, long installedNs, long expiresNs) {
    /** Copies the path. */
    public ForwardingPolicy {
        path = List.copyOf(path);
    }

    /**
     * @param node a node id
     * @return the node after it on the path (the first node for the ingress), or null if it is
     *         the egress or not on the path
     */
    public String after(String node) {
        if (node.equals(ingress)) {
            return path.get(0);
        }
        int i = path.indexOf(node);
        return i < 0 || i == path.size() - 1 ? null : path.get(i + 1);
    }
}
