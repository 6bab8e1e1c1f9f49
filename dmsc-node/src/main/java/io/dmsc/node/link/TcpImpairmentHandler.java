package io.dmsc.node.link;

import io.dmsc.wire.link.LinkFrameCodec;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.PendingWriteQueue;
import io.netty.util.concurrent.ScheduledFuture;
import java.nio.channels.ClosedChannelException;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;

/**
 * The impairment of one TCP link: sits in the pipeline between the frame encoder and the TLS
 * handler, so it sees every outgoing frame encoded (hellos and LSPs as well as data frames), and
 * holds frames as its {@link ImpairmentShaper} decides. Present only while the link is impaired:
 * an unimpaired link has no such handler and pays nothing.
 *
 * <p>Held frames are in a {@link PendingWriteQueue}, so they count towards the channel's
 * write-buffer water marks: a rate-limited link becomes unwritable as a slow real link does, and
 * the data plane's back-pressure applies. One timer, on the channel's event loop, waits for the
 * first held frame; frames leave in the order they came. Held frames are released when the
 * channel closes, and written at once when the impairment is cleared ({@link #sendAllNow}).
 * Time is the event loop's {@link io.netty.util.concurrent.Ticker}, so tests move it by hand.
 * Event loop only.
 */
final class TcpImpairmentHandler extends ChannelDuplexHandler {
    /** The handler's name in the pipeline. */
    static final String NAME = "impair";

    private final ImpairmentShaper shaper;
    /** Departure of each held frame, in the order of {@link #held}. */
    private final ArrayDeque<Long> departureNs = new ArrayDeque<>();
    private PendingWriteQueue held;
    private ChannelHandlerContext ctx;
    private ScheduledFuture<?> timer;
    /**
     * True while held frames are being written: a frame written meanwhile (a writability change
     * the write caused can make the data plane write) queues behind them instead of overtaking
     * the one being written.
     */
    private boolean releasing;

    /** @param shaper decides each frame's fate */
    TcpImpairmentHandler(ImpairmentShaper shaper) {
        this.shaper = shaper;
    }

    /** @param next new settings for the frames written from now on */
    void update(LinkImpairment next) {
        shaper.update(next);
    }

    @Override
    public void handlerAdded(ChannelHandlerContext context) {
        ctx = context;
        held = new PendingWriteQueue(context);
    }

    @Override
    public void write(ChannelHandlerContext context, Object msg, ChannelPromise promise) {
        if (!(msg instanceof ByteBuf frame) || frame.readableBytes() < LinkFrameCodec.LENGTH_FIELD
                + LinkFrameCodec.HEADER_AFTER_LENGTH) {
            context.write(msg, promise);
            return;
        }
        int bytes = frame.readableBytes();
        int type = frame.getUnsignedByte(frame.readerIndex() + LinkFrameCodec.LENGTH_FIELD + 1);
        long nowNs = context.executor().ticker().nanoTime();
        long delayNs = shaper.schedule(type, bytes, nowNs);
        if (delayNs == ImpairmentShaper.DROPPED) {
            frame.release();
            // The frame is lost on the wire, not refused: the writer learns nothing, as on a real link.
            promise.trySuccess();
            return;
        }
        if (delayNs == 0 && held.isEmpty() && !releasing) {
            context.write(frame, promise);
            return;
        }
        held.add(frame, promise);
        departureNs.addLast(nowNs + delayNs);
        arm(nowNs);
    }

    private void arm(long nowNs) {
        if (timer == null && !departureNs.isEmpty()) {
            timer = ctx.executor().schedule(this::release, departureNs.peekFirst() - nowNs, TimeUnit.NANOSECONDS);
        }
    }

    /** Writes every held frame whose time has come, then waits for the next. */
    private void release() {
        timer = null;
        long nowNs = ctx.executor().ticker().nanoTime();
        boolean wrote = false;
        releasing = true;
        try {
            while (!departureNs.isEmpty() && departureNs.peekFirst() - nowNs <= 0) {
                departureNs.pollFirst();
                writeHead();
                wrote = true;
            }
        } finally {
            releasing = false;
        }
        if (wrote) {
            ctx.flush();
        }
        arm(nowNs);
    }

    private void writeHead() {
        int bytes = ((ByteBuf) held.current()).readableBytes();
        // Counted as held until written: a frame written meanwhile is scheduled behind it.
        held.removeAndWrite();
        shaper.left(bytes);
    }

    /** Writes every held frame now, in order (the impairment is being cleared). */
    void sendAllNow() {
        cancelTimer();
        releasing = true;
        try {
            while (!held.isEmpty()) {
                departureNs.pollFirst();
                writeHead();
            }
        } finally {
            releasing = false;
        }
        ctx.flush();
    }

    private void discardAll() {
        cancelTimer();
        while (!held.isEmpty()) {
            shaper.left(((ByteBuf) held.current()).readableBytes());
            // Releases the frame and fails its promise.
            held.removeAndFail(new ClosedChannelException());
        }
        departureNs.clear();
    }

    private void cancelTimer() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext context) throws Exception {
        discardAll();
        super.channelInactive(context);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext context) {
        // After sendAllNow nothing is left; when the pipeline is torn down with the channel, this
        // releases what is.
        discardAll();
    }

    /** @return frames held now (tests) */
    int heldFrames() {
        return held.size();
    }
}
