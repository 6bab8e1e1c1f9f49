package io.dmsc.routing;

import static org.assertj.core.api.Assertions.assertThat;

import io.dmsc.wire.ServicePrefix;
import io.dmsc.wire.link.CompleteSummary;
import io.dmsc.wire.link.FrameType;
import io.dmsc.wire.link.HelloMessage;
import io.dmsc.wire.link.LinkFrameCodec;
import io.dmsc.wire.link.LinkMessage;
import io.dmsc.wire.link.LinkStatePdu;
import io.dmsc.wire.link.LspId;
import io.dmsc.wire.link.LspSummary;
import io.dmsc.wire.link.NeighborEntry;
import io.dmsc.wire.link.NodeRole;
import io.dmsc.wire.link.PartialSummary;
import io.dmsc.wire.link.PrefixEntry;
import io.dmsc.wire.link.RejectedPdu;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * One {@link LinkStateProtocol} driven directly: its neighbours are played by the test, which
 * sees everything it sends through a capturing {@link LinkStateOutput}.
 */
class LinkStateProtocolTest {
    private static final String ME = "me";
    private static final long T0 = TimeUnit.SECONDS.toNanos(10_000);

    /** A message sent by the protocol. */
    private record Sent(String to, LinkMessage message) {
    }

    private final List<Sent> sent = new ArrayList<>();
    private final List<Fib> fibs = new ArrayList<>();
    private long now = T0;
    private LinkStateProtocol protocol;

    private final LinkStateOutput output = new LinkStateOutput() {
        @Override
        public void send(String neighborId, LinkMessage message) {
            sent.add(new Sent(neighborId, message));
        }

        @Override
        public void routesChanged(Fib fib) {
            fibs.add(fib);
        }
    };

    /** Creates the protocol and runs its first duty cycle, which originates its LSP. */
    private LinkStateProtocol start(RoutingConfig config) {
        protocol = new LinkStateProtocol(config, output, () -> now, now);
        protocol.doWork(now);
        return protocol;
    }

    /** Defaults, with the retransmit interval these tests count in (1 s). */
    private LinkStateProtocol start() {
        return start(RoutingConfig.defaults(ME, NodeRole.SR).withRetransmitIntervalMs(1000));
    }

    private static long ms(long ms) {
        return TimeUnit.MILLISECONDS.toNanos(ms);
    }

    /** Runs the protocol's timers up to {@code now + durationMs}, as its conductor would. */
    private void runFor(long durationMs) {
        long until = now + ms(durationMs);
        while (true) {
            protocol.doWork(now);
            long next = protocol.nextDeadlineNs(now);
            if (next > until) {
                break;
            }
            now = Math.max(next, now + 1);
        }
        now = until;
        protocol.doWork(now);
    }

    private void receive(String from, LinkMessage m) {
        protocol.receive(from, m, now);
    }

    private static LinkStatePdu lsp(String origin, int fragment, long seq, List<String> neighbors,
                                    String... prefixes) {
        return new LinkStatePdu(new LspId(origin, fragment), seq, 1200, false, NodeRole.SR,
                neighbors.stream().map(n -> new NeighborEntry(n, 10)).toList(),
                Arrays.stream(prefixes).map(p -> PrefixEntry.of(ServicePrefix.parse(p), 0)).toList());
    }

    private List<LinkStatePdu> lspsSentTo(String to) {
        return sent.stream().filter(s -> s.to().equals(to) && s.message() instanceof LinkStatePdu)
                .map(s -> (LinkStatePdu) s.message()).toList();
    }

    private List<LspSummary> psnpEntriesSentTo(String to) {
        return sent.stream().filter(s -> s.to().equals(to) && s.message() instanceof PartialSummary)
                .flatMap(s -> ((PartialSummary) s.message()).entries().stream()).toList();
    }

    private void ackEverything(String neighbor) {
        List<LspSummary> acks = new ArrayList<>();
        for (LsdbEntry e : protocol.lsdb().entries()) {
            acks.add(Lsdb.summary(e, now));
        }
        receive(neighbor, new PartialSummary(acks));
    }

    /** Starts the protocol with up adjacencies to the given neighbours and lets it settle. */
    private void startWithNeighbors(String... neighbors) {
        start();
        for (String n : neighbors) {
            protocol.adjacencyUp(n, 10, now);
        }
        // Past the LSP generation interval, so the LSP listing the new adjacencies is out.
        runFor(100);
        for (String n : neighbors) {
            ackEverything(n);
        }
        runFor(10_000);
        sent.clear();
    }

    // -------------------------------------------------------------------------------------

    @Test
    void shouldOriginateOwnLspWithNodePrefixAtStart() {
        start();

        LsdbEntry own = protocol.lsdb().get(new LspId(ME, 0));
        assertThat(own).isNotNull();
        assertThat(own.pdu().sequence()).isEqualTo(1);
        assertThat(own.pdu().prefixes()).extracting(e -> e.prefix().toString()).containsExactly("/_dmsc/node/me");
        assertThat(protocol.fib().lookup("/_dmsc/node/me/x").local()).isTrue();
    }

    @Test
    void shouldSendCompleteSummaryWhenAdjacencyComesUp() {
        start();

        protocol.adjacencyUp("n1", 10, now);

        List<CompleteSummary> csnps = sent.stream().filter(s -> s.message() instanceof CompleteSummary)
                .map(s -> (CompleteSummary) s.message()).toList();
        assertThat(csnps).hasSize(1);
        assertThat(csnps.get(0).start()).isEqualTo(LinkStateProtocol.MIN_LSP_ID);
        assertThat(csnps.get(0).end()).isEqualTo(LinkStateProtocol.MAX_LSP_ID);
        assertThat(csnps.get(0).entries()).extracting(LspSummary::id).containsExactly(new LspId(ME, 0));
        assertThat(protocol.counters().csnpsSent).isEqualTo(1);
    }

    @Test
    void shouldFloodItsLspOnceAtColdStartNotFirstWithoutNeighboursThenWithThem() {
        start();
        protocol.adjacencyUp("n1", 10, now);
        protocol.adjacencyUp("n2", 10, now);
        // Both neighbours start too: their complete summaries list nothing of ours, and each
        // asks for the LSP our summary listed.
        for (String n : List.of("n1", "n2")) {
            receive(n, new CompleteSummary(LinkStateProtocol.MIN_LSP_ID, LinkStateProtocol.MAX_LSP_ID, List.of()));
            receive(n, new PartialSummary(List.of(new LspSummary(new LspId(ME, 0), 0, 0))));
        }
        runFor(200);

        for (String n : List.of("n1", "n2")) {
            assertThat(lspsSentTo(n)).as("own LSPs sent to " + n)
                    .extracting(p -> p.sequence(), p -> p.neighbors().stream().map(NeighborEntry::nodeId).toList())
                    .containsExactly(org.assertj.core.groups.Tuple.tuple(2L, List.of("n1", "n2")));
        }
    }

    @Test
    void shouldAcknowledgeEveryLspReceivedInOneDutyCycleWithOnePartialSummaryPerNeighbour() {
        startWithNeighbors("n1", "n2");
        for (int i = 0; i < 5; i++) {
            receive("n1", lsp("o" + i, 0, 3, List.of(), "/p" + i));
            receive("n2", lsp("q" + i, 0, 3, List.of(), "/q" + i));
        }
        runFor(1);

        for (String n : List.of("n1", "n2")) {
            List<PartialSummary> psnps = sent.stream().filter(s -> s.to().equals(n))
                    .filter(s -> s.message() instanceof PartialSummary).map(s -> (PartialSummary) s.message())
                    .toList();
            assertThat(psnps).as("partial summaries to " + n).hasSize(1);
            assertThat(psnps.get(0).entries()).hasSize(5);
        }
    }

    @Test
    void shouldSplitCompleteSummaryIntoContiguousRanges() {
        // At most 3 headers per summary.
        start(new RoutingConfig(ME, NodeRole.SR, 1200, 900, 60, 1000, 16 * 1024, 3, 5, 50, 1000, 500, 3000, false));
        protocol.adjacencyUp("n0", 10, now);
        for (int i = 0; i < 10; i++) {
            receive("n0", lsp("o" + i, 0, 1, List.of()));
        }
        sent.clear();

        protocol.adjacencyUp("n1", 10, now);

        List<CompleteSummary> csnps = sent.stream().filter(s -> s.message() instanceof CompleteSummary)
                .map(s -> (CompleteSummary) s.message()).toList();
        assertThat(csnps).hasSizeGreaterThan(3);
        assertThat(csnps.get(0).start()).isEqualTo(LinkStateProtocol.MIN_LSP_ID);
        assertThat(csnps.get(csnps.size() - 1).end()).isEqualTo(LinkStateProtocol.MAX_LSP_ID);
        List<LspId> listed = new ArrayList<>();
        for (int i = 0; i < csnps.size(); i++) {
            CompleteSummary c = csnps.get(i);
            assertThat(c.entries()).hasSizeLessThanOrEqualTo(3);
            assertThat(c.entries()).allSatisfy(e -> assertThat(c.covers(e.id())).isTrue());
            if (i > 0) {
                assertThat(c.start()).isGreaterThan(csnps.get(i - 1).end());
            }
            c.entries().forEach(e -> listed.add(e.id()));
        }
        assertThat(listed).containsExactlyElementsOf(protocol.lsdb().entries().stream().map(e -> e.pdu().id())
                .toList());
    }

    @Test
    void shouldInstallNewerLspFloodItToOthersAndAcknowledgeIt() {
        startWithNeighbors("n1", "n2", "n3");
        LinkStatePdu p = lsp("o", 0, 5, List.of(), "/shop");

        receive("n1", p);
        runFor(1);

        assertThat(protocol.lsdb().get(p.id()).pdu()).isEqualTo(p);
        assertThat(lspsSentTo("n2")).extracting(LinkStatePdu::id).containsExactly(p.id());
        assertThat(lspsSentTo("n3")).extracting(LinkStatePdu::id).containsExactly(p.id());
        assertThat(lspsSentTo("n1")).as("not flooded back to the sender").isEmpty();
        assertThat(psnpEntriesSentTo("n1")).extracting(LspSummary::id, LspSummary::sequence)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(p.id(), 5L));
        assertThat(protocol.counters().lspsReceived).isEqualTo(1);
    }

    @Test
    void shouldAnswerOlderLspWithNewerCopy() {
        startWithNeighbors("n1", "n2");
        receive("n1", lsp("o", 0, 5, List.of(), "/shop"));
        runFor(1);
        ackEverything("n2");
        sent.clear();

        receive("n2", lsp("o", 0, 3, List.of(), "/old"));
        runFor(1);

        assertThat(protocol.counters().lspsOlder).isEqualTo(1);
        assertThat(lspsSentTo("n2")).extracting(LinkStatePdu::sequence).containsExactly(5L);
        assertThat(lspsSentTo("n1")).isEmpty();
        assertThat(protocol.lsdb().get(new LspId("o", 0)).pdu().sequence()).isEqualTo(5);
        assertThat(protocol.fib().get(ServicePrefix.parse("/old"))).isNull();
    }

    @Test
    void shouldAnswerOlderSummaryEntryWithNewerCopy() {
        startWithNeighbors("n1", "n2");
        receive("n1", lsp("o", 0, 5, List.of()));
        runFor(1);
        ackEverything("n2");
        sent.clear();

        receive("n2", new PartialSummary(List.of(new LspSummary(new LspId("o", 0), 2, 100))));
        runFor(1);

        assertThat(lspsSentTo("n2")).extracting(LinkStatePdu::sequence).containsExactly(5L);
    }

    @Test
    void shouldAcknowledgeDuplicateWithoutFlooding() {
        startWithNeighbors("n1", "n2");
        LinkStatePdu p = lsp("o", 0, 5, List.of());
        receive("n1", p);
        runFor(1);
        ackEverything("n2");
        sent.clear();

        receive("n2", p);
        runFor(1);

        assertThat(protocol.counters().lspsDuplicate).isEqualTo(1);
        assertThat(lspsSentTo("n1")).isEmpty();
        assertThat(lspsSentTo("n2")).isEmpty();
        assertThat(psnpEntriesSentTo("n2")).extracting(LspSummary::id).containsExactly(p.id());
    }

    @Test
    void shouldRetransmitUntilAcknowledged() {
        startWithNeighbors("n1", "n2");
        LinkStatePdu p = lsp("o", 0, 5, List.of());
        receive("n1", p);
        runFor(1);
        assertThat(lspsSentTo("n2")).hasSize(1);

        runFor(3500);

        assertThat(lspsSentTo("n2")).hasSize(4);
        assertThat(protocol.counters().lspsRetransmitted).isEqualTo(3);
        assertThat(protocol.pendingOn("n2")).isEqualTo(1);
        receive("n2", new PartialSummary(List.of(p.summary())));
        runFor(10_000);
        assertThat(lspsSentTo("n2")).hasSize(4);
        assertThat(protocol.pendingOn("n2")).isZero();
    }

    @Test
    void shouldCountAndIgnoreRejectedPdu() {
        startWithNeighbors("n1");
        int size = protocol.lsdb().size();

        receive("n1", new RejectedPdu(FrameType.LSP, "LSP x: sequence: 0"));
        receive("stranger", new RejectedPdu(FrameType.PSNP, "bad"));
        runFor(1000);

        assertThat(protocol.counters().rejectedPdus).isEqualTo(2);
        assertThat(protocol.lsdb().size()).isEqualTo(size);
        assertThat(sent).isEmpty();
    }

    @Test
    void shouldCountAndIgnorePdusFromNonAdjacentNodes() {
        startWithNeighbors("n1");
        int size = protocol.lsdb().size();

        receive("stranger", lsp("o", 0, 5, List.of(), "/shop"));
        receive("stranger", new PartialSummary(List.of(new LspSummary(new LspId(ME, 0), 0, 0))));
        receive("stranger", new CompleteSummary(LinkStateProtocol.MIN_LSP_ID, LinkStateProtocol.MAX_LSP_ID,
                List.of()));
        runFor(1000);

        assertThat(protocol.counters().ignoredPdus).isEqualTo(3);
        assertThat(protocol.counters().lspsReceived).isZero();
        assertThat(protocol.lsdb().size()).isEqualTo(size);
        assertThat(protocol.lsdb().get(new LspId("o", 0))).isNull();
        assertThat(sent).isEmpty();
    }

    @Test
    void shouldIgnorePdusFromNeighbourWhoseAdjacencyWentDown() {
        startWithNeighbors("n1", "n2");
        protocol.adjacencyDown("n2", now);

        receive("n2", lsp("o", 0, 5, List.of()));

        assertThat(protocol.counters().ignoredPdus).isEqualTo(1);
        assertThat(protocol.upNeighbors()).containsExactly("n1");
    }

    @Test
    void shouldIgnoreHelloMessages() {
        startWithNeighbors("n1");

        receive("n1", new HelloMessage(LinkFrameCodec.VERSION, "n1", 3000, ME, NodeRole.SR));

        assertThat(protocol.counters().ignoredPdus).isZero();
        assertThat(protocol.counters().rejectedPdus).isZero();
    }

    @Test
    void shouldRequestNewerLspListedInCompleteSummaryAndSendWhatNeighbourLacks() {
        startWithNeighbors("n1");
        receive("n1", lsp("a", 0, 3, List.of()));
        receive("n1", lsp("b", 0, 3, List.of()));
        runFor(1);
        sent.clear();
        protocol.adjacencyUp("n2", 10, now);
        sent.clear();

        // n2 has a newer "a", the same "b", and not our own LSP.
        receive("n2", new CompleteSummary(LinkStateProtocol.MIN_LSP_ID, LinkStateProtocol.MAX_LSP_ID, List.of(
                new LspSummary(new LspId("a", 0), 4, 1000), new LspSummary(new LspId("b", 0), 3, 1000))));
        runFor(1);

        assertThat(psnpEntriesSentTo("n2")).extracting(LspSummary::id).contains(new LspId("a", 0));
        assertThat(lspsSentTo("n2")).extracting(LinkStatePdu::id).contains(new LspId(ME, 0))
                .doesNotContain(new LspId("b", 0));
        assertThat(protocol.counters().csnpsReceived).isEqualTo(1);
    }

    @Test
    void shouldSendDatabaseOverNewLinkWhenNeighboursSummaryIsLost() {
        startWithNeighbors("n1");
        receive("n1", lsp("a", 0, 3, List.of()));
        receive("n1", lsp("b", 0, 4, List.of()));
        runFor(1);
        ackEverything("n1");
        sent.clear();

        protocol.adjacencyUp("n2", 10, now);
        runFor(999);
        assertThat(lspsSentTo("n2")).extracting(LinkStatePdu::id).as("only our new own LSP at first")
                .containsExactly(new LspId(ME, 0));
        runFor(2);

        assertThat(lspsSentTo("n2")).extracting(LinkStatePdu::id)
                .containsOnly(new LspId(ME, 0), new LspId("a", 0), new LspId("b", 0));
    }

    @Test
    void shouldSendNothingMoreOverNewLinkWhenNeighbourIsInSync() {
        startWithNeighbors("n1");
        receive("n1", lsp("a", 0, 3, List.of()));
        receive("n1", lsp("b", 0, 4, List.of()));
        runFor(1);
        ackEverything("n1");
        protocol.adjacencyUp("n2", 10, now);
        runFor(1);
        sent.clear();

        // n2 holds the same "a", a newer "b", and our latest own LSP.
        receive("n2", new CompleteSummary(LinkStateProtocol.MIN_LSP_ID, LinkStateProtocol.MAX_LSP_ID, List.of(
                new LspSummary(new LspId("a", 0), 3, 1000), new LspSummary(new LspId("b", 0), 5, 1000),
                Lsdb.summary(protocol.lsdb().get(new LspId(ME, 0)), now))));
        runFor(5_000);

        assertThat(lspsSentTo("n2")).isEmpty();
        assertThat(psnpEntriesSentTo("n2")).extracting(LspSummary::id).contains(new LspId("b", 0));
        assertThat(protocol.pendingOn("n2")).isZero();
    }

    /** Two LSPs of "o" with one sequence number and other content, ordered by checksum. */
    private static LinkStatePdu[] sameSequencePair() {
        LinkStatePdu x = lsp("o", 0, 5, List.of(), "/x");
        LinkStatePdu y = lsp("o", 0, 5, List.of(), "/y");
        return Integer.compareUnsigned(x.checksum(), y.checksum()) > 0
                ? new LinkStatePdu[] {y, x} : new LinkStatePdu[] {x, y};
    }

    @Test
    void shouldReplaceCopyWithSameSequenceNumberAndLargerChecksum() {
        startWithNeighbors("n1", "n2");
        LinkStatePdu[] pair = sameSequencePair();
        receive("n1", pair[0]);
        runFor(1);
        ackEverything("n2");
        sent.clear();

        receive("n2", pair[1]);
        runFor(1);

        assertThat(protocol.lsdb().get(pair[1].id()).pdu()).isEqualTo(pair[1]);
        assertThat(lspsSentTo("n1")).containsExactly(pair[1]);
        assertThat(psnpEntriesSentTo("n2")).containsExactly(pair[1].summary());
    }

    @Test
    void shouldAnswerCopyWithSameSequenceNumberAndSmallerChecksumWithOurs() {
        startWithNeighbors("n1", "n2");
        LinkStatePdu[] pair = sameSequencePair();
        receive("n1", pair[1]);
        runFor(1);
        ackEverything("n2");
        sent.clear();

        receive("n2", pair[0]);
        runFor(1);

        assertThat(protocol.lsdb().get(pair[1].id()).pdu()).isEqualTo(pair[1]);
        assertThat(lspsSentTo("n2")).containsExactly(pair[1]);
        assertThat(lspsSentTo("n1")).isEmpty();
    }

    @Test
    void shouldAskForCopyListedWithSameSequenceNumberAndLargerChecksum() {
        startWithNeighbors("n1", "n2");
        LinkStatePdu[] pair = sameSequencePair();
        receive("n1", pair[0]);
        runFor(1);
        ackEverything("n2");
        sent.clear();

        receive("n2", new PartialSummary(List.of(pair[1].summary())));
        runFor(1);

        assertThat(psnpEntriesSentTo("n2")).containsExactly(Lsdb.summary(protocol.lsdb().get(pair[0].id()), now));
        assertThat(lspsSentTo("n2")).isEmpty();
    }

    @Test
    void shouldJumpPastOwnSequenceNumberReusedWithOtherContent() {
        startWithNeighbors("n1");
        LinkStatePdu own = protocol.lsdb().get(new LspId(ME, 0)).pdu();
        // What a previous incarnation sent with the same number: other prefixes. If its checksum
        // is the larger, it is "newer" and we must move past it; if smaller, ours replaces it.
        LinkStatePdu previous = new LinkStatePdu(own.id(), own.sequence(), 1000, false, NodeRole.SR, own.neighbors(),
                List.of(PrefixEntry.of(ServicePrefix.parse("/before/restart"), 0)));
        boolean previousWins = Integer.compareUnsigned(previous.checksum(), own.checksum()) > 0;

        receive("n1", previous);
        runFor(1);

        LinkStatePdu now = protocol.lsdb().get(new LspId(ME, 0)).pdu();
        assertThat(now.prefixes()).extracting(e -> e.prefix().toString()).containsExactly("/_dmsc/node/me");
        if (previousWins) {
            assertThat(now.sequence()).isEqualTo(own.sequence() + 1);
            assertThat(protocol.counters().ownLspsRecovered).isEqualTo(1);
        } else {
            assertThat(now).isEqualTo(own);
            assertThat(lspsSentTo("n1")).containsExactly(own);
        }
        assertThat(protocol.fib().get(ServicePrefix.parse("/before/restart"))).isNull();
    }

    @Test
    void shouldRequestUnknownLspListedInPartialSummary() {
        startWithNeighbors("n1");

        receive("n1", new PartialSummary(List.of(new LspSummary(new LspId("new", 0), 9, 1000))));
        runFor(1);

        assertThat(psnpEntriesSentTo("n1")).containsExactly(new LspSummary(new LspId("new", 0), 0, 0));
    }

    @Test
    void shouldJumpPastOwnSequenceNumberLeftFromBeforeRestart() {
        startWithNeighbors("n1");
        long before = protocol.lsdb().get(new LspId(ME, 0)).pdu().sequence();

        receive("n1", lsp(ME, 0, 1000, List.of("n1"), "/stale"));
        runFor(1);

        assertThat(protocol.counters().ownLspsRecovered).isEqualTo(1);
        LinkStatePdu own = protocol.lsdb().get(new LspId(ME, 0)).pdu();
        assertThat(own.sequence()).isEqualTo(1001).isGreaterThan(before);
        assertThat(own.prefixes()).extracting(e -> e.prefix().toString()).containsExactly("/_dmsc/node/me");
        assertThat(lspsSentTo("n1")).extracting(LinkStatePdu::sequence).contains(1001L);
        assertThat(protocol.fib().get(ServicePrefix.parse("/stale"))).isNull();
    }

    @Test
    void shouldPurgeOwnFragmentItNoLongerOriginates() {
        startWithNeighbors("n1");

        receive("n1", lsp(ME, 7, 20, List.of(), "/stale"));
        runFor(1);

        LsdbEntry e = protocol.lsdb().get(new LspId(ME, 7));
        assertThat(e.purged()).isTrue();
        assertThat(e.pdu().sequence()).isEqualTo(20);
        assertThat(lspsSentTo("n1")).filteredOn(p -> p.id().fragment() == 7)
                .extracting(LinkStatePdu::remainingLifetimeS).containsExactly(0);
        assertThat(protocol.fib().get(ServicePrefix.parse("/stale"))).isNull();
    }

    @Test
    void shouldRefuseToWrapSequenceNumber() {
        startWithNeighbors("n1");

        receive("n1", lsp(ME, 0, -1L, List.of()));
        runFor(1);

        assertThat(protocol.counters().sequenceExhausted).isGreaterThanOrEqualTo(1);
        assertThat(lspsSentTo("n1")).noneMatch(p -> p.sequence() == 0);
    }

    @Test
    void shouldRunOneSpfForBurstOfTopologyLsps() {
        startWithNeighbors("n1");
        long spfBefore = protocol.counters().spfRuns;

        // 50 topology changes arrive within 3 ms: a chain n1 - o0 - o1 - ... - o49.
        for (int i = 0; i < 50; i++) {
            receive("n1", lsp("o" + i, 0, 1, List.of(i == 0 ? "n1" : "o" + (i - 1), "o" + (i + 1))));
            if (i % 20 == 0) {
                now += ms(1);
                protocol.doWork(now);
            }
        }
        receive("n1", lsp("n1", 0, 1, List.of(ME, "o0")));
        runFor(10_000);

        assertThat(protocol.counters().spfRuns - spfBefore).isEqualTo(1);
        assertThat(protocol.spf().distance("o49")).isEqualTo(10 + 10 + 49 * 10);
    }

    @Test
    void shouldRouteAroundALostOwnLinkAtOnceEvenInTheLongWaitOfTheSpfBackoff() {
        // me - n1 - dst (cost 20) and me - n2 - dst (cost 30): /d goes via n1, n2 is the alternate.
        startWithNeighbors("n1", "n2");
        receive("n1", lsp("n1", 0, 1, List.of(ME, "dst")));
        receive("n1", new LinkStatePdu(new LspId("n2", 0), 1, 1200, false, NodeRole.SR,
                List.of(new NeighborEntry(ME, 10), new NeighborEntry("dst", 20)), List.of()));
        receive("n1", lsp("dst", 0, 1, List.of("n1", "n2"), "/d"));
        runFor(10_000);
        assertThat(protocol.fib().lookup("/d/x").nextHops()).containsExactly("n1");

        // Topology churn elsewhere for longer than the time to learn: the back-off is in LONG_WAIT,
        // where a new event waits spfLongDelayMs (1 s) for its SPF.
        for (int i = 0; i < 5; i++) {
            receive("n1", lsp("far", 0, 1 + i, i % 2 == 0 ? List.of("dst") : List.of()));
            runFor(200);
        }
        assertThat(protocol.backoffState()).isEqualTo(SpfBackoff.SpfBackoffState.LONG_WAIT);
        long repairs = protocol.counters().localRepairs;

        protocol.adjacencyDown("n1", now);
        assertThat(protocol.nextDeadlineNs(now)).as("work is due at once").isEqualTo(now);
        protocol.doWork(now);

        assertThat(protocol.fib().lookup("/d/x").nextHops()).containsExactly("n2");
        assertThat(protocol.fib().lookup("/d/x").cost()).isEqualTo(30);
        assertThat(protocol.counters().localRepairs).isEqualTo(repairs + 1);
        // The back-off still paces the change the other nodes see: the re-originated own LSP.
        assertThat(protocol.backoffState()).isEqualTo(SpfBackoff.SpfBackoffState.LONG_WAIT);
    }

    @Test
    void shouldRepairAtOnceOnlyAFewTimesPerHoldDownWhenAnOwnLinkFlaps() {
        startWithNeighbors("n1", "n2");
        receive("n1", lsp("n1", 0, 1, List.of(ME)));
        runFor(10_000);
        long before = protocol.counters().localRepairs;
        // n2's link flaps ten times within 2 s (the hold-down is 3 s).
        for (int i = 0; i < 10; i++) {
            protocol.adjacencyDown("n2", now);
            runFor(100);
            protocol.adjacencyUp("n2", 10, now);
            runFor(100);
        }
        assertThat(protocol.counters().localRepairs - before).isEqualTo(LinkStateProtocol.MAX_LOCAL_REPAIRS);
        // Once the hold-down has passed, a loss is repaired at once again.
        runFor(10_000);
        protocol.adjacencyDown("n1", now);
        protocol.doWork(now);
        assertThat(protocol.counters().localRepairs - before).isEqualTo(LinkStateProtocol.MAX_LOCAL_REPAIRS + 1);
    }

    @Test
    void shouldNotRouteOverAnOwnLinkThatIsDownBeforeItsLspIsReoriginated() {
        startWithNeighbors("n1", "n2");
        receive("n1", lsp("n1", 0, 1, List.of(ME), "/a"));
        receive("n1", lsp("n2", 0, 1, List.of(ME), "/a"));
        runFor(10_000);
        assertThat(protocol.fib().lookup("/a").nextHops()).containsExactly("n1", "n2");

        // Two losses within the minimum origination interval: the own LSP still lists both.
        protocol.adjacencyDown("n1", now);
        protocol.doWork(now);
        now += ms(1);
        protocol.adjacencyDown("n2", now);
        protocol.doWork(now);

        assertThat(protocol.fib().lookup("/a")).as("no route over links that are down").isNull();
    }

    @Test
    void shouldUsePartialCalculationForPrefixOnlyChange() {
        startWithNeighbors("n1");
        receive("n1", lsp("n1", 0, 1, List.of(ME), "/a"));
        runFor(10_000);
        long spf = protocol.counters().spfRuns;
        long partial = protocol.counters().partialRuns;
        assertThat(protocol.fib().lookup("/a/x").nextHops()).containsExactly("n1");

        receive("n1", lsp("n1", 0, 2, List.of(ME), "/a", "/b"));
        runFor(10_000);

        assertThat(protocol.counters().spfRuns).isEqualTo(spf);
        assertThat(protocol.counters().partialRuns).isEqualTo(partial + 1);
        assertThat(protocol.fib().lookup("/b").nextHops()).containsExactly("n1");
        assertThat(protocol.fib().lookup("/b").cost()).isEqualTo(10);
    }

    @Test
    void shouldPickCheapestAnycastEgressesAndMergeTheirNextHops() {
        startWithNeighbors("n1", "n2", "n3");
        receive("n1", new LinkStatePdu(new LspId("n1", 0), 1, 1200, false, NodeRole.SG,
                List.of(new NeighborEntry(ME, 10)), List.of(PrefixEntry.of(ServicePrefix.parse("/svc"), 5))));
        receive("n1", new LinkStatePdu(new LspId("n2", 0), 1, 1200, false, NodeRole.SG,
                List.of(new NeighborEntry(ME, 10)), List.of(PrefixEntry.of(ServicePrefix.parse("/svc"), 5))));
        receive("n1", new LinkStatePdu(new LspId("n3", 0), 1, 1200, false, NodeRole.SG,
                List.of(new NeighborEntry(ME, 10)), List.of(PrefixEntry.of(ServicePrefix.parse("/svc"), 6))));
        runFor(10_000);

        RibEntry r = protocol.rib().stream().filter(e -> e.prefix().toString().equals("/svc")).findFirst()
                .orElseThrow();
        assertThat(r.cost()).isEqualTo(15);
        assertThat(r.egress()).containsExactly("n1", "n2");
        assertThat(r.nextHops()).containsExactly("n1", "n2");
        assertThat(r.local()).isFalse();
    }

    @Test
    void shouldRemoveRoutesOfPurgedLsp() {
        startWithNeighbors("n1", "n2");
        receive("n1", lsp("n1", 0, 1, List.of(ME), "/a"));
        runFor(10_000);
        assertThat(protocol.fib().get(ServicePrefix.parse("/a"))).isNotNull();

        receive("n1", lsp("n1", 0, 1, List.of(ME), "/a").asPurge());
        runFor(10_000);

        assertThat(protocol.lsdb().get(new LspId("n1", 0)).purged()).isTrue();
        assertThat(protocol.counters().purgesInstalled).isEqualTo(1);
        assertThat(protocol.fib().get(ServicePrefix.parse("/a"))).isNull();
        assertThat(lspsSentTo("n2")).filteredOn(p -> p.id().origin().equals("n1"))
                .extracting(LinkStatePdu::remainingLifetimeS).contains(0);
    }

    @Test
    void shouldPurgeExpiredLspAndForgetItAfterZeroAgeLifetime() {
        startWithNeighbors("n1");
        receive("n1", new LinkStatePdu(new LspId("o", 0), 1, 5, false, NodeRole.SR, List.of(),
                List.of(PrefixEntry.of(ServicePrefix.parse("/o"), 0))));
        runFor(4_999);
        assertThat(protocol.lsdb().get(new LspId("o", 0)).purged()).isFalse();

        runFor(2);

        assertThat(protocol.lsdb().get(new LspId("o", 0)).purged()).isTrue();
        assertThat(protocol.counters().lspsExpired).isEqualTo(1);
        runFor(TimeUnit.SECONDS.toMillis(60) + 10);
        assertThat(protocol.lsdb().get(new LspId("o", 0))).isNull();
    }

    @Test
    void shouldReoriginateWhenOverloadChanges() {
        startWithNeighbors("n1");
        long seq = protocol.lsdb().get(new LspId(ME, 0)).pdu().sequence();

        protocol.setOverload(true);
        runFor(1);

        LinkStatePdu own = protocol.lsdb().get(new LspId(ME, 0)).pdu();
        assertThat(own.overload()).isTrue();
        assertThat(own.sequence()).isEqualTo(seq + 1);
        assertThat(lspsSentTo("n1")).extracting(LinkStatePdu::overload).containsExactly(true);
        protocol.setOverload(true);
        runFor(1);
        assertThat(protocol.lsdb().get(new LspId(ME, 0)).pdu().sequence()).as("no change, no LSP")
                .isEqualTo(seq + 1);
    }

    @Test
    void shouldKeepEveryFragmentWithinByteBudget() {
        Random random = new Random(11);
        for (int round = 0; round < 20; round++) {
            int budget = 512 + random.nextInt(4096);
            start(RoutingConfig.defaults(ME, NodeRole.SR).withMaxLspBytes(budget));
            int neighbors = random.nextInt(12);
            for (int n = 0; n < neighbors; n++) {
                protocol.adjacencyUp("n" + n + "-" + "x".repeat(random.nextInt(60)),
                        1 + random.nextInt(NeighborEntry.MAX_METRIC), now);
            }
            List<PrefixEntry> prefixes = new ArrayList<>();
            int count = random.nextInt(400);
            for (int i = 0; i < count; i++) {
                byte[] auth = new byte[random.nextInt(3) == 0 ? random.nextInt(64) : 0];
                random.nextBytes(auth);
                prefixes.add(new PrefixEntry(ServicePrefix.parse("/svc-" + i + "/" + "x".repeat(1 + random.nextInt(60))),
                        random.nextInt(PrefixEntry.MAX_COST + 1), auth));
            }
            protocol.setLocalPrefixes(prefixes, now);
            runFor(100);

            List<LinkStatePdu> own = protocol.lsdb().entries().stream().map(LsdbEntry::pdu)
                    .filter(p -> p.id().origin().equals(ME)).toList();
            assertThat(own.stream().mapToInt(p -> p.prefixes().size()).sum()).isEqualTo(count + 1);
            for (LinkStatePdu p : own) {
                if (p.prefixes().size() > 1) {
                    assertThat(LinkFrameCodec.encodedSize(p)).as("fragment %s of %s bytes", p.id(), budget)
                            .isLessThanOrEqualTo(budget);
                }
            }
        }
    }

    @Test
    void shouldFragmentManyPrefixesAndPurgeFragmentsNoLongerNeeded() {
        start(RoutingConfig.defaults(ME, NodeRole.SR).withMaxLspBytes(1024));
        protocol.adjacencyUp("n1", 10, now);
        List<PrefixEntry> many = new ArrayList<>();
        for (int i = 0; i < 2000; i++) {
            many.add(PrefixEntry.of(ServicePrefix.parse("/svc/" + i), 1));
        }

        protocol.setLocalPrefixes(many, now);
        runFor(100);

        List<LsdbEntry> fragments = ownLive();
        assertThat(fragments.size()).isGreaterThan(10);
        assertThat(fragments.stream().mapToInt(e -> e.pdu().prefixes().size()).sum()).isEqualTo(2001);
        assertThat(fragments.get(0).pdu().neighbors()).extracting(NeighborEntry::nodeId).containsExactly("n1");
        assertThat(fragments.subList(1, fragments.size())).allSatisfy(e -> assertThat(e.pdu().neighbors()).isEmpty());

        protocol.setLocalPrefixes(many.subList(0, 10), now);
        runFor(100);

        assertThat(ownLive()).hasSize(1);
        List<LsdbEntry> purged = protocol.lsdb().entries().stream()
                .filter(e -> e.pdu().id().origin().equals(ME) && e.purged()).toList();
        assertThat(purged).hasSize(fragments.size() - 1);
        assertThat(lspsSentTo("n1")).filteredOn(LinkStatePdu::isPurge).extracting(p -> p.id().fragment())
                .containsExactlyInAnyOrderElementsOf(purged.stream().map(e -> e.pdu().id().fragment()).toList());
        assertThat(protocol.fib().size()).isEqualTo(11);
    }

    @Test
    void shouldPackTheNodePrefixFirstAndListWhatAFullLspLeftOut() {
        start(RoutingConfig.defaults(ME, NodeRole.SR).withMaxLspBytes(512));
        protocol.adjacencyUp("n1", 10, now);
        List<PrefixEntry> many = new ArrayList<>();
        for (int i = 0; i < 3000; i++) {
            // Names that sort before /_dmsc: with sorted packing they pushed the node prefix out.
            many.add(new PrefixEntry(ServicePrefix.parse("/B/" + i + "/" + "x".repeat(40)), 1, new byte[64]));
        }

        protocol.setLocalPrefixes(many, now);
        runFor(100);

        List<LsdbEntry> fragments = ownLive();
        assertThat(fragments).hasSize(LspId.MAX_FRAGMENT + 1);
        assertThat(fragments.get(0).pdu().prefixes().get(0).prefix()).isEqualTo(ServicePrefix.nodePrefix(ME));
        List<ServicePrefix> advertised = fragments.stream().flatMap(e -> e.pdu().prefixes().stream())
                .map(PrefixEntry::prefix).toList();
        assertThat(protocol.notAdvertised()).isNotEmpty().doesNotContainAnyElementsOf(advertised);
        assertThat(advertised.size() + protocol.notAdvertised().size()).isEqualTo(many.size() + 1);
        List<ServicePrefix> given = many.stream().map(PrefixEntry::prefix).toList();
        assertThat(List.copyOf(protocol.notAdvertised()))
                .as("the ones left out are the last given")
                .isEqualTo(given.subList(given.size() - protocol.notAdvertised().size(), given.size()));
        assertThat(protocol.counters().prefixesNotAdvertised).isEqualTo(protocol.notAdvertised().size());

        protocol.setLocalPrefixes(many.subList(0, 100), now);
        runFor(100);
        assertThat(protocol.notAdvertised()).isEmpty();
    }

    @Test
    void shouldAdvertiseEverySetTheBudgetSaysFitsInAnyOrder() {
        Random random = new Random(5);
        for (int round = 0; round < 10; round++) {
            start(RoutingConfig.defaults(ME, NodeRole.SR).withMaxLspBytes(512 + random.nextInt(2048)));
            List<String> neighbours = new ArrayList<>();
            for (int n = 0; n < random.nextInt(6); n++) {
                neighbours.add("n" + n + "x".repeat(random.nextInt(40)));
                protocol.adjacencyUp(neighbours.get(n), 1, now);
            }
            AdvertisementBudget budget = protocol.budget(neighbours);
            List<PrefixEntry> set = new ArrayList<>();
            set.add(PrefixEntry.of(ServicePrefix.nodePrefix(ME), 0));
            long total = AdvertisementBudget.entryBytes(set.get(0));
            int largest = (int) total;
            for (int i = 0; ; i++) {
                PrefixEntry e = new PrefixEntry(ServicePrefix.parse("/s" + i + "/" + "y".repeat(1 + random.nextInt(60))),
                        1, new byte[random.nextInt(3) == 0 ? random.nextInt(120) : 0]);
                int size = AdvertisementBudget.entryBytes(e);
                if (!budget.fits(total + size, Math.max(largest, size))) {
                    break;
                }
                set.add(e);
                total += size;
                largest = Math.max(largest, size);
            }
            java.util.Collections.shuffle(set, random);

            protocol.setLocalPrefixes(set, now);
            runFor(100);

            assertThat(protocol.notAdvertised()).as("round %d: %d entries, %d bytes", round, set.size(), total)
                    .isEmpty();
            assertThat(ownLive().stream().mapToInt(e -> e.pdu().prefixes().size()).sum()).isEqualTo(set.size());
        }
    }

    @Test
    void shouldRefuseLspsBeyondTheLsdbLimitsAndKeepWhatIsHeld() {
        start();
        protocol.limitLsdb(new LsdbLimits(3, 4096, 1 << 20));
        protocol.adjacencyUp("n1", 10, now);
        runFor(10);
        String[] fillers = new String[40];
        for (int i = 0; i < fillers.length; i++) {
            fillers[i] = "/bloat/" + i + "/" + "z".repeat(60);
        }
        // An origin within its bytes, then one that grows past them fragment by fragment.
        receive("n1", lsp("n1", 0, 1, List.of(ME), "/ok"));
        for (int f = 0; f < 10; f++) {
            receive("n1", lsp("big", f, 1, f == 0 ? List.of("n1") : List.of(), fillers));
        }
        long bigBytes = protocol.lsdb().bytesOf("big");
        assertThat(bigBytes).isPositive().isLessThanOrEqualTo(4096);
        assertThat(protocol.lsdbRefusals()).containsKey(LsdbLimits.Refusal.ORIGIN_BYTES);
        assertThat(protocol.pollLsdbRefusal().reason()).isEqualTo(LsdbLimits.Refusal.ORIGIN_BYTES);
        assertThat(protocol.pollLsdbRefusal()).as("polled once").isNull();
        int refusedFragments = (int) (long) protocol.lsdbRefusals().get(LsdbLimits.Refusal.ORIGIN_BYTES);
        assertThat(protocol.lsdb().entries().stream().filter(e -> e.pdu().id().origin().equals("big")).count())
                .isEqualTo(10 - refusedFragments);
        assertThat(lspsSentTo("n1")).noneMatch(p -> p.id().origin().equals("big")
                && p.id().fragment() >= 10 - refusedFragments);

        // me, n1 and big are held: a fourth origin is refused, a newer copy of a held one is not.
        receive("n1", lsp("other", 0, 1, List.of("n1"), "/other"));
        assertThat(protocol.lsdb().get(new LspId("other", 0))).isNull();
        assertThat(protocol.lsdbRefusals()).containsEntry(LsdbLimits.Refusal.ORIGINS, 1L);
        receive("n1", lsp("n1", 0, 2, List.of(ME), "/ok", "/ok2"));
        assertThat(protocol.lsdb().get(new LspId("n1", 0)).pdu().sequence()).isEqualTo(2);
        assertThat(protocol.lsdb().origins()).isEqualTo(3);
    }

    private List<LsdbEntry> ownLive() {
        return protocol.lsdb().entries().stream().filter(e -> e.pdu().id().origin().equals(ME) && !e.purged())
                .collect(Collectors.toList());
    }

    @Test
    void shouldRefreshOwnLspBeforeItExpires() {
        start(RoutingConfig.defaults(ME, NodeRole.SR).withLspTimers(10, 4));
        protocol.adjacencyUp("n1", 10, now);

        runFor(60_000);

        assertThat(protocol.counters().lspsRefreshed).isGreaterThanOrEqualTo(14);
        assertThat(protocol.lsdb().get(new LspId(ME, 0)).purged()).isFalse();
        assertThat(protocol.lsdb().get(new LspId(ME, 0)).remainingLifetimeS(now)).isGreaterThan(5);
    }

    @Test
    void shouldRecoverFromItsOwnSequenceNumberAtTheMaximumAsIso10589Says() {
        RoutingConfig config = RoutingConfig.defaults(ME, NodeRole.SR).withRetransmitIntervalMs(1000)
                .withLspTimers(120, 60);
        start(config);
        protocol.adjacencyUp("n1", 10, now);
        runFor(100);
        // A copy of our own LSP at sequence 2^64-1 arrives (from before a restart, or forged where
        // LSPs are not signed): jumping past it would wrap.
        receive("n1", lsp(ME, 0, -1L, List.of("n1")));
        runFor(100);
        assertThat(protocol.counters().sequenceExhausted).isEqualTo(1);
        LsdbEntry own = protocol.lsdb().get(new LspId(ME, 0));
        assertThat(own.purged()).as("purged at 2^64-1").isTrue();
        assertThat(own.pdu().sequence()).isEqualTo(-1L);
        assertThat(lspsSentTo("n1")).anyMatch(p -> p.id().origin().equals(ME) && p.isPurge() && p.sequence() == -1L);

        // Nothing is originated for MaxAge + ZeroAgeLifetime...
        sent.clear();
        runFor(TimeUnit.SECONDS.toMillis(config.lspLifetimeS() + config.zeroAgeLifetimeS()) - 2000);
        assertThat(lspsSentTo("n1")).noneMatch(p -> p.id().origin().equals(ME) && !p.isPurge());
        // ...then the LSP starts again from sequence number 1.
        runFor(3000);
        assertThat(lspsSentTo("n1")).anyMatch(p -> p.id().origin().equals(ME) && !p.isPurge() && p.sequence() == 1);
        assertThat(protocol.lsdb().get(new LspId(ME, 0)).pdu().sequence()).isEqualTo(1);
        assertThat(protocol.lsdb().get(new LspId(ME, 0)).purged()).isFalse();
    }
}
