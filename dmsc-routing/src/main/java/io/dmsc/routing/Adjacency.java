package io.dmsc.routing;

import io.dmsc.wire.link.HelloMessage;
import io.dmsc.wire.link.LinkFrameCodec;
import io.dmsc.wire.link.NodeRole;
import java.util.concurrent.TimeUnit;

/**
 * Adjacency state machine of one link: hello scheduling, two-way check and hold timer.
 * Pure: time is passed in. Owned by the node's conductor thread.
 */
public final class Adjacency {
    private final String localId;
    private final NodeRole localRole;
    private final long helloIntervalNs;
    private final int holdTimeMs;

    private AdjacencyState state = AdjacencyState.DOWN;
    private String neighborId = "";
    private NodeRole neighborRole;
    private long holdExpiresNs = Long.MAX_VALUE;
    private long neighborHoldNs;
    private long nextHelloNs;

    /**
     * @param localId         this node
     * @param localRole       this node's role
     * @param helloIntervalMs hello period
     * @param holdTimeMs      hold time this node asks its neighbour to apply
     * @param nowNs           current time; the first hello is due at once
     */
    public Adjacency(String localId, NodeRole localRole, long helloIntervalMs, int holdTimeMs, long nowNs) {
        if (helloIntervalMs < 1) {
            throw new IllegalArgumentException("helloIntervalMs: " + helloIntervalMs + " (expected: > 0)");
        }
        if (holdTimeMs <= helloIntervalMs) {
            throw new IllegalArgumentException("holdTimeMs: " + holdTimeMs + " (expected: > helloIntervalMs "
                    + helloIntervalMs + ")");
        }
        this.localId = localId;
        this.localRole = localRole;
        this.helloIntervalNs = TimeUnit.MILLISECONDS.toNanos(helloIntervalMs);
        this.holdTimeMs = holdTimeMs;
        this.nextHelloNs = nowNs;
    }

    /** Outcome of an input: whether the adjacency went up or down. */
    public enum Transition {
        /** Nothing that changes routing. */
        NONE,
        /** Became UP. */
        UP,
        /** Left UP. */
        DOWN
    }

    /**
     * A hello arrived on the link.
     *
     * @param hello the hello
     * @param nowNs current time
     * @return the transition it caused
     * @throws IllegalStateException if the hello comes from another node than the one this
     *                               link first heard: the caller closes the link
     */
    public Transition onHello(HelloMessage hello, long nowNs) {
        if (!neighborId.isEmpty() && !neighborId.equals(hello.nodeId())) {
            throw new IllegalStateException("hello from '" + hello.nodeId() + "' on a link to '" + neighborId
                    + "' (expected: the same node id for the life of a link)");
        }
        if (hello.nodeId().equals(localId)) {
            throw new IllegalStateException("hello carries our own node id '" + localId
                    + "' (expected: a distinct node id; is this link looped back?)");
        }
        boolean firstHello = neighborId.isEmpty();
        neighborId = hello.nodeId();
        neighborRole = hello.role();
        neighborHoldNs = TimeUnit.MILLISECONDS.toNanos(hello.holdTimeMs());
        holdExpiresNs = nowNs + neighborHoldNs;
        AdjacencyState before = state;
        state = localId.equals(hello.heardNodeId()) ? AdjacencyState.UP : AdjacencyState.INIT;
        if (firstHello || before != state) {
            // Answer at once so the two-way check completes in one round trip, not one interval.
            nextHelloNs = nowNs;
        }
        return transition(before);
    }

    /**
     * Any other frame from the neighbour also proves it alive and restarts the hold timer, as
     * BGP restarts it on UPDATE as well as KEEPALIVE (RFC 4271 section 4.4): a hello queued
     * behind a burst of LSPs must not bring down a link that is demonstrably working.
     *
     * @param nowNs current time
     */
    public void onTraffic(long nowNs) {
        if (state != AdjacencyState.DOWN && neighborHoldNs > 0) {
            holdExpiresNs = Math.max(holdExpiresNs, nowNs + neighborHoldNs);
        }
    }

    /**
     * @param nowNs current time
     * @return true if {@link #onTimer} would bring the adjacency down now (nothing changes)
     */
    public boolean holdExpired(long nowNs) {
        return state != AdjacencyState.DOWN && nowNs - holdExpiresNs >= 0;
    }

    /**
     * Checks the hold timer.
     *
     * @param nowNs current time
     * @return DOWN if the hold time passed without a hello
     */
    public Transition onTimer(long nowNs) {
        if (state != AdjacencyState.DOWN && nowNs - holdExpiresNs >= 0) {
            AdjacencyState before = state;
            state = AdjacencyState.DOWN;
            holdExpiresNs = Long.MAX_VALUE;
            return transition(before);
        }
        return Transition.NONE;
    }

    /**
     * The link's connection closed: an immediate down.
     *
     * @return DOWN if the adjacency was up
     */
    public Transition onLinkClosed() {
        AdjacencyState before = state;
        state = AdjacencyState.DOWN;
        holdExpiresNs = Long.MAX_VALUE;
        return transition(before);
    }

    private Transition transition(AdjacencyState before) {
        if (before != AdjacencyState.UP && state == AdjacencyState.UP) {
            return Transition.UP;
        }
        if (before == AdjacencyState.UP && state != AdjacencyState.UP) {
            return Transition.DOWN;
        }
        return Transition.NONE;
    }

    /**
     * Returns the hello to send if one is due, and schedules the next.
     *
     * @param nowNs current time
     * @return the hello, or null if none is due
     */
    public HelloMessage pollHello(long nowNs) {
        if (nowNs - nextHelloNs < 0) {
            return null;
        }
        nextHelloNs = nowNs + helloIntervalNs;
        // Once the hold timer ran out we no longer hear the neighbour: saying so takes its side
        // of the adjacency down too, instead of leaving it up towards a link that lost us.
        String heard = state == AdjacencyState.DOWN ? "" : neighborId;
        return new HelloMessage(LinkFrameCodec.VERSION, localId, holdTimeMs, heard, localRole);
    }

    /**
     * @param nowNs current time
     * @return when {@link #pollHello} or {@link #onTimer} next has work
     */
    public long nextDeadlineNs(long nowNs) {
        return Math.min(nextHelloNs, holdExpiresNs);
    }

    /** @return the state */
    public AdjacencyState state() {
        return state;
    }

    /** @return the neighbour's node id, empty until a hello arrived */
    public String neighborId() {
        return neighborId;
    }

    /** @return the neighbour's role, or null until a hello arrived */
    public NodeRole neighborRole() {
        return neighborRole;
    }
}
