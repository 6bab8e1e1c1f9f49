package io.dmsc.routing;

import io.dmsc.wire.ServicePrefix;
import io.dmsc.wire.link.CompleteSummary;
import io.dmsc.wire.link.LinkMessage;
import io.dmsc.wire.link.LinkStatePdu;
import io.dmsc.wire.link.LspId;
import io.dmsc.wire.link.LspSummary;
import io.dmsc.wire.link.NeighborEntry;
import io.dmsc.wire.link.PartialSummary;
import io.dmsc.wire.link.PrefixEntry;
import io.dmsc.wire.link.RejectedPdu;
import io.dmsc.wire.link.HelloMessage;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * The link-state protocol of one node (signal type 2): LSP origination and fragmentation,
 * reliable flooding (per-link acknowledgement and retransmission, complete summaries when an
 * adjacency comes up), aging, refresh and purge, SPF with RFC 8405 back-off, partial route
 * calculation for prefix-only changes, RIB and FIB.
 *
 * <p>Pure: no sockets, no threads, no clock reads: every input carries {@code nowNs}, and
 * effects go to a {@link LinkStateOutput}. Not thread-safe: owned by one thread (the node's
 * conductor, or a simulator).
 */
public final class LinkStateProtocol {
    /** Lowest LSP id, used as the start of the first complete-summary range. */
    public static final LspId MIN_LSP_ID = new LspId("-", 0);
    /** Highest LSP id, used as the end of the last complete-summary range. */
    public static final LspId MAX_LSP_ID = new LspId("z".repeat(64), LspId.MAX_FRAGMENT);

    private static final long NS_PER_S = TimeUnit.SECONDS.toNanos(1);
    /**
     * Least time between two originations of changed content (IS-IS lsp-gen-interval): the first
     * change after a quiet period is flooded at once, a burst (adjacencies coming up one by
     * one) is coalesced into one LSP per interval.
     */
    static final long MIN_ORIGINATION_INTERVAL_NS = TimeUnit.MILLISECONDS.toNanos(50);

    private final RoutingConfig config;
    private final String self;
    private final LinkStateOutput output;
    private final LongSupplier durationClock;
    private final SpfBackoff backoff;
    /** An own adjacency went down since the last SPF: the next duty cycle runs one at once. */
    private boolean ownLinkLost;
    /** Most local repairs within one {@code spfHoldDownMs}; a flapping link beyond them waits for the back-off. */
    static final int MAX_LOCAL_REPAIRS = 3;
    /** When the local repairs within the last {@code spfHoldDownMs} ran, oldest first. */
    private final java.util.ArrayDeque<Long> recentRepairsNs = new java.util.ArrayDeque<>();
    private final SpfCalculator calculator = new SpfCalculator();

    private final Lsdb lsdb = new Lsdb();
    private final Map<String, NeighborState> neighbors = new TreeMap<>();
    /**
     * Own prefixes in the order they are packed into fragments: {@code /_dmsc/node/<id>} first,
     * then as the owner gave them (its most important first); what does not fit is left out from
     * the end and listed in {@link #notAdvertised}.
     */
    private final Map<ServicePrefix, PrefixEntry> localPrefixes = new LinkedHashMap<>();
    /** Bounds on what other origins can make this node store. */
    private LsdbLimits lsdbLimits = LsdbLimits.DEFAULT;
    private final Map<LsdbLimits.Refusal, Long> lsdbRefusals = new java.util.EnumMap<>(LsdbLimits.Refusal.class);
    /** The last LSP refused by {@link #lsdbLimits}, or null: for the owner to log. */
    private RefusedLsp lastLsdbRefusal;

    /**
     * An LSP that was not installed because the LSDB would have crossed a limit.
     *
     * @param id     its id
     * @param reason the limit
     */
    public record RefusedLsp(LspId id, LsdbLimits.Refusal reason) {
    }

    /** Own prefixes the last origination had no room for. */
    private java.util.Set<ServicePrefix> notAdvertised = java.util.Set.of();
    private final Map<Integer, OwnFragment> ownFragments = new TreeMap<>();
    private final PriorityQueue<Expiry> expiries = new PriorityQueue<>();

    private final Map<String, SpfTopology.NodeLinks> topologyNodes = new HashMap<>();
    private final PrefixTable prefixTable;
    private final LspAuthenticator authenticator;
    private final Map<LspAuthenticator.LspRejection, Long> lspRejections =
            new java.util.EnumMap<>(LspAuthenticator.LspRejection.class);
    private final Map<ServicePrefix, RibEntry> rib = new HashMap<>();

    private boolean overload;
    private boolean originationPending = true;
    /**
     * Own fragments whose sequence number reached 2^64-1, and when they may be originated again
     * (from 1): ISO 10589 section 7.3.16.1, MaxAge + ZeroAgeLifetime after the purge.
     */
    private final Map<Integer, Long> sequenceWrapUntilNs = new HashMap<>();
    private long lastOriginationNs = Long.MIN_VALUE / 2;
    private SpfResult spf;
    private Fib fib = Fib.EMPTY;
    private final ProtocolCounters counters = new ProtocolCounters();
    /** Time of the current input, for route calculation (validity windows). */
    private long lastNowNs;

    /** Flooding state of one up adjacency. */
    private static final class NeighborState {
        final int metric;
        /** Send-routing-message flags: LSPs to send on this link, with the time each is due. */
        final Map<LspId, Long> srm = new LinkedHashMap<>();
        /** Send-sequence-number flags: headers to acknowledge or request on this link. */
        final Set<LspId> ssn = new java.util.LinkedHashSet<>();
        /** LSPs of {@link #srm} sent at least once since their flag was set: a resend is a retransmission. */
        final Set<LspId> sentOnce = new HashSet<>();
        /**
         * Flags set since the last transmission, due now: sent without scanning every flag, so
         * flooding costs O(new LSPs) per duty cycle rather than O(LSPs awaiting acknowledgement).
         */
        final Set<LspId> srmNew = new java.util.LinkedHashSet<>();
        /** Lower bound of the due time of every flag not in {@link #srmNew}. */
        long retransmitDueNs = Long.MAX_VALUE;
        long srmDueNs = Long.MAX_VALUE;

        NeighborState(int metric) {
            this.metric = metric;
        }
    }

    /** One fragment this node originates. */
    private record OwnFragment(LinkStatePdu pdu, long refreshDueNs) {
    }

    private record Expiry(long dueNs, LspId id, long sequence, boolean purged) implements Comparable<Expiry> {
        @Override
        public int compareTo(Expiry o) {
            return Long.compare(dueNs, o.dueNs);
        }
    }

    /**
     * @param config        settings
     * @param output        where messages and new FIBs go
     * @param durationClock measures calculation durations only (never drives protocol timers)
     * @param nowNs         current time (the first {@link #doWork} originates this node's LSP)
     */
    public LinkStateProtocol(RoutingConfig config, LinkStateOutput output, LongSupplier durationClock, long nowNs) {
        this(config, output, durationClock, PrefixAuthorizer.OPEN, nowNs);
    }

    /**
     * @param config        settings
     * @param output        where messages and new FIBs go
     * @param durationClock measures calculation durations only (never drives protocol timers)
     * @param authorizer    decides which advertised prefixes may enter the RIB (signal type 3)
     * @param nowNs         current time (the first {@link #doWork} originates this node's LSP)
     */
    public LinkStateProtocol(RoutingConfig config, LinkStateOutput output, LongSupplier durationClock,
                             PrefixAuthorizer authorizer, long nowNs) {
        this(config, output, durationClock, authorizer, LspAuthenticator.NONE, nowNs);
    }

    /**
     * @param config        settings
     * @param output        where messages and new FIBs go
     * @param durationClock measures calculation durations only (never drives protocol timers)
     * @param authorizer    decides which advertised prefixes may enter the RIB (signal type 3)
     * @param authenticator signs own LSPs and verifies received ones (node identity)
     * @param nowNs         current time (the first {@link #doWork} originates this node's LSP)
     */
    public LinkStateProtocol(RoutingConfig config, LinkStateOutput output, LongSupplier durationClock,
                             PrefixAuthorizer authorizer, LspAuthenticator authenticator, long nowNs) {
        this.authenticator = Objects.requireNonNull(authenticator, "authenticator");
        this.config = Objects.requireNonNull(config, "config");
        this.prefixTable = new PrefixTable(authorizer);
        this.lastNowNs = nowNs;
        this.self = config.nodeId();
        this.output = Objects.requireNonNull(output, "output");
        this.durationClock = Objects.requireNonNull(durationClock, "durationClock");
        this.backoff = new SpfBackoff(config.spfInitialDelayMs(), config.spfShortDelayMs(), config.spfLongDelayMs(),
                config.spfTimeToLearnMs(), config.spfHoldDownMs());
        this.overload = config.overload();
        ServicePrefix own = ServicePrefix.nodePrefix(self);
        localPrefixes.put(own, PrefixEntry.of(own, 0));
        // Nothing is originated here: the owner sets its prefixes first and the first duty cycle
        // floods one complete LSP, not an empty one followed by the real one.
    }

    // ----------------------------------------------------------------------------------------
    // Inputs

    /**
     * An adjacency passed the two-way check.
     *
     * @param neighborId the neighbour
     * @param metric     link metric
     * @param nowNs      current time
     */
    public void adjacencyUp(String neighborId, int metric, long nowNs) {
        NeighborState n = new NeighborState(new NeighborEntry(neighborId, metric).metric());
        neighbors.put(neighborId, n);
        // ISO 10589 point-to-point rule: every LSP is flagged for the new link. The flags fall
        // due one retransmit interval from now, and the neighbour's complete summary clears
        // those of the LSPs it already holds, so normally nothing extra is sent; but a lost
        // summary (or a lost request answering one) cannot leave the two databases apart.
        long dueNs = nowNs + TimeUnit.MILLISECONDS.toNanos(config.retransmitIntervalMs());
        for (LsdbEntry e : lsdb.entries()) {
            if (!e.purged()) {
                n.srm.put(e.pdu().id(), dueNs);
                n.srmDueNs = dueNs;
                n.retransmitDueNs = dueNs;
            }
        }
        sendCompleteSummaries(neighborId, nowNs);
        originationPending = true;
    }

    /**
     * An adjacency went down (hold time, closed connection, lost two-way).
     *
     * @param neighborId the neighbour
     * @param nowNs      current time
     */
    public void adjacencyDown(String neighborId, long nowNs) {
        if (neighbors.remove(neighborId) != null) {
            originationPending = true;
            // Local repair: the next duty cycle recomputes routes without the lost link, whatever
            // the SPF back-off state. Waiting for the back-off (up to spfLongDelayMs within the
            // hold-down) would keep FIB entries that name a neighbour this node can no longer
            // reach, and every call through them would fail. Only the loss of an own link does
            // this, at most MAX_LOCAL_REPAIRS times per hold-down (see repairAllowed).
            ownLinkLost = true;
        }
    }

    /**
     * Sets the prefixes this node originates (static config, attached pods), replacing the
     * previous set. The node's own {@code /_dmsc/node/<id>} is always added, and packed first;
     * the others are packed in the order given, so when the LSP is full the last ones are left
     * out ({@link #notAdvertised()}): give static prefixes and prefixes already advertised first.
     *
     * @param prefixes the prefixes
     * @param nowNs    current time
     */
    public void setLocalPrefixes(Collection<PrefixEntry> prefixes, long nowNs) {
        localPrefixes.clear();
        ServicePrefix own = ServicePrefix.nodePrefix(self);
        localPrefixes.put(own, PrefixEntry.of(own, 0));
        for (PrefixEntry e : prefixes) {
            localPrefixes.putIfAbsent(e.prefix(), e);
        }
        originationPending = true;
    }

    /**
     * Sets the overload flag (the node stays reachable but carries no transit).
     *
     * @param value the flag
     */
    public void setOverload(boolean value) {
        if (overload != value) {
            overload = value;
            originationPending = true;
        }
    }

    /**
     * A message arrived from an adjacent node. Messages from nodes without an up adjacency are
     * ignored, as IS-IS ignores PDUs on links that are not up.
     *
     * @param neighborId the sender
     * @param message    the message
     * @param nowNs      current time
     */
    public void receive(String neighborId, LinkMessage message, long nowNs) {
        NeighborState n = neighbors.get(neighborId);
        if (message instanceof RejectedPdu) {
            counters.rejectedPdus++;
            return;
        }
        if (message instanceof HelloMessage) {
            return;
        }
        if (n == null) {
            counters.ignoredPdus++;
            return;
        }
        if (message instanceof LinkStatePdu p) {
            receiveLsp(neighborId, n, p, nowNs);
        } else if (message instanceof PartialSummary s) {
            counters.psnpsReceived++;
            for (LspSummary e : s.entries()) {
                receiveSummaryEntry(n, e, nowNs);
            }
        } else if (message instanceof CompleteSummary c) {
            counters.csnpsReceived++;
            receiveCompleteSummary(n, c, nowNs);
        }
    }

    // ----------------------------------------------------------------------------------------
    // Flooding (ISO 10589 section 7.3.15/7.3.16, point-to-point rules)

    private void receiveLsp(String from, NeighborState n, LinkStatePdu p, long nowNs) {
        counters.lspsReceived++;
        LspAuthenticator.LspRejection rejection = authenticator.verify(p, nowNs);
        if (rejection != null) {
            // Not installed, not flooded, not acknowledged: a forged LSP changes nothing here,
            // whichever neighbour relays it and whatever its sequence number.
            lspRejections.merge(rejection, 1L, Long::sum);
            counters.rejectedPdus++;
            return;
        }
        LspId id = p.id();
        LsdbEntry held = lsdb.get(id);
        if (p.isPurge() && held != null && !held.purged()) {
            String signer = authenticator.signer(p);
            if (signer != null && !signer.equals(id.origin())
                    && held.remainingLifetimeS(nowNs) > config.zeroAgeLifetimeS()) {
                // Another node may purge an LSP only once it aged out; a live one only its origin.
                lspRejections.merge(LspAuthenticator.LspRejection.WRONG_SIGNER, 1L, Long::sum);
                counters.rejectedPdus++;
                return;
            }
        }
        // The checksum only matters at equal sequence numbers: do not compute it otherwise.
        int checksum = held != null && held.pdu().sequence() == p.sequence() ? p.checksum() : 0;
        Lsdb.Freshness f = Lsdb.compare(p.sequence(), p.remainingLifetimeS(), checksum, held, nowNs);
        if (id.origin().equals(self) && f == Lsdb.Freshness.NEWER) {
            receiveOwnNewer(from, n, p, nowNs);
            return;
        }
        if (f == Lsdb.Freshness.NEWER && !p.isPurge()) {
            LsdbLimits.Refusal refusal = lsdb.refusal(p, lsdbLimits);
            if (refusal != null) {
                // Not installed, not flooded, not acknowledged; what is held stays. The sender
                // retransmits at its interval, which costs one check each time.
                lsdbRefusals.merge(refusal, 1L, Long::sum);
                lastLsdbRefusal = new RefusedLsp(id, refusal);
                return;
            }
        }
        switch (f) {
            case NEWER:
                install(p, nowNs);
                floodExcept(id, from, nowNs);
                clearSrm(n, id);
                n.ssn.add(id);
                break;
            case SAME:
                clearSrm(n, id);
                n.ssn.add(id);
                counters.lspsDuplicate++;
                break;
            case OLDER:
                // The sender holds an older copy (or a sequence number that went backwards):
                // answer with ours.
                setSrm(n, id, nowNs);
                n.ssn.remove(id);
                counters.lspsOlder++;
                break;
            default:
                throw new AssertionError(f);
        }
    }

    /**
     * A copy of one of our own fragments that is newer than what we hold: left over from before
     * a restart, or purged by someone else. Jump past it (ISO 10589 section 7.3.16.1).
     */
    private void receiveOwnNewer(String from, NeighborState n, LinkStatePdu p, long nowNs) {
        install(p, nowNs);
        clearSrm(n, p.id());
        n.ssn.add(p.id());
        counters.ownLspsRecovered++;
        if (!p.isPurge() && !ownFragments.containsKey(p.id().fragment()) && p.id().fragment() != 0) {
            // A fragment we no longer originate: purge it network-wide.
            purge(p.id(), nowNs);
        } else {
            // Re-originate with a higher sequence number at the next duty cycle.
            ownFragments.remove(p.id().fragment());
            originationPending = true;
        }
    }

    private void receiveSummaryEntry(NeighborState n, LspSummary e, long nowNs) {
        LsdbEntry held = lsdb.get(e.id());
        if (held == null) {
            if (e.sequence() != 0 && e.remainingLifetimeS() > 0) {
                n.ssn.add(e.id());
            }
            return;
        }
        switch (Lsdb.compare(e.sequence(), e.remainingLifetimeS(), e.checksum(), held, nowNs)) {
            case OLDER:
                setSrm(n, e.id(), nowNs);
                break;
            case SAME:
                clearSrm(n, e.id());
                break;
            case NEWER:
                // The neighbour's copy is newer: ask for it, and do not send it ours
                // (ISO 10589 section 7.3.15.2).
                n.srm.remove(e.id());
                n.ssn.add(e.id());
                break;
            default:
                break;
        }
    }

    private void receiveCompleteSummary(NeighborState n, CompleteSummary c, long nowNs) {
        Set<LspId> listed = new HashSet<>();
        for (LspSummary e : c.entries()) {
            listed.add(e.id());
            receiveSummaryEntry(n, e, nowNs);
        }
        for (LsdbEntry held : lsdb.range(c.start(), c.end())) {
            LspId id = held.pdu().id();
            if (!listed.contains(id) && !held.purged()) {
                setSrm(n, id, nowNs);
            }
        }
    }

    private void sendCompleteSummaries(String neighborId, long nowNs) {
        List<LspSummary> chunk = new ArrayList<>();
        LspId start = MIN_LSP_ID;
        int chunkSize = config.summaryChunkEntries();
        Iterator<LsdbEntry> it = lsdb.entries().iterator();
        if (!it.hasNext()) {
            output.send(neighborId, new CompleteSummary(MIN_LSP_ID, MAX_LSP_ID, List.of()));
            counters.csnpsSent++;
            return;
        }
        while (it.hasNext()) {
            LsdbEntry e = it.next();
            chunk.add(Lsdb.summary(e, nowNs));
            if (chunk.size() == chunkSize || !it.hasNext()) {
                LspId end = it.hasNext() ? e.pdu().id() : MAX_LSP_ID;
                output.send(neighborId, new CompleteSummary(start, end, chunk));
                counters.csnpsSent++;
                chunk = new ArrayList<>();
                // Ids are dense in the key space only by sort order: the next range starts
                // right after this one's last id.
                start = successor(end);
            }
        }
    }

    private static LspId successor(LspId id) {
        if (id.fragment() < LspId.MAX_FRAGMENT) {
            return new LspId(id.origin(), id.fragment() + 1);
        }
        // The next origin in sort order is the current one extended by the lowest character.
        return new LspId(id.origin().length() < 64 ? id.origin() + "-" : id.origin(), 0);
    }

    private void setSrm(NeighborState n, LspId id, long nowNs) {
        n.srm.put(id, nowNs);
        n.sentOnce.remove(id);
        n.srmNew.add(id);
        n.srmDueNs = Math.min(n.srmDueNs, nowNs);
    }

    private static void clearSrm(NeighborState n, LspId id) {
        n.srm.remove(id);
        n.sentOnce.remove(id);
    }

    private void floodExcept(LspId id, String except, long nowNs) {
        for (Map.Entry<String, NeighborState> e : neighbors.entrySet()) {
            if (!e.getKey().equals(except)) {
                setSrm(e.getValue(), id, nowNs);
            }
        }
    }

    // ----------------------------------------------------------------------------------------
    // LSDB changes

    private void install(LinkStatePdu p, long nowNs) {
        LsdbEntry old = lsdb.get(p.id());
        LinkStatePdu before = live(old, nowNs);
        LsdbEntry entry;
        if (p.isPurge()) {
            // A purge without content keeps its signature; content is dropped (and with it a
            // signature that covered it).
            LinkStatePdu purge = p.neighbors().isEmpty() && p.prefixes().isEmpty() && !p.overload() ? p : p.asPurge();
            entry = new LsdbEntry(purge, nowNs + config.zeroAgeLifetimeS() * NS_PER_S, true, nowNs);
            counters.purgesInstalled++;
        } else {
            entry = new LsdbEntry(p, nowNs + p.remainingLifetimeS() * NS_PER_S, false, nowNs);
        }
        lsdb.put(entry);
        expiries.add(new Expiry(entry.expiresNs(), p.id(), p.sequence(), entry.purged()));
        contentChanged(p.id(), before, entry.purged() ? null : entry.pdu(), nowNs);
    }

    private void purge(LspId id, long nowNs) {
        LsdbEntry held = lsdb.get(id);
        if (held == null || held.purged()) {
            return;
        }
        install(authenticator.sign(held.pdu().asPurge()), nowNs);
        floodExcept(id, null, nowNs);
    }

    private static LinkStatePdu live(LsdbEntry e, long nowNs) {
        return e == null || e.purged() ? null : e.pdu();
    }

    private void contentChanged(LspId id, LinkStatePdu before, LinkStatePdu after, long nowNs) {
        if (id.fragment() == 0) {
            boolean topologyChanged;
            if (after == null) {
                topologyChanged = topologyNodes.remove(id.origin()) != null;
            } else {
                SpfTopology.NodeLinks links = new SpfTopology.NodeLinks(after.neighbors(), after.overload());
                topologyChanged = !links.equals(topologyNodes.put(id.origin(), links));
            }
            if (topologyChanged) {
                backoff.onEvent(nowNs);
            }
        }
        prefixTable.update(id, before, after, nowNs);
    }

    // ----------------------------------------------------------------------------------------
    // Duty cycle

    /**
     * Runs every timer that is due: aging and purge, refresh, origination, SPF and route
     * calculation, transmission and retransmission of LSPs and summaries.
     *
     * @param nowNs current time
     * @return an estimate of the work done (0 when idle)
     */
    public int doWork(long nowNs) {
        lastNowNs = nowNs;
        int work = 0;
        work += age(nowNs);
        work += prefixTable.advance(nowNs);
        work += refresh(nowNs);
        for (long until : sequenceWrapUntilNs.values()) {
            if (nowNs - until >= 0) {
                originationPending = true; // a wrapped fragment may start again from 1
            }
        }
        if (originationPending && nowNs - lastOriginationNs >= MIN_ORIGINATION_INTERVAL_NS) {
            originationPending = false;
            int originated = originate(nowNs);
            if (originated > 0) {
                lastOriginationNs = nowNs;
            }
            work += originated;
        }
        boolean due = backoff.poll(nowNs);
        boolean repair = !due && ownLinkLost && repairAllowed(nowNs);
        ownLinkLost = false;
        if (due || repair) {
            if (repair) {
                counters.localRepairs++;
                recentRepairsNs.addLast(nowNs);
            }
            runSpf();
            work++;
        } else if (!prefixTable.changed().isEmpty()) {
            runPartial();
            work++;
        }
        work += transmit(nowNs);
        return work;
    }

    /**
     * @param nowNs current time
     * @return when {@link #doWork} next has something to do, or {@code Long.MAX_VALUE}
     */
    public long nextDeadlineNs(long nowNs) {
        if (ownLinkLost || !prefixTable.changed().isEmpty()) {
            return nowNs;
        }
        long next = Math.min(backoff.nextDeadlineNs(nowNs), prefixTable.nextDeadlineNs());
        if (originationPending) {
            next = Math.min(next, Math.max(nowNs, lastOriginationNs + MIN_ORIGINATION_INTERVAL_NS));
        }
        Expiry e = expiries.peek();
        if (e != null) {
            next = Math.min(next, e.dueNs());
        }
        for (OwnFragment f : ownFragments.values()) {
            next = Math.min(next, f.refreshDueNs());
        }
        for (long until : sequenceWrapUntilNs.values()) {
            next = Math.min(next, Math.max(nowNs, until));
        }
        for (NeighborState n : neighbors.values()) {
            next = Math.min(next, n.srmDueNs);
            if (!n.ssn.isEmpty()) {
                return nowNs;
            }
        }
        return next;
    }

    private int age(long nowNs) {
        int work = 0;
        while (!expiries.isEmpty() && nowNs - expiries.peek().dueNs() >= 0) {
            Expiry x = expiries.poll();
            LsdbEntry held = lsdb.get(x.id());
            if (held == null || held.pdu().sequence() != x.sequence() || held.purged() != x.purged()
                    || held.expiresNs() != x.dueNs()) {
                continue;
            }
            work++;
            if (held.purged()) {
                lsdb.remove(x.id());
                for (NeighborState n : neighbors.values()) {
                    clearSrm(n, x.id());
                }
            } else if (x.id().origin().equals(self)) {
                // Refresh should have prevented this; re-originate rather than purge ourselves.
                ownFragments.remove(x.id().fragment());
                originationPending = true;
            } else {
                counters.lspsExpired++;
                purge(x.id(), nowNs);
            }
        }
        return work;
    }

    private int refresh(long nowNs) {
        int work = 0;
        for (Map.Entry<Integer, OwnFragment> e : new ArrayList<>(ownFragments.entrySet())) {
            if (nowNs - e.getValue().refreshDueNs() >= 0) {
                LinkStatePdu p = e.getValue().pdu();
                originateFragment(p.id().fragment(), p.neighbors(), p.prefixes(), p.overload(), nowNs);
                counters.lspsRefreshed++;
                work++;
            }
        }
        return work;
    }

    private int originate(long nowNs) {
        List<NeighborEntry> ns = new ArrayList<>(neighbors.size());
        for (Map.Entry<String, NeighborState> e : neighbors.entrySet()) {
            ns.add(new NeighborEntry(e.getKey(), e.getValue().metric));
        }
        List<List<PrefixEntry>> fragments = fragment(ns, new ArrayList<>(localPrefixes.values()));
        int work = 0;
        // Make before break: an entry that moves from one fragment to another must reach the
        // other nodes in its new fragment before its old fragment arrives without it, or it
        // would be briefly unrouted. Flooding keeps the order per link, so the fragments are
        // originated receiver-first: a fragment that hands entries to others goes after them.
        List<Integer> changed = new ArrayList<>();
        for (int f = 0; f < fragments.size(); f++) {
            List<NeighborEntry> fragmentNeighbors = f == 0 ? ns : List.of();
            boolean fragmentOverload = f == 0 && overload;
            OwnFragment current = ownFragments.get(f);
            LsdbEntry held = lsdb.get(new LspId(self, f));
            if (current != null && held != null && !held.purged()
                    && held.pdu().sequence() == current.pdu().sequence()
                    && current.pdu().neighbors().equals(fragmentNeighbors)
                    && current.pdu().prefixes().equals(fragments.get(f))
                    && current.pdu().overload() == fragmentOverload) {
                continue;
            }
            changed.add(f);
        }
        for (int f : receiversFirst(changed, fragments)) {
            originateFragment(f, f == 0 ? ns : List.of(), fragments.get(f), f == 0 && overload, nowNs);
            work++;
        }
        for (Integer f : new ArrayList<>(ownFragments.keySet())) {
            if (f >= fragments.size()) {
                ownFragments.remove(f);
                purge(new LspId(self, f), nowNs);
                work++;
            }
        }
        return work;
    }

    /**
     * Orders changed fragments so that every fragment comes after the fragments its lost
     * entries moved to (a topological order; fragments that exchange entries both ways keep
     * index order).
     */
    private List<Integer> receiversFirst(List<Integer> changed, List<List<PrefixEntry>> fragments) {
        if (changed.size() < 2) {
            return changed;
        }
        Map<ServicePrefix, Integer> newHome = new HashMap<>();
        for (int f = 0; f < fragments.size(); f++) {
            for (PrefixEntry e : fragments.get(f)) {
                newHome.put(e.prefix(), f);
            }
        }
        Map<Integer, java.util.Set<Integer>> mustFollow = new java.util.TreeMap<>();
        for (int f : changed) {
            java.util.Set<Integer> before = new java.util.TreeSet<>();
            OwnFragment current = ownFragments.get(f);
            if (current != null) {
                for (PrefixEntry e : current.pdu().prefixes()) {
                    Integer home = newHome.get(e.prefix());
                    if (home != null && home != f && changed.contains(home)) {
                        before.add(home);
                    }
                }
            }
            mustFollow.put(f, before);
        }
        List<Integer> order = new ArrayList<>();
        while (!mustFollow.isEmpty()) {
            Integer next = null;
            for (Map.Entry<Integer, java.util.Set<Integer>> e : mustFollow.entrySet()) {
                if (order.containsAll(e.getValue())) {
                    next = e.getKey();
                    break;
                }
            }
            if (next == null) {
                next = mustFollow.keySet().iterator().next(); // a cycle: break it at the lowest index
            }
            mustFollow.remove(next);
            order.add(next);
        }
        return order;
    }

    private void originateFragment(int fragment, List<NeighborEntry> ns, List<PrefixEntry> prefixes,
                                   boolean fragmentOverload, long nowNs) {
        LspId id = new LspId(self, fragment);
        Long waitUntil = sequenceWrapUntilNs.get(fragment);
        if (waitUntil != null) {
            if (nowNs - waitUntil < 0) {
                return; // still waiting out the old sequence numbers
            }
            sequenceWrapUntilNs.remove(fragment);
            if (lsdb.get(id) != null && lsdb.get(id).pdu().sequence() == -1L) {
                lsdb.remove(id); // the purged header at 2^64-1: start again from 1
            }
        }
        LsdbEntry held = lsdb.get(id);
        long seq = held == null ? 1 : held.pdu().sequence() + 1;
        if (seq == 0) {
            // The sequence number is at 2^64-1 (a copy that came back from before a restart, or
            // forged on a mesh without signatures). ISO 10589 section 7.3.16.1: purge it, originate
            // nothing for MaxAge + ZeroAgeLifetime, then start again from 1.
            counters.sequenceExhausted++;
            sequenceWrapUntilNs.put(fragment, nowNs + (long) (config.lspLifetimeS() + config.zeroAgeLifetimeS())
                    * NS_PER_S);
            ownFragments.remove(fragment);
            if (!held.purged()) {
                install(authenticator.sign(held.pdu().asPurge()), nowNs);
                floodExcept(id, null, nowNs);
            }
            originationPending = true;
            return;
        }
        LinkStatePdu pdu = authenticator.sign(new LinkStatePdu(id, seq, config.lspLifetimeS(), fragmentOverload,
                config.role(), ns, prefixes));
        install(pdu, nowNs);
        ownFragments.put(fragment, new OwnFragment(pdu, nowNs + config.lspRefreshS() * NS_PER_S));
        floodExcept(id, null, nowNs);
        counters.lspsOriginated++;
    }

    /** Splits neighbours and prefixes into fragments within the configured byte budget. */
    private List<List<PrefixEntry>> fragment(List<NeighborEntry> ns, List<PrefixEntry> prefixes) {
        AdvertisementBudget room = budget(ns.stream().map(NeighborEntry::nodeId).toList());
        int budget = room.fragmentBytes() - room.neighbourBytes();
        List<List<PrefixEntry>> out = new ArrayList<>();
        List<PrefixEntry> current = new ArrayList<>();
        out.add(current);
        int used = 0;
        java.util.Set<ServicePrefix> left = null;
        for (PrefixEntry e : prefixes) {
            int size = AdvertisementBudget.entryBytes(e);
            if (used + size > budget && !current.isEmpty()) {
                if (out.size() == room.fragments()) {
                    if (left == null) {
                        left = new java.util.LinkedHashSet<>();
                    }
                    left.add(e.prefix());
                    continue;
                }
                current = new ArrayList<>();
                out.add(current);
                used = 0;
                budget = room.fragmentBytes();
            }
            current.add(e);
            used += size;
        }
        java.util.Set<ServicePrefix> now = left == null ? java.util.Set.of() : java.util.Collections.unmodifiableSet(left);
        if (!now.equals(notAdvertised)) {
            counters.prefixesNotAdvertised += now.stream().filter(p -> !notAdvertised.contains(p)).count();
            notAdvertised = now;
        }
        return out;
    }

    /**
     * The room this node's LSP has for prefixes, with the given neighbours listed.
     *
     * @param neighbourIds the neighbours fragment 0 lists
     * @return the budget
     */
    public AdvertisementBudget budget(Collection<String> neighbourIds) {
        return AdvertisementBudget.of(config, authenticator.overheadBytes(), neighbourIds);
    }

    /**
     * Sets the bounds on what other origins can make this node store. LSPs already held stay.
     *
     * @param limits the bounds
     */
    public void limitLsdb(LsdbLimits limits) {
        lsdbLimits = Objects.requireNonNull(limits, "limits");
    }

    /** @return LSPs refused by the LSDB's limits, by reason, since start */
    public Map<LsdbLimits.Refusal, Long> lsdbRefusals() {
        return java.util.Collections.unmodifiableMap(lsdbRefusals);
    }

    /**
     * The last LSP refused by the LSDB's limits since the previous call, for the owner to log.
     *
     * @return it, or null if none was refused since
     */
    public RefusedLsp pollLsdbRefusal() {
        RefusedLsp r = lastLsdbRefusal;
        lastLsdbRefusal = null;
        return r;
    }

    /**
     * Own prefixes the last origination had no room for (the LSP's fragments were full), in the
     * order they were left out. Empty while everything fits.
     *
     * @return an unmodifiable set
     */
    public java.util.Set<ServicePrefix> notAdvertised() {
        return notAdvertised;
    }

    private int transmit(long nowNs) {
        int work = 0;
        // An origination still pending here waits out the minimum origination interval: the own
        // fragments held now are about to be replaced (at cold start: the first LSP, originated
        // before any adjacency, lacks every neighbour), so sending them would flood each twice.
        // Their flags stay set and fall due when the new copies are originated.
        long holdOwnUntilNs = originationPending ? lastOriginationNs + MIN_ORIGINATION_INTERVAL_NS : nowNs;
        boolean holdOwn = holdOwnUntilNs - nowNs > 0;
        for (Map.Entry<String, NeighborState> ne : neighbors.entrySet()) {
            String to = ne.getKey();
            NeighborState n = ne.getValue();
            if (nowNs - n.srmDueNs >= 0) {
                if (nowNs - n.retransmitDueNs >= 0) {
                    // A retransmission may be due: scan every flag.
                    long nextDue = Long.MAX_VALUE;
                    for (Map.Entry<LspId, Long> s : n.srm.entrySet()) {
                        if (nowNs - s.getValue() >= 0) {
                            LsdbEntry held = lsdb.get(s.getKey());
                            if (held == null) {
                                continue;
                            }
                            if (holdOwn && s.getKey().origin().equals(self)) {
                                nextDue = Math.min(nextDue, holdOwnUntilNs);
                                continue;
                            }
                            long due = sendLsp(to, n, s.getKey(), held, nowNs);
                            s.setValue(due);
                            nextDue = Math.min(nextDue, due);
                            work++;
                        } else {
                            nextDue = Math.min(nextDue, s.getValue());
                        }
                    }
                    n.srm.keySet().removeIf(id -> lsdb.get(id) == null);
                    n.sentOnce.retainAll(n.srm.keySet());
                    n.retransmitDueNs = nextDue;
                } else {
                    // Only flags set since the last transmission are due.
                    for (LspId id : n.srmNew) {
                        Long flaggedNs = n.srm.get(id);
                        if (flaggedNs == null || nowNs - flaggedNs < 0) {
                            continue;
                        }
                        LsdbEntry held = lsdb.get(id);
                        if (held == null) {
                            clearSrm(n, id);
                            continue;
                        }
                        if (holdOwn && id.origin().equals(self)) {
                            // Left flagged: the scan at the origination sends it (or its successor).
                            n.retransmitDueNs = Math.min(n.retransmitDueNs, holdOwnUntilNs);
                            continue;
                        }
                        long due = sendLsp(to, n, id, held, nowNs);
                        n.srm.put(id, due);
                        n.retransmitDueNs = Math.min(n.retransmitDueNs, due);
                        work++;
                    }
                }
                n.srmNew.clear();
                n.srmDueNs = n.retransmitDueNs;
            }
            if (!n.ssn.isEmpty()) {
                List<LspSummary> entries = new ArrayList<>();
                for (LspId id : n.ssn) {
                    LsdbEntry held = lsdb.get(id);
                    entries.add(held == null ? new LspSummary(id, 0, 0) : Lsdb.summary(held, nowNs));
                    if (entries.size() == config.summaryChunkEntries()) {
                        output.send(to, new PartialSummary(entries));
                        counters.psnpsSent++;
                        entries = new ArrayList<>();
                    }
                }
                if (!entries.isEmpty()) {
                    output.send(to, new PartialSummary(entries));
                    counters.psnpsSent++;
                }
                n.ssn.clear();
                work++;
            }
        }
        return work;
    }

    /**
     * Sends one LSP on a link.
     *
     * @return when to send it again if no acknowledgement arrives
     */
    private long sendLsp(String to, NeighborState n, LspId id, LsdbEntry held, long nowNs) {
        boolean retransmission = !n.sentOnce.add(id);
        output.send(to, held.current(nowNs));
        counters.lspsSent++;
        if (retransmission) {
            counters.lspsRetransmitted++;
        }
        return nowNs + TimeUnit.MILLISECONDS.toNanos(config.retransmitIntervalMs());
    }

    // ----------------------------------------------------------------------------------------
    // Route calculation

    private void runSpf() {
        long start = durationClock.getAsLong();
        SpfTopology topology = SpfTopology.build(withLiveOwnLinks());
        spf = calculator.compute(topology, self);
        rib.clear();
        for (ServicePrefix p : prefixTable.prefixes()) {
            computeRoute(p);
        }
        prefixTable.changed().clear();
        counters.spfRuns++;
        publish();
        long duration = durationClock.getAsLong() - start;
        counters.lastSpfDurationNs = duration;
        output.calculationRan(true, duration, topology.size());
    }

    /**
     * Whether a lost own link may run SPF outside the back-off now: at most {@link #MAX_LOCAL_REPAIRS}
     * times per {@code spfHoldDownMs}, so that one link that keeps flapping costs a few immediate
     * runs and then only what the RFC 8405 back-off allows (its LSP change is an event there too).
     */
    private boolean repairAllowed(long nowNs) {
        long windowNs = TimeUnit.MILLISECONDS.toNanos(config.spfHoldDownMs());
        while (!recentRepairsNs.isEmpty() && nowNs - recentRepairsNs.peekFirst() >= windowNs) {
            recentRepairsNs.pollFirst();
        }
        return recentRepairsNs.size() < MAX_LOCAL_REPAIRS;
    }

    /**
     * The SPF input: every fragment 0 in the LSDB, but this node's own links only to neighbours
     * with an up adjacency. The own LSP lags behind a lost adjacency by up to the minimum
     * origination interval, and SPF must not route over a link that is known to be down.
     */
    private Map<String, SpfTopology.NodeLinks> withLiveOwnLinks() {
        SpfTopology.NodeLinks own = topologyNodes.get(self);
        if (own == null) {
            return topologyNodes;
        }
        List<NeighborEntry> live = new ArrayList<>(own.neighbors().size());
        for (NeighborEntry n : own.neighbors()) {
            if (neighbors.containsKey(n.nodeId())) {
                live.add(n);
            }
        }
        if (live.size() == own.neighbors().size()) {
            return topologyNodes;
        }
        Map<String, SpfTopology.NodeLinks> nodes = new HashMap<>(topologyNodes);
        nodes.put(self, new SpfTopology.NodeLinks(live, own.overload()));
        return nodes;
    }

    private void runPartial() {
        long start = durationClock.getAsLong();
        for (ServicePrefix p : prefixTable.changed()) {
            computeRoute(p);
        }
        prefixTable.changed().clear();
        counters.partialRuns++;
        publish();
        output.calculationRan(false, durationClock.getAsLong() - start, spf == null ? 0 : spf.topology().size());
    }

    private void computeRoute(ServicePrefix p) {
        RibEntry r = RouteCalculator.route(p, prefixTable.installable(p, lastNowNs), spf, self);
        if (r == null) {
            rib.remove(p);
        } else {
            rib.put(p, r);
        }
    }

    private void publish() {
        List<FibEntry> entries = new ArrayList<>(rib.size());
        Map<ServicePrefix, List<String>> anycast = new HashMap<>();
        Map<ServicePrefix, List<Integer>> weights = new HashMap<>();
        for (RibEntry r : rib.values()) {
            entries.add(new FibEntry(r.prefix(), r.nextHops(), r.local(), r.cost()));
            anycast.put(r.prefix(), r.egress());
            if (r.egress().size() > 1) {
                Map<String, Integer> byOrigin = prefixTable.installableWeights(r.prefix(), lastNowNs);
                List<Integer> w = new ArrayList<>(r.egress().size());
                for (String e : r.egress()) {
                    w.add(byOrigin.getOrDefault(e, 1));
                }
                weights.put(r.prefix(), w);
            }
        }
        Fib next = new Fib(entries, anycast, weights);
        if (!sameRoutes(fib, next)) {
            fib = next;
            counters.fibUpdates++;
            output.routesChanged(fib);
        }
    }

    private static boolean sameRoutes(Fib a, Fib b) {
        return a.size() == b.size() && a.entries().equals(b.entries()) && a.anycast().equals(b.anycast())
                && a.anycastWeights().equals(b.anycastWeights());
    }

    // ----------------------------------------------------------------------------------------
    // Views for the owner thread

    /** @return this node's id */
    public String nodeId() {
        return self;
    }

    /** @return the current FIB snapshot */
    public Fib fib() {
        return fib;
    }

    /** @return the RIB, sorted by prefix (a copy) */
    public List<RibEntry> rib() {
        List<RibEntry> out = new ArrayList<>(rib.values());
        out.sort((x, y) -> x.prefix().compareTo(y.prefix()));
        return out;
    }

    /**
     * @param nowNs current time
     * @return every advertised prefix with its origin, owner, validity and whether it is
     *         installed, sorted by prefix then origin
     */
    public List<PrefixStatus> prefixStatus(long nowNs) {
        List<PrefixStatus> out = new ArrayList<>();
        for (PrefixTable.Row r : prefixTable.rows(nowNs)) {
            out.add(new PrefixStatus(r.prefix(), r.origin(), r.cost(), r.owner(), r.notAfterEpochMs(), r.rejection(),
                    r.detail()));
        }
        return out;
    }

    /** @return true if prefixes need a valid authorization to be installed */
    public boolean authorizationRequired() {
        return prefixTable.authorizer().required();
    }

    /** @return prefix advertisements whose authorization was checked (new or changed ones only) */
    public long authorizationChecks() {
        return prefixTable.verifications();
    }

    /** @return advertisements not installed, by reason (live; owner thread only) */
    public Map<PrefixRejection, Long> prefixRejections() {
        return prefixTable.rejections();
    }

    /**
     * Originates every own fragment again with the next sequence number (new signing
     * credentials), at the next duty cycle.
     *
     * @param nowNs current time
     */
    public void reoriginate(long nowNs) {
        ownFragments.clear();
        originationPending = true;
    }

    /** @return received LSPs not installed because their signature failed, by reason (live; owner thread only) */
    public Map<LspAuthenticator.LspRejection, Long> lspRejections() {
        return java.util.Collections.unmodifiableMap(lspRejections);
    }

    /**
     * @param nowNs current time
     * @return the topology and installed prefixes of the LSDB, for the Scheduling Center
     */
    public MeshView view(long nowNs) {
        Map<String, List<NeighborEntry>> neighbors = new java.util.TreeMap<>();
        Map<String, Boolean> overload = new HashMap<>();
        Map<String, io.dmsc.wire.link.NodeRole> roles = new HashMap<>();
        Map<String, Map<ServicePrefix, PrefixEntry>> advertised = new HashMap<>();
        for (LsdbEntry e : lsdb.entries()) {
            if (e.purged() || e.remainingLifetimeS(nowNs) == 0) {
                continue;
            }
            LinkStatePdu p = e.pdu();
            String origin = p.id().origin();
            neighbors.computeIfAbsent(origin, k -> new ArrayList<>()).addAll(p.neighbors());
            if (p.id().fragment() == 0) {
                overload.put(origin, p.overload());
                roles.put(origin, p.role());
            }
            for (PrefixEntry pe : p.prefixes()) {
                advertised.computeIfAbsent(origin, k -> new HashMap<>()).put(pe.prefix(), pe);
            }
        }
        Map<String, MeshView.Node> nodes = new HashMap<>();
        for (Map.Entry<String, List<NeighborEntry>> n : neighbors.entrySet()) {
            if (roles.containsKey(n.getKey())) {
                nodes.put(n.getKey(), new MeshView.Node(n.getKey(), roles.get(n.getKey()),
                        overload.getOrDefault(n.getKey(), false), n.getValue()));
            }
        }
        Map<ServicePrefix, List<MeshView.Replica>> prefixes = new HashMap<>();
        for (PrefixStatus s : prefixStatus(nowNs)) {
            if (s.rejection() != null || s.prefix().isReserved() || !nodes.containsKey(s.origin())) {
                continue;
            }
            PrefixEntry pe = advertised.getOrDefault(s.origin(), Map.of()).get(s.prefix());
            prefixes.computeIfAbsent(s.prefix(), k -> new ArrayList<>()).add(new MeshView.Replica(s.origin(),
                    s.cost(), pe == null ? 1 : pe.weight()));
        }
        prefixes.replaceAll((k, v) -> List.copyOf(v));
        return new MeshView(nodes, prefixes);
    }

    /** @return the LSDB (live view; owner thread only) */
    public Lsdb lsdb() {
        return lsdb;
    }

    /** @return neighbours with an up adjacency, sorted */
    public List<String> upNeighbors() {
        return new ArrayList<>(neighbors.keySet());
    }

    /**
     * @param neighborId a neighbour
     * @return LSPs queued or awaiting acknowledgement on that link
     */
    public int pendingOn(String neighborId) {
        NeighborState n = neighbors.get(neighborId);
        return n == null ? 0 : n.srm.size();
    }

    /** @return the last shortest-path tree, or null before the first SPF */
    public SpfResult spf() {
        return spf;
    }

    /** @return protocol counters (live; owner thread only) */
    public ProtocolCounters counters() {
        return counters;
    }

    /** @return the SPF back-off state */
    public SpfBackoff.SpfBackoffState backoffState() {
        return backoff.state();
    }

    /** @return the configuration */
    public RoutingConfig config() {
        return config;
    }
}
