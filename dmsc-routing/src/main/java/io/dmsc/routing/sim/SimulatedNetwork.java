package io.dmsc.routing.sim;

import io.dmsc.routing.Fib;
import io.dmsc.routing.LinkStateOutput;
import io.dmsc.routing.LinkStateProtocol;
import io.dmsc.routing.RoutingConfig;
import io.dmsc.wire.link.CompleteSummary;
import io.dmsc.wire.link.LinkMessage;
import io.dmsc.wire.link.LinkStatePdu;
import io.dmsc.wire.link.PartialSummary;
import io.dmsc.wire.link.PrefixEntry;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Random;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * Discrete-event simulation of many {@link LinkStateProtocol} instances connected by in-memory
 * links, on a fake clock. Used by flooding tests (loss, duplication, reordering, restart) and
 * by the convergence simulator benchmark (1,000+ nodes in one JVM). Adjacencies are brought
 * up and down directly; the hello state machine is tested on its own. Single-threaded.
 */
public final class SimulatedNetwork {
    private final Function<String, RoutingConfig> configs;
    private final Random random;
    private final Map<String, SimNode> nodes = new TreeMap<>();
    private final Map<LinkKey, Link> links = new HashMap<>();
    private final PriorityQueue<Event> events = new PriorityQueue<>();
    private long nowNs;
    private long sequence;
    /** Deliveries (not timers) in {@link #events}, so quiet detection does not scan the queue. */
    private long messagesInFlight;
    private long latencyNs = 100_000;
    private double lossRate;
    private double duplicateRate;
    private long reorderJitterNs;
    private boolean dutyCyclePerInstant;
    /** Nodes that received messages at the current instant and have not run their duty cycle yet. */
    private final java.util.Set<SimNode> drained = new java.util.LinkedHashSet<>();
    private final Map<String, Long> messagesSent = new TreeMap<>();
    private java.util.function.BiConsumer<String, Fib> fibObserver = (node, fib) -> { };

    /** One simulated node. */
    private final class SimNode implements LinkStateOutput {
        final String id;
        LinkStateProtocol protocol;
        Collection<PrefixEntry> prefixes = List.of();
        long lastFibChangeNs;
        long scheduledNs = Long.MAX_VALUE;
        int incarnation;

        SimNode(String id) {
            this.id = id;
        }

        @Override
        public void send(String neighborId, LinkMessage message) {
            messagesSent.merge(message.getClass().getSimpleName(), 1L, Long::sum);
            Link link = links.get(key(id, neighborId));
            if (link == null || !link.up) {
                return;
            }
            if (lossRate > 0 && random.nextDouble() < lossRate) {
                return;
            }
            int copies = duplicateRate > 0 && random.nextDouble() < duplicateRate ? 2 : 1;
            for (int i = 0; i < copies; i++) {
                long jitter = reorderJitterNs > 0 ? (long) (random.nextDouble() * reorderJitterNs) : 0;
                events.add(new Event(nowNs + latencyNs + jitter, sequence++, neighborId, id, message,
                        link.epoch, incarnationOf(neighborId)));
                messagesInFlight++;
            }
        }

        @Override
        public void routesChanged(Fib fib) {
            lastFibChangeNs = nowNs;
            fibObserver.accept(id, fib);
        }
    }

    private static final class Link {
        final String a;
        final String b;
        final int metric;
        boolean up;
        long epoch;

        Link(String a, String b, int metric) {
            this.a = a;
            this.b = b;
            this.metric = metric;
        }
    }

    /**
     * A delivery (message != null) or a timer (message == null). A delivery carries the link
     * epoch and the receiver's incarnation so messages in flight on a link that failed, or to a
     * node that restarted, are dropped as a real connection's would be.
     */
    private record Event(long timeNs, long seq, String to, String from, LinkMessage message, long epoch,
                         int incarnation) implements Comparable<Event> {
        @Override
        public int compareTo(Event o) {
            int c = Long.compare(timeNs, o.timeNs);
            return c != 0 ? c : Long.compare(seq, o.seq);
        }
    }

    /**
     * @param configs settings per node id
     * @param seed    seed of the random faults
     */
    public SimulatedNetwork(Function<String, RoutingConfig> configs, long seed) {
        this.configs = configs;
        this.random = new Random(seed);
    }

    /**
     * Runs a node's duty cycle once after every message that arrives at the same simulated
     * instant, as a node's conductor drains its inbound queue before one duty cycle, instead of
     * once after each message (the default).
     *
     * @param value true to batch
     * @return this
     */
    public SimulatedNetwork dutyCyclePerInstant(boolean value) {
        this.dutyCyclePerInstant = value;
        return this;
    }

    /**
     * @param ns one-way latency of every link
     * @return this
     */
    public SimulatedNetwork latencyNs(long ns) {
        this.latencyNs = ns;
        return this;
    }

    /**
     * Random faults applied to every message.
     *
     * @param loss      probability a message is lost
     * @param duplicate probability a message is delivered twice
     * @param jitterNs  extra random delay up to this, which reorders messages
     * @return this
     */
    public SimulatedNetwork faults(double loss, double duplicate, long jitterNs) {
        this.lossRate = loss;
        this.duplicateRate = duplicate;
        this.reorderJitterNs = jitterNs;
        return this;
    }

    private int incarnationOf(String id) {
        SimNode n = nodes.get(id);
        return n == null ? -1 : n.incarnation;
    }

    /**
     * An unordered pair of node ids. A record rather than a concatenated string: its hash reuses
     * the ids' cached hashes, which matters at one lookup per message.
     */
    private record LinkKey(String low, String high) {
    }

    private static LinkKey key(String a, String b) {
        return a.compareTo(b) < 0 ? new LinkKey(a, b) : new LinkKey(b, a);
    }

    /**
     * Adds a node and starts its protocol.
     *
     * @param id       node id
     * @param prefixes prefixes it originates
     */
    public void addNode(String id, Collection<PrefixEntry> prefixes) {
        SimNode n = new SimNode(id);
        n.prefixes = List.copyOf(prefixes);
        nodes.put(id, n);
        start(n);
    }

    private void start(SimNode n) {
        n.protocol = new LinkStateProtocol(configs.apply(n.id), n, () -> nowNs, nowNs);
        n.protocol.setLocalPrefixes(n.prefixes, nowNs);
        touch(n);
    }

    /**
     * Connects two nodes and brings the adjacency up at both ends.
     *
     * @param a      a node
     * @param b      another node
     * @param metric link metric
     */
    public void addLink(String a, String b, int metric) {
        Link l = new Link(a, b, metric);
        links.put(key(a, b), l);
        linkUp(a, b);
    }

    /**
     * Brings a configured link up (again).
     *
     * @param a one end
     * @param b other end
     */
    public void linkUp(String a, String b) {
        Link l = links.get(key(a, b));
        l.up = true;
        l.epoch++;
        nodes.get(l.a).protocol.adjacencyUp(l.b, l.metric, nowNs);
        nodes.get(l.b).protocol.adjacencyUp(l.a, l.metric, nowNs);
        touch(nodes.get(l.a));
        touch(nodes.get(l.b));
    }

    /**
     * Fails a link: both ends see the adjacency go down and messages in flight are lost.
     *
     * @param a one end
     * @param b other end
     */
    public void linkDown(String a, String b) {
        Link l = links.get(key(a, b));
        if (l == null || !l.up) {
            return;
        }
        l.up = false;
        l.epoch++;
        nodes.get(l.a).protocol.adjacencyDown(l.b, nowNs);
        nodes.get(l.b).protocol.adjacencyDown(l.a, nowNs);
        touch(nodes.get(l.a));
        touch(nodes.get(l.b));
    }

    /**
     * Restarts a node: its state is lost (sequence numbers start again at 1) and its links come
     * back up at once.
     *
     * @param id the node
     */
    public void restart(String id) {
        SimNode n = nodes.get(id);
        List<Link> mine = new ArrayList<>();
        for (Link l : links.values()) {
            if (l.up && (l.a.equals(id) || l.b.equals(id))) {
                mine.add(l);
            }
        }
        for (Link l : mine) {
            linkDown(l.a, l.b);
        }
        n.incarnation++;
        // The old incarnation's pending timer event will be dropped as stale: forget it, or
        // touch() would never schedule a timer of the new incarnation earlier than it.
        n.scheduledNs = Long.MAX_VALUE;
        start(n);
        for (Link l : mine) {
            linkUp(l.a, l.b);
        }
    }

    /**
     * Changes the prefixes a node originates.
     *
     * @param id       the node
     * @param prefixes its new prefixes
     */
    public void setPrefixes(String id, Collection<PrefixEntry> prefixes) {
        SimNode n = nodes.get(id);
        n.prefixes = List.copyOf(prefixes);
        n.protocol.setLocalPrefixes(n.prefixes, nowNs);
        touch(n);
    }

    private void touchDrained() {
        if (drained.isEmpty()) {
            return;
        }
        List<SimNode> due = new ArrayList<>(drained);
        drained.clear();
        for (SimNode d : due) {
            touch(d);
        }
    }

    private void touch(SimNode n) {
        n.protocol.doWork(nowNs);
        long next = n.protocol.nextDeadlineNs(nowNs);
        if (next <= nowNs) {
            next = nowNs + 1;
        }
        if (next != Long.MAX_VALUE && next < n.scheduledNs) {
            n.scheduledNs = next;
            events.add(new Event(next, sequence++, n.id, null, null, 0, n.incarnation));
        }
    }

    /**
     * Sees every FIB a node publishes, at the moment it is published (for checks of transient
     * states that the end state hides).
     *
     * @param observer called with the node id and its new FIB
     */
    public void observeFibs(java.util.function.BiConsumer<String, Fib> observer) {
        this.fibObserver = java.util.Objects.requireNonNull(observer, "observer");
    }

    /**
     * Runs events until nothing happens before {@code untilNs} (timers further out, such as
     * LSP refresh, are left for later).
     *
     * @param durationNs how far to run at most, from now
     * @return number of events processed
     */
    public long runFor(long durationNs) {
        long until = nowNs + durationNs;
        long processed = 0;
        while (!events.isEmpty() && events.peek().timeNs() <= until) {
            Event e = events.poll();
            if (e.message() != null) {
                messagesInFlight--;
            }
            nowNs = Math.max(nowNs, e.timeNs());
            SimNode n = nodes.get(e.to());
            if (n == null || e.incarnation() != n.incarnation) {
                continue;
            }
            if (e.message() == null) {
                if (e.timeNs() != n.scheduledNs) {
                    continue;
                }
                n.scheduledNs = Long.MAX_VALUE;
            } else {
                Link l = links.get(key(e.from(), e.to()));
                if (l == null || !l.up || l.epoch != e.epoch()) {
                    continue;
                }
                n.protocol.receive(e.from(), e.message(), nowNs);
                if (dutyCyclePerInstant) {
                    processed++;
                    drained.add(n);
                    Event next = events.peek();
                    if (next == null || next.timeNs() > nowNs || next.timeNs() > until) {
                        touchDrained();
                    }
                    continue;
                }
            }
            processed++;
            touch(n);
        }
        touchDrained();
        nowNs = Math.max(nowNs, until);
        return processed;
    }

    /**
     * Runs until no message is in flight and no node has work due within {@code quietNs}.
     *
     * @param maxNs   give up after this long
     * @param quietNs how far ahead a pending timer counts as activity
     * @return simulated time elapsed
     */
    public long runUntilQuiet(long maxNs, long quietNs) {
        long start = nowNs;
        while (nowNs - start < maxNs) {
            Event head = events.peek();
            if (head == null || (messagesInFlight == 0 && head.timeNs() - nowNs > quietNs)) {
                break;
            }
            runFor(Math.max(1, head.timeNs() - nowNs));
        }
        return nowNs - start;
    }

    /** @return current simulated time */
    public long nowNs() {
        return nowNs;
    }

    /**
     * @param id a node
     * @return its protocol, for inspection
     */
    public LinkStateProtocol protocol(String id) {
        return nodes.get(id).protocol;
    }

    /**
     * @param id a node
     * @return when its FIB last changed, in simulated time
     */
    public long lastFibChangeNs(String id) {
        return nodes.get(id).lastFibChangeNs;
    }

    /** @return latest FIB change of any node */
    public long lastFibChangeNs() {
        long max = 0;
        for (SimNode n : nodes.values()) {
            max = Math.max(max, n.lastFibChangeNs);
        }
        return max;
    }

    /** @return node ids, sorted */
    public List<String> nodeIds() {
        return new ArrayList<>(nodes.keySet());
    }

    /** @return messages sent by type (LinkStatePdu, PartialSummary, CompleteSummary) since the last reset */
    public Map<String, Long> messagesSent() {
        return new TreeMap<>(messagesSent);
    }

    /** @return LSP transmissions since the last reset */
    public long lspTransmissions() {
        return messagesSent.getOrDefault(LinkStatePdu.class.getSimpleName(), 0L);
    }

    /** @return summary transmissions since the last reset */
    public long summaryTransmissions() {
        return messagesSent.getOrDefault(PartialSummary.class.getSimpleName(), 0L)
                + messagesSent.getOrDefault(CompleteSummary.class.getSimpleName(), 0L);
    }

    /** Clears the message counters. */
    public void resetCounters() {
        messagesSent.clear();
    }
}
