package io.dmsc.wire.link;

import static io.dmsc.wire.link.LinkMessageSamples.concat;
import static io.dmsc.wire.link.LinkMessageSamples.encode;
import static io.dmsc.wire.link.LinkMessageSamples.frame;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.EncoderException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The decoder and encoder in an {@link EmbeddedChannel}. Every buffer the test hands to the
 * channel is tracked and must have been released when the test ends (leak detection is also
 * set to paranoid for the whole run).
 */
class LinkFrameDecoderTest {
    private static final int MAX_FRAME = 64 * 1024;

    private final List<ByteBuf> handedIn = new ArrayList<>();

    @AfterEach
    void everyBufferReleased() {
        for (ByteBuf b : handedIn) {
            assertThat(b.refCnt()).as("buffer handed to the channel was released").isZero();
        }
    }

    private EmbeddedChannel channel() {
        return new EmbeddedChannel(new LinkFrameDecoder(MAX_FRAME), LinkFrameEncoder.INSTANCE);
    }

    /** A pooled direct buffer: the kind a real socket delivers, and the kind leaks matter for. */
    private ByteBuf buffer(byte[] bytes) {
        ByteBuf b = PooledByteBufAllocator.DEFAULT.directBuffer(bytes.length);
        b.writeBytes(bytes);
        handedIn.add(b);
        return b;
    }

    private static List<LinkMessage> drainInbound(EmbeddedChannel ch) {
        List<LinkMessage> out = new ArrayList<>();
        for (Object m; (m = ch.readInbound()) != null; ) {
            out.add((LinkMessage) m);
        }
        return out;
    }

    @Test
    void shouldRoundTripEveryMessageTypeThroughThePipeline() {
        EmbeddedChannel ch = channel();
        for (LinkMessage m : LinkMessageSamples.all()) {
            assertThat(ch.writeOutbound(m)).isTrue();
            ByteBuf frame = ch.readOutbound();
            byte[] bytes = ByteBufUtil.getBytes(frame);
            assertThat(frame.release()).isTrue();
            assertThat(bytes).isEqualTo(encode(m));

            assertThat(ch.writeInbound(buffer(bytes))).isTrue();

            assertThat(drainInbound(ch)).containsExactly(m);
        }
        assertThat(ch.finish()).as("nothing left in the channel").isFalse();
    }

    @Test
    void shouldDecodeSeveralFramesDeliveredInOneRead() {
        EmbeddedChannel ch = channel();
        List<LinkMessage> all = LinkMessageSamples.all();
        byte[] stream = concat(all.stream().map(LinkMessageSamples::encode).toArray(byte[][]::new));

        ch.writeInbound(buffer(stream));

        assertThat(drainInbound(ch)).containsExactlyElementsOf(all);
        assertThat(ch.finish()).isFalse();
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5})
    void shouldDecodeFramesSplitAcrossManyReads(long seed) {
        Random random = new Random(seed);
        EmbeddedChannel ch = channel();
        List<LinkMessage> expected = new ArrayList<>();
        List<byte[]> frames = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            LinkMessage m = LinkMessageSamples.all().get(random.nextInt(LinkMessageSamples.all().size()));
            expected.add(m);
            frames.add(encode(m));
        }
        byte[] stream = concat(frames.toArray(byte[][]::new));
        List<LinkMessage> received = new ArrayList<>();
        int reads = 0;
        for (int pos = 0; pos < stream.length; reads++) {
            // Mostly tiny reads, so every header and body boundary gets split somewhere.
            int n = Math.min(stream.length - pos, random.nextInt(10) == 0 ? 1 + random.nextInt(200) : 1 + random.nextInt(7));
            ch.writeInbound(buffer(Arrays.copyOfRange(stream, pos, pos + n)));
            received.addAll(drainInbound(ch));
            pos += n;
        }

        assertThat(reads).isGreaterThan(100);
        assertThat(received).containsExactlyElementsOf(expected);
        assertThat(ch.finish()).isFalse();
    }

    @Test
    void shouldDecodeFrameDeliveredOneByteAtATime() {
        EmbeddedChannel ch = channel();
        byte[] f = encode(LinkMessageSamples.lsp());
        for (int i = 0; i < f.length - 1; i++) {
            ch.writeInbound(buffer(new byte[] {f[i]}));
            Object m = ch.readInbound();
            assertThat(m).as("no message before the last byte").isNull();
        }

        ch.writeInbound(buffer(new byte[] {f[f.length - 1]}));

        assertThat(drainInbound(ch)).containsExactly(LinkMessageSamples.lsp());
        assertThat(ch.finish()).isFalse();
    }

    @Test
    void shouldAcceptFrameOfExactlyMaxLength() {
        EmbeddedChannel ch = new EmbeddedChannel(new LinkFrameDecoder(2));

        ch.writeInbound(buffer(frame(FrameType.PSNP, new byte[0])));

        assertThat(drainInbound(ch)).containsExactly(new PartialSummary(List.of()));
        assertThat(ch.finish()).isFalse();
    }

    @Test
    void shouldReleasePartialFrameWhenChannelCloses() {
        EmbeddedChannel ch = channel();
        byte[] f = encode(LinkMessageSamples.lsp());

        ch.writeInbound(buffer(Arrays.copyOf(f, f.length / 2)));

        assertThat(ch.finish()).isFalse();
        assertThat(ch.isOpen()).isFalse();
    }

    @Test
    void shouldRejectBadMaxFrameLength() {
        assertThatThrownBy(() -> new LinkFrameDecoder(1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("maxFrameLength: 1 (expected: >= 2)");
    }

    @Test
    void shouldRefuseToEncodeRejectedPdu() {
        EmbeddedChannel ch = channel();

        assertThatThrownBy(() -> ch.writeOutbound(new RejectedPdu(FrameType.LSP, "x")))
                .isInstanceOf(EncoderException.class);
        assertThat(ch.finish()).isFalse();
    }

    // ---------------------------------------------------------------------------------------
    // Malformed input: one MalformedFrameException, then everything after it is discarded.

    static byte[] lengthTooSmall() {
        return new byte[] {0, 0, 0, 1, 1};
    }

    static byte[] lengthZero() {
        return new byte[] {0, 0, 0, 0};
    }

    static byte[] oversize() {
        return new byte[] {0, 1, 0, 1, 1, 1};
    }

    static byte[] negativeLength() {
        return new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 1, 1};
    }

    static byte[] wrongVersion() {
        return frame(0, FrameType.HELLO.code(), encodeBody(LinkMessageSamples.hello()));
    }

    static byte[] unknownType() {
        return frame(LinkFrameCodec.VERSION, 5, new byte[] {8, 1});
    }

    static byte[] truncatedBody() {
        byte[] body = encodeBody(LinkMessageSamples.lsp());
        return frame(FrameType.LSP, Arrays.copyOf(body, body.length - 5));
    }

    static byte[] garbageBody() {
        return frame(FrameType.CSNP, new byte[] {(byte) 0xff, 0x00, (byte) 0xfe, 0x13, 0x37});
    }

    private static byte[] encodeBody(LinkMessage m) {
        byte[] f = encode(m);
        return Arrays.copyOfRange(f, 6, f.length);
    }

    @ParameterizedTest
    @ValueSource(strings = {"lengthTooSmall:length", "lengthZero:length", "oversize:oversize",
        "negativeLength:oversize", "wrongVersion:version", "unknownType:type", "truncatedBody:body",
        "garbageBody:body"})
    void shouldFailOnceOnMalformedFrameThenDiscardFurtherInput(String caseAndKind) throws Exception {
        String[] parts = caseAndKind.split(":");
        byte[] bad = (byte[]) LinkFrameDecoderTest.class.getDeclaredMethod(parts[0]).invoke(null);
        EmbeddedChannel ch = channel();
        byte[] good = encode(LinkMessageSamples.hello());
        ch.writeInbound(buffer(good));
        assertThat(drainInbound(ch)).containsExactly(LinkMessageSamples.hello());

        // The malformed frame arrives followed by a good one in the same read.
        assertThatThrownBy(() -> ch.writeInbound(buffer(concat(bad, good))))
                .isInstanceOf(DecoderException.class)
                .cause().isInstanceOf(MalformedFrameException.class)
                .extracting(e -> ((MalformedFrameException) e).kind()).isEqualTo(parts[1]);

        assertThat(drainInbound(ch)).as("frames after the malformed one are discarded").isEmpty();
        for (int i = 0; i < 3; i++) {
            assertThat(ch.writeInbound(buffer(good))).isFalse();
        }
        assertThat(drainInbound(ch)).isEmpty();
        ch.checkException();
        assertThat(ch.finish()).isFalse();
    }

    @Test
    void shouldFailOnOversizeLengthBeforeTheBodyArrives() {
        EmbeddedChannel ch = channel();

        assertThatThrownBy(() -> ch.writeInbound(buffer(new byte[] {0x7f, 0, 0, 0})))
                .isInstanceOf(DecoderException.class)
                .hasCauseInstanceOf(MalformedFrameException.class)
                .cause().hasMessageContaining("frame length 2130706432 (expected: at most 65536)");
        assertThat(ch.finish()).isFalse();
    }

    @Test
    void shouldKeepLinkUsableAfterSemanticallyInvalidLsp() {
        EmbeddedChannel ch = channel();
        io.dmsc.wire.proto.link.v1.LinkStatePdu.Builder p = io.dmsc.wire.proto.link.v1.LinkStatePdu.newBuilder()
                .setId(io.dmsc.wire.proto.link.v1.LspId.newBuilder().setOrigin("sr-1")).setSequence(1)
                .setRemainingLifetimeS(100).setRole("sr");
        List<byte[]> invalid = List.of(
                frame(FrameType.LSP, p.clone().setId(p.getIdBuilder().clone().setOrigin("no such/origin")).build()
                        .toByteArray()),
                frame(FrameType.LSP, p.clone().setRemainingLifetimeS(65_536).build().toByteArray()),
                frame(FrameType.LSP, p.clone().addPrefixes(io.dmsc.wire.proto.link.v1.PrefixEntry.newBuilder()
                        .setPrefix("/a/")).build().toByteArray()),
                frame(FrameType.LSP, p.clone().setSequence(0).build().toByteArray()));
        for (byte[] bad : invalid) {
            ch.writeInbound(buffer(concat(bad, encode(LinkMessageSamples.lsp()))));

            List<LinkMessage> got = drainInbound(ch);
            assertThat(got).hasSize(2);
            assertThat(got.get(0)).isInstanceOf(RejectedPdu.class);
            assertThat(got.get(1)).isEqualTo(LinkMessageSamples.lsp());
        }
        ch.checkException();
        assertThat(ch.isActive()).isTrue();
        assertThat(ch.finish()).isFalse();
    }
}
