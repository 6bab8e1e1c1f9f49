package io.dmsc.wire.link;

import io.dmsc.wire.ServicePrefix;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.nio.ByteBuffer;
import java.util.List;

/** Sample link messages of every type, and raw frame builders, shared by the codec tests. */
final class LinkMessageSamples {
    private LinkMessageSamples() {
    }

    static HelloMessage hello() {
        return new HelloMessage(LinkFrameCodec.VERSION, "sr-1", 3000, "", NodeRole.SR);
    }

    static HelloMessage helloHeard() {
        return new HelloMessage(LinkFrameCodec.VERSION, "sg-2", 65_000, "sr-1", NodeRole.SG);
    }

    static LinkStatePdu lsp() {
        return new LinkStatePdu(new LspId("sr-1", 0), 42, 1200, false, NodeRole.SR,
                List.of(new NeighborEntry("sr-2", 10), new NeighborEntry("sg-1", NeighborEntry.MAX_METRIC)),
                List.of(PrefixEntry.of(ServicePrefix.parse("/_dmsc/node/sr-1"), 0),
                        new PrefixEntry(ServicePrefix.parse("/shop/payment"), 5, new byte[] {1, 2, 3, (byte) 0xff}),
                        PrefixEntry.of(ServicePrefix.parse("/shop/pay"), PrefixEntry.MAX_COST)));
    }

    /** Fragment 255, overloaded, highest unsigned sequence number, longest lifetime. */
    static LinkStatePdu lspExtremes() {
        return new LinkStatePdu(new LspId("n".repeat(64), LspId.MAX_FRAGMENT), -1L, LinkStatePdu.MAX_LIFETIME_S,
                true, NodeRole.SG, List.of(), List.of(PrefixEntry.of(ServicePrefix.parse("/a/b/c"), 1)));
    }

    static LinkStatePdu purge() {
        return lsp().asPurge();
    }

    static PartialSummary psnp() {
        return new PartialSummary(List.of(new LspSummary(new LspId("sr-1", 0), 42, 1199, lsp().checksum()),
                new LspSummary(new LspId("sr-2", 3), 0, 0)));
    }

    static PartialSummary emptyPsnp() {
        return new PartialSummary(List.of());
    }

    static CompleteSummary csnp() {
        return new CompleteSummary(new LspId("-", 0), new LspId("z".repeat(64), LspId.MAX_FRAGMENT),
                List.of(new LspSummary(new LspId("a", 0), 1, 10, 0x8000_0001),
                        new LspSummary(new LspId("b", 1), 7, 0, -1)));
    }

    /** One of every message type and shape. */
    static List<LinkMessage> all() {
        return List.of(hello(), helloHeard(), lsp(), lspExtremes(), purge(), psnp(), emptyPsnp(), csnp());
    }

    /** Encodes with the production codec into a byte array. */
    static byte[] encode(LinkMessage message) {
        ByteBuf buf = LinkFrameCodec.encode(message, Unpooled.buffer().alloc());
        try {
            return ByteBufUtil.getBytes(buf);
        } finally {
            buf.release();
        }
    }

    /** A frame with the given header bytes and body; the length field counts version, type and body. */
    static byte[] frame(int version, int type, byte[] body) {
        return ByteBuffer.allocate(LinkFrameCodec.LENGTH_FIELD + 2 + body.length)
                .putInt(2 + body.length).put((byte) version).put((byte) type).put(body).array();
    }

    /** A frame of the current version. */
    static byte[] frame(FrameType type, byte[] body) {
        return frame(LinkFrameCodec.VERSION, type.code(), body);
    }

    static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        ByteBuffer b = ByteBuffer.allocate(n);
        for (byte[] p : parts) {
            b.put(p);
        }
        return b.array();
    }
}
