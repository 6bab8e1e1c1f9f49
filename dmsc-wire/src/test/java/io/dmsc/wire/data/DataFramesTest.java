package io.dmsc.wire.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.dmsc.wire.link.LinkFrameDecoder;
import io.dmsc.wire.link.LinkMessage;
import io.dmsc.wire.link.MalformedFrameException;
import io.dmsc.wire.proto.data.v1.Close;
import io.dmsc.wire.proto.data.v1.Header;
import io.dmsc.wire.proto.data.v1.OpenTail;
import io.dmsc.wire.proto.data.v1.Probe;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Data frames: layout, in-place rewriting, and decoding through the link decoder. */
class DataFramesTest {
    private static final ByteBufAllocator ALLOC = PooledByteBufAllocator.DEFAULT;

    private static OpenTail tail() {
        return OpenTail.newBuilder().setMethod("helloworld.Greeter/SayHello").setTarget("/B/4").setOrigin("sg-1")
                .setAttempt(1).addHeaders(Header.newBuilder().setKey("x-trace-bin")
                        .setValue(ByteString.copyFrom(new byte[] {0, 1, (byte) 0xff}))).build();
    }

    @Test
    void shouldEncodeOpenWithAHeaderTransitNodesRewriteInPlace() {
        ByteBuf f = DataFrames.open(ALLOC, 7, 32, 5_000_000L, "/B/4/helloworld.Greeter/SayHello", tail());
        try {
            DataFrames.validate(f);
            assertThat(f.getInt(0)).isEqualTo(f.readableBytes() - 4);
            assertThat(DataFrames.type(f)).isEqualTo(DataFrames.OPEN);
            assertThat(DataFrames.streamWord(f)).isEqualTo(7);
            assertThat(DataFrames.hopLimit(f)).isEqualTo(32);
            assertThat(DataFrames.timeoutNs(f)).isEqualTo(5_000_000L);
            assertThat(DataFrames.openName(f)).isEqualTo("/B/4/helloworld.Greeter/SayHello");
            DataFrames.setStreamWord(f, 9 | DataFrames.REPLY_BIT);
            DataFrames.setHopLimit(f, 31);
            DataFrames.setTimeoutNs(f, 4_000_000L);
            assertThat(DataFrames.streamWord(f)).isEqualTo(9 | DataFrames.REPLY_BIT);
            assertThat(DataFrames.hopLimit(f)).isEqualTo(31);
            assertThat(DataFrames.timeoutNs(f)).isEqualTo(4_000_000L);
            assertThat(DataFrames.openTail(f)).as("the body is untouched by header rewrites").isEqualTo(tail());
        } finally {
            f.release();
        }
    }

    @Test
    void shouldCarryMessageChunksAndTheirEndFlag() {
        byte[] payload = {1, 2, 3, 4, 5};
        ByteBuf f = DataFrames.message(ALLOC, 3, payload, 1, 3, true);
        try {
            assertThat(DataFrames.flags(f) & DataFrames.FLAG_END_OF_MESSAGE).isEqualTo(1);
            ByteBuf p = DataFrames.payload(f);
            byte[] got = new byte[p.readableBytes()];
            p.getBytes(p.readerIndex(), got);
            assertThat(got).containsExactly(2, 3, 4);
        } finally {
            f.release();
        }
        ByteBuf empty = DataFrames.message(ALLOC, 3, new byte[0], 0, 0, true);
        try {
            assertThat(DataFrames.payload(empty).readableBytes()).isZero();
        } finally {
            empty.release();
        }
    }

    @Test
    void shouldRoundTripCloseProbeAndWindowUpdate() {
        Close close = Close.newBuilder().setCode(3).setMessage("débit refusé – 拒否").setFabric(true).setNode("sr-1").build();
        ByteBuf c = DataFrames.close(ALLOC, 1, close);
        ByteBuf w = DataFrames.windowUpdate(ALLOC, 1, 65_536);
        Probe probe = Probe.newBuilder().setKind(Probe.Kind.ECHO_REQUEST).setOrigin("sg-1").setName("/B/4").build();
        ByteBuf p = DataFrames.probe(ALLOC, 5, probe);
        try {
            assertThat(DataFrames.close(c)).isEqualTo(close);
            assertThat(DataFrames.credit(w)).isEqualTo(65_536);
            assertThat(DataFrames.hopLimit(p)).isEqualTo(5);
            assertThat(DataFrames.probe(p)).isEqualTo(probe);
        } finally {
            c.release();
            w.release();
            p.release();
        }
    }

    @Test
    void shouldRejectInconsistentHeadersWithWhatWasExpected() {
        ByteBuf shortOpen = Unpooled.buffer().writeInt(10).writeByte(1).writeByte(DataFrames.OPEN).writeByte(0)
                .writeInt(1).writeByte(4);
        assertThatThrownBy(() -> DataFrames.validate(shortOpen)).isInstanceOf(MalformedFrameException.class)
                .hasMessageContaining("open frame of 12 bytes (expected: at least 23)");
        ByteBuf zeroCredit = DataFrames.windowUpdate(ALLOC, 1, 1);
        zeroCredit.setInt(DataFrames.HEADER_LENGTH, 0);
        assertThatThrownBy(() -> DataFrames.validate(zeroCredit)).hasMessageContaining("(expected: > 0)");
        zeroCredit.release();
        ByteBuf badName = DataFrames.open(ALLOC, 1, 8, 0, "/a", OpenTail.getDefaultInstance());
        badName.setShort(DataFrames.NAME_LENGTH_OFFSET, 500);
        assertThatThrownBy(() -> DataFrames.validate(badName)).hasMessageContaining("open frame name length 500");
        badName.release();
        ByteBuf badEgress = DataFrames.open(ALLOC, 1, 8, 0, "/a", "sg-4", OpenTail.getDefaultInstance());
        badEgress.setByte(DataFrames.NAME_OFFSET + 2, 200);
        assertThatThrownBy(() -> DataFrames.validate(badEgress)).hasMessageContaining("open frame egress length 200");
        badEgress.release();
        ByteBuf garbage = DataFrames.empty(ALLOC, DataFrames.CLOSE, 1).writeBytes(new byte[] {(byte) 0xff, (byte) 0xff});
        garbage.setInt(0, garbage.readableBytes() - 4);
        assertThatThrownBy(() -> DataFrames.close(garbage)).isInstanceOf(MalformedFrameException.class)
                .hasMessageContaining("not a valid dmsc.data.v1 message");
        garbage.release();
    }

    @Test
    void shouldPassDataFramesThroughTheLinkDecoderAsRetainedBuffersBetweenLinkMessages() {
        EmbeddedChannel ch = new EmbeddedChannel(new LinkFrameDecoder(1 << 20));
        ByteBuf open = DataFrames.open(ALLOC, 1, 32, 0, "/B/4/x.Y/Z", tail());
        ByteBuf half = DataFrames.empty(ALLOC, DataFrames.HALF_CLOSE, 1);
        byte[] openBytes = io.netty.buffer.ByteBufUtil.getBytes(open);
        ByteBuf in = ALLOC.directBuffer();
        in.writeBytes(open).writeBytes(half);
        open.release();
        half.release();
        // Split mid-frame: the decoder must wait for the rest.
        ch.writeInbound(in.readRetainedSlice(30));
        ch.writeInbound(in.readRetainedSlice(in.readableBytes()));
        in.release();
        List<Object> out = new ArrayList<>();
        for (Object m; (m = ch.readInbound()) != null; ) {
            out.add(m);
        }
        assertThat(out).hasSize(2);
        ByteBuf first = (ByteBuf) out.get(0);
        ByteBuf second = (ByteBuf) out.get(1);
        assertThat(io.netty.buffer.ByteBufUtil.getBytes(first)).isEqualTo(openBytes);
        assertThat(DataFrames.type(second)).isEqualTo(DataFrames.HALF_CLOSE);
        first.release();
        second.release();
        assertThat(ch.finish()).isFalse();
    }

    @Test
    void shouldCloseTheLinkOnAMalformedDataFrame() {
        EmbeddedChannel ch = new EmbeddedChannel(new LinkFrameDecoder(1 << 20));
        ByteBuf bad = Unpooled.buffer().writeInt(3).writeByte(1).writeByte(DataFrames.MESSAGE).writeByte(0);
        assertThatThrownBy(() -> ch.writeInbound(bad)).isInstanceOf(DecoderException.class)
                .hasCauseInstanceOf(MalformedFrameException.class);
        assertThat(ch.<LinkMessage>readInbound()).isNull();
        ch.finishAndReleaseAll();
    }

    @Test
    void shouldCarryAPinnedEgressBetweenTheNameAndTheTailUntilUnpinned() {
        ByteBuf open = DataFrames.open(ALLOC, 1, 32, 0, "/B/x.Y/Z", "sg-4", tail());
        DataFrames.validate(open);
        assertThat(DataFrames.pinnedEgress(open)).isEqualTo("sg-4");
        assertThat(DataFrames.openName(open)).isEqualTo("/B/x.Y/Z");
        assertThat(DataFrames.openTail(open)).isEqualTo(tail());
        DataFrames.unpin(open);
        assertThat(DataFrames.pinnedEgress(open)).isNull();
        assertThat(DataFrames.openTail(open)).as("the layout stays").isEqualTo(tail());
        open.release();
        ByteBuf plain = DataFrames.open(ALLOC, 1, 32, 0, "/B/x.Y/Z", tail());
        assertThat(DataFrames.pinnedEgress(plain)).isNull();
        plain.release();
    }

    @Test
    void shouldCarryAnExplicitPathThatEachHopFollowsOrAbandons() {
        ByteBuf f = DataFrames.open(ALLOC, 7, 32, 0, "/B/x", "sg-4", List.of("sr-1", "sr-3", "sg-4"), 42, tail());
        try {
            DataFrames.validate(f);
            assertThat(DataFrames.pinnedEgress(f)).isEqualTo("sg-4");
            assertThat(DataFrames.pathPolicy(f)).isEqualTo(42);
            assertThat(DataFrames.pathNode(f, 0)).isEqualTo("sr-1");
            assertThat(DataFrames.pathNode(f, 1)).as("at the ingress: no node before").isNull();
            DataFrames.advancePath(f);
            assertThat(DataFrames.pathNode(f, 1)).isEqualTo("sr-1");
            assertThat(DataFrames.pathNode(f, 0)).isEqualTo("sr-3");
            DataFrames.advancePath(f);
            DataFrames.advancePath(f);
            assertThat(DataFrames.pathNode(f, 0)).as("the path is done at the egress").isNull();
            DataFrames.validate(f);
            DataFrames.clearPath(f);
            assertThat(DataFrames.pathPolicy(f)).as("abandoned").isEqualTo(-1);
            assertThat(DataFrames.pathNode(f, 0)).isNull();
            assertThat(DataFrames.openTail(f)).as("the tail after the path bytes").isEqualTo(tail());
        } finally {
            f.release();
        }
        assertThatThrownBy(() -> DataFrames.open(ALLOC, 7, 32, 0, "/B", "sg-4", List.of("sr-1"), 1, tail()))
                .hasMessageContaining("ending with the egress sg-4");
    }

    @Test
    void shouldRefuseInconsistentPathFlags() {
        ByteBuf plain = DataFrames.open(ALLOC, 7, 32, 0, "/B", null, tail());
        ByteBuf pinned = DataFrames.open(ALLOC, 7, 32, 0, "/B", "sg-4", tail());
        ByteBuf counted = DataFrames.open(ALLOC, 7, 32, 0, "/B", "sg-4", List.of("sg-4"), 1, tail());
        try {
            plain.setByte(DataFrames.FLAGS_OFFSET, DataFrames.FLAG_PATH);
            assertThatThrownBy(() -> DataFrames.validate(plain)).isInstanceOf(MalformedFrameException.class)
                    .hasMessageContaining("path but no egress");
            pinned.setByte(DataFrames.FLAGS_OFFSET, DataFrames.FLAG_EGRESS | DataFrames.FLAG_PATH_ACTIVE);
            assertThatThrownBy(() -> DataFrames.validate(pinned)).isInstanceOf(MalformedFrameException.class)
                    .hasMessageContaining("PATH_ACTIVE but no path");
            // Count 0 in the path header.
            int countAt = DataFrames.NAME_OFFSET + 2 + 1 + 4 + 4 + 1;
            counted.setByte(countAt, 0);
            assertThatThrownBy(() -> DataFrames.validate(counted)).isInstanceOf(MalformedFrameException.class)
                    .hasMessageContaining("path of 0 nodes");
        } finally {
            plain.release();
            pinned.release();
            counted.release();
        }
    }
}
