package io.dmsc.wire.link;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToMessageEncoder;
import java.util.List;

/** Netty encoder of {@link LinkMessage}s into frames (layout in {@link LinkFrameCodec}). Stateless. */
@Sharable
public final class LinkFrameEncoder extends MessageToMessageEncoder<LinkMessage> {
    /** The shared instance. */
    public static final LinkFrameEncoder INSTANCE = new LinkFrameEncoder();

    private LinkFrameEncoder() {
        super(LinkMessage.class);
    }

    @Override
    protected void encode(ChannelHandlerContext ctx, LinkMessage msg, List<Object> out) {
        ByteBuf frame = LinkFrameCodec.encode(msg, ctx.alloc());
        out.add(frame);
    }
}
