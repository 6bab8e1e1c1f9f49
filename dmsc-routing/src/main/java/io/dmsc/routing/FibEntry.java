package io.dmsc.routing;

import io.dmsc.wire.ServicePrefix;
import java.util.List;

/**
 * What the data plane does with a name whose longest matching prefix is {@code prefix}.
 *
 * @param prefix   the matched prefix
 * @param nextHops neighbours to forward to (equal cost), sorted
 * @param local    true if this node is an egress for the prefix (deliver to a local pod)
 * @param cost     route cost
 */
public record FibEntry(ServicePrefix prefix, List<String> nextHops, boolean local, long cost) {
    /** Copies the list. */
    public FibEntry {
        nextHops = List.copyOf(nextHops);
    }
}
