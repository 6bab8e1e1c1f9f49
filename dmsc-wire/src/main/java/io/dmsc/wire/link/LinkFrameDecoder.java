package io.dmsc.wire.link;

import io.dmsc.wire.data.DataFrames;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.util.List;

/**
 * Netty decoder of link frames (layout in {@link LinkFrameCodec}). Emits {@link LinkMessage}s
 * for link-state frames and, for data frames (types 16 and up, {@link DataFrames}), the whole
 * frame as a retained {@link ByteBuf} slice, length field included; ownership of that buffer
 * passes to the next handler.
 * A malformed frame raises {@link MalformedFrameException}; after the first one the decoder
 * discards all further input, so the pipeline's exception handler sees one error per link and
 * closes it. Runs on the channel's event loop.
 */
public final class LinkFrameDecoder extends ByteToMessageDecoder {
    private final int maxFrameLength;
    private boolean failed;

    /**
     * @param maxFrameLength largest frame accepted, in bytes after the length field
     */
    public LinkFrameDecoder(int maxFrameLength) {
        if (maxFrameLength < LinkFrameCodec.HEADER_AFTER_LENGTH) {
            throw new IllegalArgumentException("maxFrameLength: " + maxFrameLength + " (expected: >= 2)");
        }
        this.maxFrameLength = maxFrameLength;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (failed) {
            in.skipBytes(in.readableBytes());
            return;
        }
        if (in.readableBytes() < LinkFrameCodec.LENGTH_FIELD) {
            return;
        }
        long length = in.getUnsignedInt(in.readerIndex());
        if (length < LinkFrameCodec.HEADER_AFTER_LENGTH) {
            fail(in);
            throw new MalformedFrameException("length", "frame length " + length
                    + " (expected: at least " + LinkFrameCodec.HEADER_AFTER_LENGTH + ")");
        }
        if (length > maxFrameLength) {
            fail(in);
            throw new MalformedFrameException("oversize", "frame length " + length
                    + " (expected: at most " + maxFrameLength + ")");
        }
        if (in.readableBytes() < LinkFrameCodec.LENGTH_FIELD + length) {
            return;
        }
        int start = in.readerIndex();
        if (in.getUnsignedByte(start + LinkFrameCodec.LENGTH_FIELD) == LinkFrameCodec.VERSION
                && DataFrames.isDataType(in.getUnsignedByte(start + LinkFrameCodec.LENGTH_FIELD + 1))) {
            // Data frames travel on as the bytes received, length field included, so a transit
            // node forwards them without copying.
            ByteBuf data = in.readRetainedSlice(LinkFrameCodec.LENGTH_FIELD + (int) length);
            try {
                DataFrames.validate(data);
            } catch (MalformedFrameException e) {
                data.release();
                fail(in);
                throw e;
            }
            out.add(data);
            return;
        }
        in.skipBytes(LinkFrameCodec.LENGTH_FIELD);
        ByteBuf frame = in.readSlice((int) length);
        try {
            out.add(LinkFrameCodec.decode(frame));
        } catch (MalformedFrameException e) {
            fail(in);
            throw e;
        }
    }

    private void fail(ByteBuf in) {
        failed = true;
        in.skipBytes(in.readableBytes());
    }
}
