package io.dmsc.wire.link;

import static io.dmsc.wire.link.LinkMessageSamples.frame;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dmsc.wire.proto.link.v1.Hello;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class LinkFrameCodecTest {
    static Stream<LinkMessage> messages() {
        return LinkMessageSamples.all().stream();
    }

    @ParameterizedTest
    @MethodSource("messages")
    void shouldRoundTripEveryMessageType(LinkMessage message) {
        ByteBuf frame = LinkFrameCodec.encode(message, ByteBufAllocator.DEFAULT);
        try {
            assertThat(frame.getInt(0)).isEqualTo(frame.readableBytes() - LinkFrameCodec.LENGTH_FIELD);
            assertThat(frame.getUnsignedByte(4)).isEqualTo((short) LinkFrameCodec.VERSION);
            frame.skipBytes(LinkFrameCodec.LENGTH_FIELD);

            LinkMessage decoded = LinkFrameCodec.decode(frame);

            assertThat(decoded).isEqualTo(message);
            assertThat(frame.readableBytes()).as("whole frame consumed").isZero();
        } finally {
            assertThat(frame.release()).isTrue();
        }
    }

    @Test
    void shouldWriteTypeCodeOfEachMessage() {
        assertThat(LinkMessageSamples.encode(LinkMessageSamples.hello())[5]).isEqualTo((byte) FrameType.HELLO.code());
        assertThat(LinkMessageSamples.encode(LinkMessageSamples.lsp())[5]).isEqualTo((byte) FrameType.LSP.code());
        assertThat(LinkMessageSamples.encode(LinkMessageSamples.psnp())[5]).isEqualTo((byte) FrameType.PSNP.code());
        assertThat(LinkMessageSamples.encode(LinkMessageSamples.csnp())[5]).isEqualTo((byte) FrameType.CSNP.code());
    }

    @Test
    void shouldReportEncodedSizeOfLsp() {
        for (LinkMessage m : LinkMessageSamples.all()) {
            if (m instanceof LinkStatePdu p) {
                assertThat(LinkFrameCodec.encodedSize(p)).isEqualTo(LinkMessageSamples.encode(p).length);
            }
        }
    }

    @Test
    void shouldRefuseToEncodeRejectedPdu() {
        assertThatThrownBy(() -> LinkFrameCodec.encode(new RejectedPdu(FrameType.LSP, "x"), ByteBufAllocator.DEFAULT))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("RejectedPdu");
    }

    @Test
    void shouldIgnoreUnknownProtobufFields() {
        byte[] body = Hello.newBuilder().setProtocolVersion(1).setNodeId("sr-9").setHoldTimeMs(100).setRole("sr")
                .build().toByteArray();
        // Field 15, varint 1: an extension a future version may add.
        byte[] withUnknown = LinkMessageSamples.concat(body, new byte[] {(byte) 0x78, 0x01});

        assertThat(decode(frame(FrameType.HELLO, withUnknown)))
                .isEqualTo(new HelloMessage(1, "sr-9", 100, "", NodeRole.SR));
    }

    @Test
    void shouldRejectFrameShorterThanHeader() {
        assertThatThrownBy(() -> decode(new byte[] {0, 0, 0, 1, 1}))
                .isInstanceOf(MalformedFrameException.class)
                .hasMessageContaining("expected: at least 2")
                .extracting(e -> ((MalformedFrameException) e).kind()).isEqualTo("length");
    }

    @Test
    void shouldRejectUnknownVersion() {
        assertThatThrownBy(() -> decode(frame(2, FrameType.HELLO.code(), new byte[0])))
                .isInstanceOf(MalformedFrameException.class)
                .hasMessageContaining("version 2 (expected: 1)")
                .extracting(e -> ((MalformedFrameException) e).kind()).isEqualTo("version");
    }

    @Test
    void shouldRejectUnknownType() {
        assertThatThrownBy(() -> decode(frame(1, 16, new byte[0])))
                .isInstanceOf(MalformedFrameException.class)
                .hasMessageContaining("unknown frame type 16 (expected: 1..4, or 16..24 for data frames)")
                .extracting(e -> ((MalformedFrameException) e).kind()).isEqualTo("type");
        assertThatThrownBy(() -> decode(frame(1, 0, new byte[0])))
                .isInstanceOf(MalformedFrameException.class)
                .hasMessageContaining("unknown frame type 0");
    }

    @Test
    void shouldRejectTruncatedBody() {
        byte[] whole = LinkMessageSamples.encode(LinkMessageSamples.lsp());
        byte[] body = java.util.Arrays.copyOfRange(whole, 6, whole.length - 3);

        assertThatThrownBy(() -> decode(frame(FrameType.LSP, body)))
                .isInstanceOf(MalformedFrameException.class)
                .hasMessageContaining("LSP body is not a valid protobuf message")
                .extracting(e -> ((MalformedFrameException) e).kind()).isEqualTo("body");
    }

    @Test
    void shouldRejectGarbageBody() {
        byte[] garbage = {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff};

        for (FrameType t : FrameType.values()) {
            assertThatThrownBy(() -> decode(frame(t, garbage)))
                    .isInstanceOf(MalformedFrameException.class)
                    .hasMessageContaining(t + " body")
                    .extracting(e -> ((MalformedFrameException) e).kind()).isEqualTo("body");
        }
    }

    @Test
    void shouldRejectInvalidUtf8InStringField() {
        // Field 2 (node_id), length 2, bytes C3 28: not UTF-8.
        byte[] body = {0x08, 0x01, 0x12, 0x02, (byte) 0xc3, 0x28};

        assertThatThrownBy(() -> decode(frame(FrameType.HELLO, body)))
                .isInstanceOf(MalformedFrameException.class)
                .extracting(e -> ((MalformedFrameException) e).kind()).isEqualTo("body");
    }

    @Test
    void shouldRejectHelloThatCannotFormAdjacency() {
        Hello good = Hello.newBuilder().setProtocolVersion(1).setNodeId("sr-1").setHoldTimeMs(3000).setRole("sr").build();
        List<Hello> bad = List.of(
                good.toBuilder().setNodeId("").build(),
                good.toBuilder().setNodeId("sr 1").build(),
                good.toBuilder().setHeardNodeId("x/y").build(),
                good.toBuilder().setHoldTimeMs(0).build(),
                good.toBuilder().setHoldTimeMs(-1).build(),
                good.toBuilder().setRole("spa").build());
        for (Hello h : bad) {
            assertThatThrownBy(() -> decode(frame(FrameType.HELLO, h.toByteArray())))
                    .as("%s", h)
                    .isInstanceOf(MalformedFrameException.class)
                    .hasMessageContaining("invalid hello")
                    .extracting(e -> ((MalformedFrameException) e).kind()).isEqualTo("hello");
        }
    }

    @Test
    void shouldRejectHelloAnnouncingOtherVersion() {
        Hello h = Hello.newBuilder().setProtocolVersion(2).setNodeId("sr-1").setHoldTimeMs(3000).setRole("sr").build();

        assertThatThrownBy(() -> decode(frame(FrameType.HELLO, h.toByteArray())))
                .isInstanceOf(MalformedFrameException.class)
                .hasMessageContaining("hello announces protocol version 2 (expected: 1)")
                .extracting(e -> ((MalformedFrameException) e).kind()).isEqualTo("version");
    }

    private static io.dmsc.wire.proto.link.v1.LinkStatePdu.Builder goodLsp() {
        return io.dmsc.wire.proto.link.v1.LinkStatePdu.newBuilder()
                .setId(io.dmsc.wire.proto.link.v1.LspId.newBuilder().setOrigin("sr-1").setFragment(0))
                .setSequence(5).setRemainingLifetimeS(1200).setRole("sr")
                .addNeighbors(io.dmsc.wire.proto.link.v1.NeighborEntry.newBuilder().setNodeId("sr-2").setMetric(10))
                .addPrefixes(io.dmsc.wire.proto.link.v1.PrefixEntry.newBuilder().setPrefix("/shop").setCost(1));
    }

    @Test
    void shouldDecodeHandBuiltLsp() {
        LinkMessage m = decode(frame(FrameType.LSP, goodLsp().build().toByteArray()));

        assertThat(m).isInstanceOf(LinkStatePdu.class);
        assertThat(((LinkStatePdu) m).prefixes().get(0).prefix().toString()).isEqualTo("/shop");
    }

    @Test
    void shouldCarryAPrefixWeightAndReadAnAbsentOneAsOne() {
        LinkStatePdu m = (LinkStatePdu) decode(frame(FrameType.LSP, goodLsp().addPrefixes(
                io.dmsc.wire.proto.link.v1.PrefixEntry.newBuilder().setPrefix("/b").setWeight(3)).build().toByteArray()));
        assertThat(m.prefixes().get(0).weight()).isEqualTo(1);
        assertThat(m.prefixes().get(1).weight()).isEqualTo(3);
        ByteBuf encoded = LinkFrameCodec.encode(m, ByteBufAllocator.DEFAULT);
        LinkStatePdu again = (LinkStatePdu) decode(io.netty.buffer.ByteBufUtil.getBytes(encoded));
        encoded.release();
        assertThat(again.prefixes()).isEqualTo(m.prefixes());
        assertThat(again.checksum()).as("the weight is in the checksum").isNotEqualTo(new LinkStatePdu(m.id(),
                m.sequence(), m.remainingLifetimeS(), m.overload(), m.role(), m.neighbors(), List.of(m.prefixes().get(0),
                new PrefixEntry(m.prefixes().get(1).prefix(), 0, 1, null)), null).checksum());
    }

    @Test
    void shouldRejectSemanticallyInvalidLsp() {
        List<io.dmsc.wire.proto.link.v1.LinkStatePdu> bad = List.of(
                goodLsp().setId(goodLsp().getIdBuilder().setOrigin("bad origin")).build(),
                goodLsp().setId(goodLsp().getIdBuilder().setOrigin("")).build(),
                goodLsp().clearId().build(),
                goodLsp().setId(goodLsp().getIdBuilder().setFragment(256)).build(),
                goodLsp().setId(goodLsp().getIdBuilder().setFragment(-1)).build(),
                goodLsp().setRemainingLifetimeS(65_536).build(),
                goodLsp().setRemainingLifetimeS(-1).build(),
                goodLsp().setSequence(0).build(),
                goodLsp().setRole("").build(),
                goodLsp().addPrefixes(io.dmsc.wire.proto.link.v1.PrefixEntry.newBuilder().setPrefix("/shop//x")).build(),
                goodLsp().addPrefixes(io.dmsc.wire.proto.link.v1.PrefixEntry.newBuilder().setPrefix("shop")).build(),
                goodLsp().addPrefixes(io.dmsc.wire.proto.link.v1.PrefixEntry.newBuilder().setPrefix("/a").setCost(-1))
                        .build(),
                goodLsp().addPrefixes(io.dmsc.wire.proto.link.v1.PrefixEntry.newBuilder().setPrefix("/a")
                        .setWeight(PrefixEntry.MAX_WEIGHT + 1)).build(),
                goodLsp().addPrefixes(io.dmsc.wire.proto.link.v1.PrefixEntry.newBuilder().setPrefix("/a").setWeight(-1))
                        .build(),
                goodLsp().addNeighbors(io.dmsc.wire.proto.link.v1.NeighborEntry.newBuilder().setNodeId("sr-3")).build(),
                goodLsp().addNeighbors(io.dmsc.wire.proto.link.v1.NeighborEntry.newBuilder().setNodeId("x y")
                        .setMetric(1)).build());
        for (io.dmsc.wire.proto.link.v1.LinkStatePdu p : bad) {
            LinkMessage m = decode(frame(FrameType.LSP, p.toByteArray()));

            assertThat(m).as("%s", p).isInstanceOf(RejectedPdu.class);
            assertThat(((RejectedPdu) m).type()).isEqualTo(FrameType.LSP);
            assertThat(((RejectedPdu) m).reason()).contains("expected");
        }
    }

    @Test
    void shouldNameLifetimeOutOfRangeInRejection() {
        LinkMessage m = decode(frame(FrameType.LSP, goodLsp().setRemainingLifetimeS(-1).build().toByteArray()));

        assertThat(((RejectedPdu) m).reason()).contains("4294967295").contains("expected: 0..65535");
    }

    @Test
    void shouldRejectSemanticallyInvalidSummaries() {
        io.dmsc.wire.proto.link.v1.LspSummary badEntry = io.dmsc.wire.proto.link.v1.LspSummary.newBuilder()
                .setId(io.dmsc.wire.proto.link.v1.LspId.newBuilder().setOrigin("sr-1"))
                .setSequence(1).setRemainingLifetimeS(70_000).build();
        byte[] psnp = io.dmsc.wire.proto.link.v1.PartialSummary.newBuilder().addEntries(badEntry).build().toByteArray();
        byte[] csnpNoRange = io.dmsc.wire.proto.link.v1.CompleteSummary.newBuilder().build().toByteArray();

        assertThat(decode(frame(FrameType.PSNP, psnp))).isInstanceOf(RejectedPdu.class)
                .extracting(m -> ((RejectedPdu) m).type()).isEqualTo(FrameType.PSNP);
        assertThat(decode(frame(FrameType.CSNP, csnpNoRange))).isInstanceOf(RejectedPdu.class)
                .extracting(m -> ((RejectedPdu) m).type()).isEqualTo(FrameType.CSNP);
    }

    private static LinkMessage decode(byte[] wholeFrame) {
        ByteBuf buf = Unpooled.wrappedBuffer(wholeFrame);
        try {
            buf.skipBytes(LinkFrameCodec.LENGTH_FIELD);
            return LinkFrameCodec.decode(buf);
        } finally {
            buf.release();
        }
    }
}
