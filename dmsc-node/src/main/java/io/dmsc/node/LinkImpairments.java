package io.dmsc.node;

import io.dmsc.node.link.ImpairmentShaper;
import io.dmsc.node.link.LinkChannel;
import io.dmsc.node.link.LinkImpairment;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The impairments set on a node's links, by neighbour (tests, drills, the demo): each applies
 * to the frames this node sends to that neighbour, on the current connection and on every later
 * one, until cleared. A restarted node starts with none. Owned by the conductor thread; the drop
 * counters are incremented on the links' event loops (Micrometer counters are thread-safe).
 *
 * <p>Metrics: {@code dmsc_link_impaired_frames_dropped_total{neighbor,reason=loss|queue}} and
 * {@code dmsc_link_impairments_active}.
 */
public final class LinkImpairments {
    private static final Logger LOG = LoggerFactory.getLogger(LinkImpairments.class);

    /**
     * One neighbour's impairment as {@code /status} shows it.
     *
     * @param neighbor           the neighbour
     * @param delayMs            added delay
     * @param jitterMs           jitter around the delay
     * @param lossPercent        data frames dropped, percent
     * @param rateKbps           rate limit, null for none
     * @param onLink             true if a connection to the neighbour carries it now (false: it
     *                           applies once the neighbour connects)
     * @param framesDroppedLoss  frames dropped by the loss rate since the node started
     * @param framesDroppedQueue frames dropped because too much was held
     */
    public record Status(String neighbor, int delayMs, int jitterMs, double lossPercent, Long rateKbps,
                         boolean onLink, long framesDroppedLoss, long framesDroppedQueue) {
    }

    /** One neighbour's impairment and its drop counters. */
    private record Entry(LinkImpairment impairment, Drops drops) {
    }

    /** The drop counters of one neighbour; kept after a clear, as Prometheus counters must be. */
    private record Drops(Counter loss, Counter queue) implements ImpairmentShaper.DropListener {
        @Override
        public void dropped(ImpairmentShaper.DropReason reason) {
            (reason == ImpairmentShaper.DropReason.LOSS ? loss : queue).increment();
        }
    }

    private final String nodeId;
    private final MeterRegistry registry;
    private final Map<String, Entry> byNeighbor = new TreeMap<>();
    private final Map<String, Drops> drops = new TreeMap<>();
    /** Read by the metrics scrape. */
    private final AtomicInteger active = new AtomicInteger();

    /**
     * @param nodeId   this node, for logs
     * @param registry where the counters go
     */
    LinkImpairments(String nodeId, MeterRegistry registry) {
        this.nodeId = nodeId;
        this.registry = registry;
        Gauge.builder("dmsc_link_impairments_active", active, AtomicInteger::get)
                .description("Links of this node with an impairment set (delay, jitter, loss or rate limit)")
                .register(registry);
    }

    /**
     * Sets a neighbour's impairment, replacing any before, and applies it to the connection.
     *
     * @param neighbor   the neighbour
     * @param impairment what to apply (not none)
     * @param neighbors  the configured neighbours
     * @param channel    the neighbour's connection, or null if it has none
     * @return the impairment
     * @throws IllegalArgumentException if {@code neighbor} is not configured, naming those that are
     */
    LinkImpairment set(String neighbor, LinkImpairment impairment, Collection<String> neighbors, LinkChannel channel) {
        check(neighbor, neighbors);
        if (impairment.isNone()) {
            throw new IllegalArgumentException("impairment: none (expected: a delay, jitter, loss or rate; clear "
                    + "removes an impairment)");
        }
        Entry e = new Entry(impairment, drops.computeIfAbsent(neighbor, this::counters));
        if (channel != null) {
            channel.impair(impairment, e.drops());
        }
        if (byNeighbor.put(neighbor, e) == null) {
            active.incrementAndGet();
        }
        LOG.info("{}: link to {} impaired: {}", nodeId, neighbor, impairment.describe());
        return impairment;
    }

    /**
     * Clears a neighbour's impairment; frames held for it leave at once.
     *
     * @param neighbor  the neighbour
     * @param neighbors the configured neighbours
     * @param channel   the neighbour's connection, or null if it has none
     * @return true if an impairment was set
     * @throws IllegalArgumentException if {@code neighbor} is not configured, naming those that are
     */
    boolean clear(String neighbor, Collection<String> neighbors, LinkChannel channel) {
        check(neighbor, neighbors);
        Entry e = byNeighbor.remove(neighbor);
        if (e == null) {
            return false;
        }
        active.decrementAndGet();
        if (channel != null) {
            channel.impair(null, e.drops());
        }
        LOG.info("{}: link to {} no longer impaired", nodeId, neighbor);
        return true;
    }

    /**
     * A connection to a neighbour now carries its traffic (its hello arrived): it gets the
     * neighbour's impairment, if any.
     *
     * @param neighbor the neighbour
     * @param channel  its connection
     */
    void linkActive(String neighbor, LinkChannel channel) {
        Entry e = byNeighbor.get(neighbor);
        if (e == null) {
            return;
        }
        try {
            channel.impair(e.impairment(), e.drops());
        } catch (RuntimeException ex) {
            LOG.warn("{}: link {} to {} is not impaired: {}", nodeId, channel, neighbor, ex.getMessage());
        }
    }

    /**
     * @param channels the connection of a neighbour, or null
     * @return every impairment set, by neighbour id
     */
    List<Status> status(Function<String, LinkChannel> channels) {
        List<Status> out = new ArrayList<>();
        for (Map.Entry<String, Entry> e : byNeighbor.entrySet()) {
            LinkImpairment i = e.getValue().impairment();
            Drops d = e.getValue().drops();
            out.add(new Status(e.getKey(), i.delayMs(), i.jitterMs(), i.lossPercent(),
                    i.rateKbps() == 0 ? null : i.rateKbps(), channels.apply(e.getKey()) != null,
                    (long) d.loss().count(), (long) d.queue().count()));
        }
        return out;
    }

    private void check(String neighbor, Collection<String> neighbors) {
        if (!neighbors.contains(neighbor)) {
            throw new IllegalArgumentException("peer '" + neighbor + "' is not a neighbour of " + nodeId
                    + " (expected: " + (neighbors.isEmpty() ? "none configured" : "one of "
                    + String.join(", ", new java.util.TreeSet<>(neighbors))) + ")");
        }
    }

    private Drops counters(String neighbor) {
        return new Drops(counter(neighbor, ImpairmentShaper.DropReason.LOSS),
                counter(neighbor, ImpairmentShaper.DropReason.QUEUE));
    }

    private Counter counter(String neighbor, ImpairmentShaper.DropReason reason) {
        return Counter.builder("dmsc_link_impaired_frames_dropped").tag("neighbor", neighbor)
                .tag("reason", reason.label())
                .description("Frames an impairment of the link to the neighbour dropped (loss: drawn by the loss "
                        + "rate; queue: too much held on the link)")
                .register(registry);
    }
}
