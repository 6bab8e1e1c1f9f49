package io.dmsc.node.link;

import io.dmsc.wire.link.LinkFrameCodec;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.ArrayDeque;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The impairment of one in-memory link: frames (already encoded into byte arrays) pass through
 * here on the transport's event loop, are held as the {@link ImpairmentShaper} decides, and are
 * handed to the network in order. Frames sent from another thread (the conductor's) hop to the
 * loop first; frames sent on the loop (the data plane's) are decided at once.
 *
 * <p>Once a link was impaired its stage stays until the connection closes, even after the
 * impairment is cleared (it then passes frames straight on): a frame sent from another thread
 * may still be on its way to the loop, and a frame sent after it must not overtake it by going
 * to the network directly. Event loop only, except {@link #offer}.
 */
final class InMemoryImpairmentStage {
    private final EventExecutor loop;
    private final Consumer<byte[]> network;
    private final ImpairmentShaper shaper;
    private final ArrayDeque<byte[]> held = new ArrayDeque<>();
    private final ArrayDeque<Long> departureNs = new ArrayDeque<>();
    private ScheduledFuture<?> timer;
    /** The impairment was cleared: frames go straight on. */
    private boolean passThrough;
    private boolean closed;

    /**
     * @param loop    the loop frames are decided and held on
     * @param network hands a frame to the network; on the loop
     * @param shaper  decides each frame's fate
     */
    InMemoryImpairmentStage(EventExecutor loop, Consumer<byte[]> network, ImpairmentShaper shaper) {
        this.loop = loop;
        this.network = network;
        this.shaper = shaper;
    }

    /**
     * Takes one frame to send. Any thread.
     *
     * @param frame the whole frame, length field included; not used by the caller afterwards
     */
    void offer(byte[] frame) {
        if (loop.inEventLoop()) {
            admit(frame);
            return;
        }
        try {
            loop.execute(() -> admit(frame));
        } catch (RejectedExecutionException e) {
            // The loop is shutting down with the node: the frame goes with the link.
        }
    }

    private void admit(byte[] frame) {
        if (closed) {
            return;
        }
        if (passThrough) {
            network.accept(frame);
            return;
        }
        int type = frame.length > LinkFrameCodec.LENGTH_FIELD + 1 ? frame[LinkFrameCodec.LENGTH_FIELD + 1] & 0xff : 0;
        long nowNs = loop.ticker().nanoTime();
        long delayNs = shaper.schedule(type, frame.length, nowNs);
        if (delayNs == ImpairmentShaper.DROPPED) {
            return;
        }
        if (delayNs == 0 && held.isEmpty()) {
            network.accept(frame);
            return;
        }
        held.addLast(frame);
        departureNs.addLast(nowNs + delayNs);
        arm(nowNs);
    }

    private void arm(long nowNs) {
        if (timer == null && !departureNs.isEmpty()) {
            timer = loop.schedule(this::release, departureNs.peekFirst() - nowNs, TimeUnit.NANOSECONDS);
        }
    }

    private void release() {
        timer = null;
        long nowNs = loop.ticker().nanoTime();
        while (!departureNs.isEmpty() && departureNs.peekFirst() - nowNs <= 0) {
            departureNs.pollFirst();
            sendHead();
        }
        arm(nowNs);
    }

    private void sendHead() {
        byte[] frame = held.pollFirst();
        shaper.left(frame.length);
        network.accept(frame);
    }

    /** @param next new settings for the frames sent from now on; on the loop */
    void update(LinkImpairment next) {
        shaper.update(next);
        passThrough = false;
    }

    /** Sends every held frame now, in order, and passes later frames straight on. On the loop. */
    void clear() {
        cancelTimer();
        while (!held.isEmpty()) {
            departureNs.pollFirst();
            sendHead();
        }
        passThrough = true;
    }

    /** Discards every held frame: the link closed. On the loop. */
    void close() {
        cancelTimer();
        closed = true;
        while (!held.isEmpty()) {
            shaper.left(held.pollFirst().length);
        }
        departureNs.clear();
    }

    private void cancelTimer() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }

    /** @return frames held now (tests) */
    int heldFrames() {
        return held.size();
    }
}
