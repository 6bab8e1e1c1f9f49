package io.dmsc.node.link;

import io.dmsc.wire.data.DataFrames;
import java.util.concurrent.TimeUnit;
import java.util.random.RandomGenerator;

/**
 * Decides, for each frame a node sends on an impaired link, when it may leave or whether it is
 * dropped ({@link LinkImpairment}). Pure: no clock, no threads, no buffers; the transport holds
 * the frames and passes the time in. Owned by one thread, the link's event loop.
 *
 * <p>A frame's departure is computed in three steps: the token bucket (rate limit) says when it
 * conforms, the delay and a uniform jitter sample are added to that (clamped at 0), and the
 * result is raised to the departure of the frame before it while that one is still held, so
 * that frames on one link never overtake each other (jitter delays a burst, it never reorders
 * it). The token bucket holds {@link #BUCKET_DEPTH_NS} worth of bytes at the configured rate; a
 * frame larger than the bucket still leaves when the bucket is full and leaves the bucket in
 * debt, so the long-run rate is the configured one.
 *
 * <p>Nothing is unbounded: while frames are held, a data frame that would take the held frames
 * beyond {@code maxHeldBytes} or {@code maxHeldFrames} is dropped and counted
 * ({@link DropReason#QUEUE}); control frames (hellos, LSPs, summaries) have twice that room, so
 * that a flood of data does not take the adjacency down before the data is dropped, and are
 * dropped beyond it.
 */
public final class ImpairmentShaper {
    /** What {@link #schedule} returns for a dropped frame. */
    public static final long DROPPED = -1;
    /** Default bound of the bytes held on one link. */
    public static final long DEFAULT_MAX_HELD_BYTES = 4L << 20;
    /** Default bound of the frames held on one link. */
    public static final int DEFAULT_MAX_HELD_FRAMES = 65_536;
    /** How much traffic the token bucket holds, in time at the configured rate. */
    public static final long BUCKET_DEPTH_NS = TimeUnit.MILLISECONDS.toNanos(10);

    /** Why a frame was dropped; {@link #label()} is the metric's {@code reason}. */
    public enum DropReason {
        /** The loss rate drew it. */
        LOSS("loss"),
        /** Too much was held on the link already. */
        QUEUE("queue");

        private final String label;

        DropReason(String label) {
            this.label = label;
        }

        /** @return the metric label */
        public String label() {
            return label;
        }
    }

    /** Told of every dropped frame, on the link's event loop. */
    @FunctionalInterface
    public interface DropListener {
        /** Counts nothing. */
        DropListener NONE = reason -> {
        };

        /** @param reason why the frame was dropped */
        void dropped(DropReason reason);
    }

    private final RandomGenerator random;
    private final DropListener drops;
    private final long maxHeldBytes;
    private final int maxHeldFrames;
    private LinkImpairment impairment;
    /** Theoretical arrival time of the token bucket (GCRA): when the bucket is next empty of debt. */
    private long bucketNs;
    private boolean bucketStarted;
    /** Departure of the last frame admitted; meaningful while frames are held. */
    private long lastDepartureNs;
    private long heldBytes;
    private int heldFrames;
    private long droppedLoss;
    private long droppedQueue;

    /**
     * @param impairment    what to apply
     * @param random        source of the loss and jitter draws
     * @param drops         told of every drop
     * @param maxHeldBytes  bound of the bytes held for data frames (twice that for control frames)
     * @param maxHeldFrames bound of the frames held for data frames (twice that for control frames)
     */
    public ImpairmentShaper(LinkImpairment impairment, RandomGenerator random, DropListener drops, long maxHeldBytes,
                            int maxHeldFrames) {
        if (maxHeldBytes < 1) {
            throw new IllegalArgumentException("maxHeldBytes: " + maxHeldBytes + " (expected: > 0)");
        }
        if (maxHeldFrames < 1) {
            throw new IllegalArgumentException("maxHeldFrames: " + maxHeldFrames + " (expected: > 0)");
        }
        this.impairment = java.util.Objects.requireNonNull(impairment, "impairment");
        this.random = java.util.Objects.requireNonNull(random, "random");
        this.drops = java.util.Objects.requireNonNull(drops, "drops");
        this.maxHeldBytes = maxHeldBytes;
        this.maxHeldFrames = maxHeldFrames;
    }

    /**
     * @param impairment    what to apply
     * @param drops         told of every drop
     * @return a shaper with the default bounds and its own random source
     */
    public static ImpairmentShaper create(LinkImpairment impairment, DropListener drops) {
        return new ImpairmentShaper(impairment, new java.util.SplittableRandom(), drops, DEFAULT_MAX_HELD_BYTES,
                DEFAULT_MAX_HELD_FRAMES);
    }

    /**
     * Applies new settings to the frames sent from now on; frames already held keep their
     * departure, and later frames still leave after them.
     *
     * @param next the new impairment
     */
    public void update(LinkImpairment next) {
        impairment = java.util.Objects.requireNonNull(next, "next");
    }

    /** @return the impairment in force */
    public LinkImpairment impairment() {
        return impairment;
    }

    /**
     * Decides the fate of one frame. A frame with a delay above 0, or any frame while others are
     * held, must be held by the caller (in order) until its delay has passed, and then reported
     * with {@link #left}; a frame with delay 0 while nothing is held goes out at once.
     *
     * @param type  the frame's type byte (data frames are 16..24)
     * @param bytes the frame's size, length field included
     * @param nowNs the link loop's clock
     * @return the delay in nanoseconds before the frame may leave (&gt;= 0), or {@link #DROPPED}
     */
    public long schedule(int type, int bytes, long nowNs) {
        LinkImpairment imp = impairment;
        boolean data = DataFrames.isDataType(type);
        if (data && imp.lossPercent() > 0 && random.nextDouble() * 100 < imp.lossPercent()) {
            droppedLoss++;
            drops.dropped(DropReason.LOSS);
            return DROPPED;
        }
        long conformsNs = nowNs;
        long nextBucketNs = bucketNs;
        long bytesPerS = imp.bytesPerSecond();
        if (bytesPerS > 0) {
            if (!bucketStarted || nextBucketNs - nowNs < 0) {
                nextBucketNs = nowNs;
            }
            long earliest = nextBucketNs - BUCKET_DEPTH_NS;
            if (earliest - nowNs > 0) {
                conformsNs = earliest;
            }
            nextBucketNs += Math.max(1, bytes * 1_000_000_000L / bytesPerS);
        }
        long delayNs = imp.delayNs();
        if (imp.jitterMs() > 0) {
            long jitterNs = imp.jitterNs();
            delayNs = Math.max(0, delayNs + random.nextLong(-jitterNs, jitterNs + 1));
        }
        long departureNs = conformsNs + delayNs;
        if (heldFrames > 0 && departureNs - lastDepartureNs < 0) {
            departureNs = lastDepartureNs;
        }
        if (heldFrames > 0 || departureNs - nowNs > 0) {
            long byteBound = data ? maxHeldBytes : 2 * maxHeldBytes;
            int frameBound = data ? maxHeldFrames : 2 * maxHeldFrames;
            if (heldBytes + bytes > byteBound || heldFrames >= frameBound) {
                droppedQueue++;
                drops.dropped(DropReason.QUEUE);
                return DROPPED;
            }
            heldBytes += bytes;
            heldFrames++;
        }
        if (bytesPerS > 0) {
            bucketNs = nextBucketNs;
            bucketStarted = true;
        }
        lastDepartureNs = departureNs;
        return departureNs - nowNs;
    }

    /**
     * A held frame left the link (or was discarded with the link).
     *
     * @param bytes its size, as given to {@link #schedule}
     */
    public void left(int bytes) {
        heldBytes -= bytes;
        heldFrames--;
    }

    /** @return frames held now */
    public int heldFrames() {
        return heldFrames;
    }

    /** @return bytes held now */
    public long heldBytes() {
        return heldBytes;
    }

    /** @return frames dropped by the loss rate */
    public long droppedLoss() {
        return droppedLoss;
    }

    /** @return frames dropped because too much was held */
    public long droppedQueue() {
        return droppedQueue;
    }
}
