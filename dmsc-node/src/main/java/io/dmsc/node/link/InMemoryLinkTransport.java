package io.dmsc.node.link;

import io.dmsc.wire.data.DataFrames;
import io.dmsc.wire.link.LinkFrameCodec;
import io.dmsc.wire.link.LinkMessage;
import io.dmsc.wire.link.MalformedFrameException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Link transport over an {@link InMemoryLinkNetwork}. Every message is encoded into a frame and
 * decoded again on delivery with the same codec as TCP, so the in-memory mesh exercises the same
 * code paths minus the socket. Links can be impaired ({@link LinkChannel#impair}) when the
 * transport is given an event loop: an impaired link's frames pass through an
 * {@link InMemoryImpairmentStage} on that loop. Thread-safe.
 */
public final class InMemoryLinkTransport implements LinkTransport {
    /**
     * Frames live only for the copy into a byte array, released in the same method: leak
     * tracking (paranoid in tests) would cost more than the rest of the delivery.
     */
    private static final UnpooledByteBufAllocator FRAME_ALLOCATOR = new UnpooledByteBufAllocator(false, true);

    private final InMemoryLinkNetwork network;
    private final int maxFrameLength;
    /** Where impaired links hold their frames, or null: links cannot be impaired. */
    private final io.netty.util.concurrent.EventExecutor impairmentLoop;
    private final Set<InMemoryChannel> channels = ConcurrentHashMap.newKeySet();
    private volatile Listener listener;
    private volatile boolean closed;

    /** A listening address and its handler. */
    record Listener(String address, LinkHandler handler, InMemoryLinkTransport transport) {
    }

    /**
     * @param network        the shared medium
     * @param maxFrameLength largest frame, bytes after the length field
     */
    public InMemoryLinkTransport(InMemoryLinkNetwork network, int maxFrameLength) {
        this(network, maxFrameLength, null);
    }

    /**
     * Links that can be impaired.
     *
     * @param network        the shared medium
     * @param maxFrameLength largest frame, bytes after the length field
     * @param impairmentLoop the loop impaired links hold their frames on (the node's data-plane
     *                       loop, as a TCP link's frames are held on its channel's loop), or null
     *                       for links that cannot be impaired
     */
    public InMemoryLinkTransport(InMemoryLinkNetwork network, int maxFrameLength,
                                 io.netty.util.concurrent.EventExecutor impairmentLoop) {
        this.network = network;
        this.maxFrameLength = maxFrameLength;
        this.impairmentLoop = impairmentLoop;
    }

    @Override
    public String listen(String address, LinkHandler handler) {
        Listener l = new Listener(address, handler, this);
        if (!network.register(address, l)) {
            throw new LinkException("cannot listen on " + address + ": already in use (expected: a unique address)",
                    null);
        }
        listener = l;
        return address;
    }

    @Override
    public void dial(String address, Object attachment, LinkHandler handler) {
        Listener target = network.listener(address);
        if (closed || target == null || target.transport().closed) {
            network.deliver(() -> handler.onDialFailed(address, attachment,
                    new LinkException("connection refused: nothing listens on " + address, null)));
            return;
        }
        InMemoryChannel out = new InMemoryChannel(this, handler, true, attachment, address);
        InMemoryChannel in = new InMemoryChannel(target.transport(), target.handler(), false, null, "mem:" + out.id());
        out.peer = in;
        in.peer = out;
        channels.add(out);
        target.transport().channels.add(in);
        network.deliver(() -> {
            if (!in.closed.get()) {
                in.handler.onOpen(in);
            }
            if (!out.closed.get()) {
                out.handler.onOpen(out);
            }
        });
    }

    @Override
    public void close() {
        closed = true;
        Listener l = listener;
        if (l != null) {
            network.unregister(l.address(), l);
        }
        for (InMemoryChannel c : channels) {
            c.close();
        }
    }

    /** One end of an in-memory connection. */
    private static final class InMemoryChannel extends AbstractLinkChannel {
        final InMemoryLinkTransport owner;
        final LinkHandler handler;
        final String remote;
        final AtomicBoolean closed = new AtomicBoolean();
        volatile InMemoryChannel peer;
        /**
         * The link's impairment stage, set by the first {@link #impair} and kept until the link closes;
         * null while the link was never impaired. Read (one volatile read) by every send.
         */
        private final java.util.concurrent.atomic.AtomicReference<InMemoryImpairmentStage> impairment =
                new java.util.concurrent.atomic.AtomicReference<>();

        InMemoryChannel(InMemoryLinkTransport owner, LinkHandler handler, boolean outbound, Object attachment,
                        String remote) {
            super("mem", outbound, attachment);
            this.owner = owner;
            this.handler = handler;
            this.remote = remote;
        }

        @Override
        public boolean send(LinkMessage message) {
            if (closed.get()) {
                return false;
            }
            ByteBuf frame = LinkFrameCodec.encode(message, FRAME_ALLOCATOR);
            byte[] bytes;
            try {
                bytes = new byte[frame.readableBytes()];
                frame.readBytes(bytes);
            } finally {
                frame.release();
            }
            return transmit(bytes);
        }

        private boolean transmit(byte[] bytes) {
            InMemoryImpairmentStage stage = impairment.get();
            if (stage != null) {
                stage.offer(bytes);
                return true;
            }
            return deliver(bytes);
        }

        private boolean deliver(byte[] bytes) {
            InMemoryChannel to = peer;
            boolean queued = owner.network.deliver(() -> to.receive(bytes));
            if (!queued) {
                close();
            }
            return queued;
        }

        /** Runs on the network thread. */
        private void receive(byte[] bytes) {
            if (closed.get()) {
                return;
            }
            // Probes do not keep the adjacency alive (as on TCP links).
            if (bytes.length <= LinkFrameCodec.LENGTH_FIELD + 1
                    || (bytes[LinkFrameCodec.LENGTH_FIELD + 1] & 0xff) != DataFrames.PROBE) {
                received(System.nanoTime());
            }
            ByteBuf frame = Unpooled.wrappedBuffer(bytes);
            LinkMessage decoded;
            try {
                long length = frame.getUnsignedInt(0);
                if (length > owner.maxFrameLength) {
                    throw new MalformedFrameException("oversize", "frame length " + length
                            + " (expected: at most " + owner.maxFrameLength + ")");
                }
                if (bytes.length > LinkFrameCodec.LENGTH_FIELD + 1
                        && bytes[LinkFrameCodec.LENGTH_FIELD] == LinkFrameCodec.VERSION
                        && DataFrames.isDataType(bytes[LinkFrameCodec.LENGTH_FIELD + 1] & 0xff)) {
                    DataFrames.validate(frame);
                    handler.onData(this, frame.retain());
                    return;
                }
                frame.skipBytes(LinkFrameCodec.LENGTH_FIELD);
                decoded = LinkFrameCodec.decode(frame);
            } catch (MalformedFrameException e) {
                handler.onMalformed(this, e);
                close();
                return;
            } finally {
                frame.release();
            }
            handler.onMessage(this, decoded);
        }

        @Override
        public boolean sendData(ByteBuf frame) {
            byte[] bytes;
            try {
                if (closed.get()) {
                    return false;
                }
                bytes = new byte[frame.readableBytes()];
                frame.readBytes(bytes);
            } finally {
                frame.release();
            }
            return transmit(bytes);
        }

        @Override
        public boolean isWritable() {
            return !closed.get();
        }

        @Override
        public void impair(LinkImpairment value, ImpairmentShaper.DropListener drops) {
            io.netty.util.concurrent.EventExecutor loop = owner.impairmentLoop;
            boolean clear = value == null || value.isNone();
            if (loop == null) {
                if (!clear) {
                    throw new UnsupportedOperationException("this in-memory link cannot be impaired (expected: an "
                            + "InMemoryLinkTransport built with an event loop, as Mesh builds them)");
                }
                return;
            }
            InMemoryImpairmentStage stage = impairment.get();
            if (stage == null) {
                if (clear || closed.get()) {
                    return;
                }
                // The first impairment is installed at once, so that every frame sent after this call,
                // from any thread, goes through it; the stage itself is touched only on its loop.
                InMemoryImpairmentStage fresh = new InMemoryImpairmentStage(loop, this::deliver,
                        ImpairmentShaper.create(value, drops));
                if (impairment.compareAndSet(null, fresh)) {
                    if (closed.get()) {
                        // Closed meanwhile: close() may have missed the new stage.
                        runOnImpairmentLoop(fresh::close);
                    }
                    return;
                }
                stage = impairment.get();
            }
            InMemoryImpairmentStage current = stage;
            runOnImpairmentLoop(clear ? current::clear : () -> current.update(value));
        }

        @Override
        public void setReadable(boolean readable) {
            // The in-memory network delivers from one bounded queue; there is no per-link read to pause.
        }

        @Override
        public void close() {
            if (closed.compareAndSet(false, true)) {
                owner.channels.remove(this);
                InMemoryImpairmentStage stage = impairment.get();
                if (stage != null) {
                    runOnImpairmentLoop(stage::close);
                }
                owner.network.deliver(() -> handler.onClosed(this));
                InMemoryChannel p = peer;
                if (p != null) {
                    p.close();
                }
            }
        }

        private void runOnImpairmentLoop(Runnable task) {
            io.netty.util.concurrent.EventExecutor loop = owner.impairmentLoop;
            if (loop.inEventLoop()) {
                task.run();
                return;
            }
            try {
                loop.execute(task);
            } catch (java.util.concurrent.RejectedExecutionException e) {
                // The loop is gone with the node; so are the held frames.
            }
        }

        @Override
        public String remoteAddress() {
            return remote;
        }
    }
}
