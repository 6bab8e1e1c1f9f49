package io.dmsc.node;

import java.util.List;
import java.util.Map;

/**
 * What {@code /status} returns: a consistent snapshot of one node taken on its conductor
 * thread. Immutable; serialised to JSON as is.
 *
 * @param nodeId    the node
 * @param role      "sg" or "sr"
 * @param listen    fabric address
 * @param uptimeMs  time since start
 * @param neighbors adjacencies and link sessions
 * @param lsdb      every LSP fragment held
 * @param rib       best routes
 * @param fib       forwarding entries
 * @param counters  protocol counters
 * @param spfState  RFC 8405 back-off state
 * @param authorization prefix authorization mode: "required" or "open"
 * @param prefixes  every advertised prefix with its origin, owner, expiry and state
 */
public record NodeStatus(String nodeId, String role, String listen, long uptimeMs, List<Neighbor> neighbors,
                         List<Lsp> lsdb, List<Route> rib, List<Forwarding> fib, Map<String, Long> counters,
                         String spfState, String authorization, List<Prefix> prefixes) {
    /**
     * One advertisement of a prefix and whether this node installed it.
     *
     * @param prefix   the prefix
     * @param origin   the advertising node
     * @param owner    the owner its authorization names (pod, or the SG), empty if none
     * @param notAfter end of validity (ISO-8601), empty if none
     * @param state    "installed" or "rejected: REASON"
     * @param detail   why it was rejected, empty if installed
     */
    public record Prefix(String prefix, String origin, String owner, String notAfter, String state, String detail) {
    }

    /**
     * One link session.
     *
     * @param id          neighbour node id (empty before its first hello)
     * @param state       DOWN, INIT or UP
     * @param address     remote address
     * @param direction   "out" if this node dialed, "in" otherwise
     * @param metric      configured metric
     * @param upForMs     time since the adjacency came up, 0 if not up
     * @param role        neighbour's role
     * @param pendingLsps LSPs queued or unacknowledged towards it
     * @param security    "tls ID" with the node id the peer proved by certificate, or "plaintext"
     */
    public record Neighbor(String id, String state, String address, String direction, int metric, long upForMs,
                           String role, int pendingLsps, String security) {
    }

    /**
     * One LSP fragment.
     *
     * @param lspId      origin-fragment
     * @param origin     originating node
     * @param fragment   fragment number
     * @param sequence   sequence number (unsigned, as text)
     * @param lifetimeS  remaining lifetime
     * @param role       origin's role
     * @param overload   overload flag
     * @param neighbors  neighbours listed
     * @param prefixes   prefixes listed
     * @param purged     true for a purged header
     * @param signature  "signed" (verified when it was installed) or "unsigned"
     */
    public record Lsp(String lspId, String origin, int fragment, String sequence, int lifetimeS, String role,
                      boolean overload, List<String> neighbors, List<String> prefixes, boolean purged,
                      String signature) {
    }

    /**
     * One RIB entry.
     *
     * @param prefix   the prefix
     * @param cost     total cost
     * @param egress   egress nodes
     * @param nextHops next hops
     * @param local    this node is an egress
     */
    public record Route(String prefix, long cost, List<String> egress, List<String> nextHops, boolean local) {
    }

    /**
     * One FIB entry.
     *
     * @param prefix   the prefix
     * @param nextHops next hops
     * @param local    deliver locally
     * @param cost     route cost
     */
    public record Forwarding(String prefix, List<String> nextHops, boolean local, long cost) {
    }
}
