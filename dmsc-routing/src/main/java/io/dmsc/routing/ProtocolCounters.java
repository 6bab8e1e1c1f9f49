package io.dmsc.routing;

/**
 * Counters of one {@link LinkStateProtocol}. Written by the protocol's owner thread only; other
 * threads read them through snapshots the owner takes.
 */
public final class ProtocolCounters {
    /** LSPs received on any link. */
    public long lspsReceived;
    /** LSPs sent, first transmissions and retransmissions. */
    public long lspsSent;
    /** LSPs sent again because no acknowledgement arrived in time. */
    public long lspsRetransmitted;
    /** LSPs received that we already held. */
    public long lspsDuplicate;
    /** LSPs received older than ours (answered with ours). */
    public long lspsOlder;
    /** Own fragments originated (new content or refresh). */
    public long lspsOriginated;
    /** Own fragments refreshed before their lifetime ended. */
    public long lspsRefreshed;
    /** Other nodes' LSPs that reached lifetime 0 here. */
    public long lspsExpired;
    /** Purges installed. */
    public long purgesInstalled;
    /** Copies of our own LSPs from before a restart that made us jump our sequence number. */
    public long ownLspsRecovered;
    /** Partial summaries sent and received. */
    public long psnpsSent;
    /** Partial summaries received. */
    public long psnpsReceived;
    /** Complete summaries sent. */
    public long csnpsSent;
    /** Complete summaries received. */
    public long csnpsReceived;
    /** Well-formed PDUs whose content broke a rule; ignored. */
    public long rejectedPdus;
    /** PDUs from a node without an up adjacency; ignored. */
    public long ignoredPdus;
    /** Full SPF runs. */
    public long spfRuns;
    /** Full SPF runs outside the back-off, because an own adjacency went down (local repair). */
    public long localRepairs;
    /** Prefix-only partial route calculations. */
    public long partialRuns;
    /** Duration of the last full SPF. */
    public long lastSpfDurationNs;
    /** New FIB snapshots published. */
    public long fibUpdates;
    /** Local prefixes left out because 256 fragments were full. */
    public long prefixesNotAdvertised;
    /** Originations refused because the sequence number space is exhausted. */
    public long sequenceExhausted;
}
