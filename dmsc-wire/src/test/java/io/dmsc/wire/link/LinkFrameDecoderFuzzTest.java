package io.dmsc.wire.link;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Fuzz target of {@link LinkFrameDecoder}. Without {@code JAZZER_FUZZ=1} it replays the seed
 * corpus in {@code LinkFrameDecoderFuzzTestInputs/decodeArbitraryBytes} as a regression test
 * during {@code mvn test}; with it, Jazzer fuzzes for up to the given duration.
 *
 * <p>Properties: only a {@link MalformedFrameException} (wrapped by Netty in a
 * {@link DecoderException}) may escape, at most once per channel; every buffer is released;
 * the result does not depend on how the bytes are split into reads; every decoded message
 * encodes and decodes back to itself; data frames come out as retained buffers of the bytes
 * that went in.
 */
class LinkFrameDecoderFuzzTest {
    private static final int MAX_FRAME = 4096;

    /** What one channel made of the input. */
    private record Outcome(List<Object> messages, String failureKind) {
    }

    @FuzzTest(maxDuration = "60s")
    void decodeArbitraryBytes(byte[] input) {
        Outcome whole = feed(List.of(input));
        Outcome split = feed(split(input));

        assertThat(split).as("same outcome however the bytes are split").isEqualTo(whole);
        for (Object o : whole.messages()) {
            if (o instanceof LinkMessage m && !(m instanceof RejectedPdu)) {
                assertThat(reencode(m)).as("re-encoding %s", m).isEqualTo(m);
            }
        }
    }

    /** Splits at points derived from the input itself, so a replay is deterministic. */
    private static List<byte[]> split(byte[] input) {
        List<byte[]> reads = new ArrayList<>();
        int pos = 0;
        int i = 0;
        while (pos < input.length) {
            int n = Math.min(input.length - pos, 1 + ((input[i++ % input.length] & 0xff) % 9));
            reads.add(Arrays.copyOfRange(input, pos, pos + n));
            pos += n;
        }
        return reads;
    }

    private static Outcome feed(List<byte[]> reads) {
        EmbeddedChannel ch = new EmbeddedChannel(new LinkFrameDecoder(MAX_FRAME));
        List<ByteBuf> handedIn = new ArrayList<>();
        List<Object> messages = new ArrayList<>();
        String failureKind = null;
        for (byte[] r : reads) {
            ByteBuf b = PooledByteBufAllocator.DEFAULT.directBuffer(Math.max(1, r.length));
            b.writeBytes(r);
            handedIn.add(b);
            String failedNow = null;
            try {
                ch.writeInbound(b);
            } catch (DecoderException e) {
                assertThat(e.getCause()).as("cause of %s", e).isInstanceOf(MalformedFrameException.class);
                failedNow = ((MalformedFrameException) e.getCause()).kind();
            }
            // Frames before the malformed one in the same read are still delivered; none after it.
            for (Object m; (m = ch.readInbound()) != null; ) {
                assertThat(failureKind).as("no message in reads after a failure").isNull();
                if (m instanceof ByteBuf data) {
                    // A data frame: keep its bytes, hand the buffer back.
                    assertThat(data.refCnt()).as("data frame handed over retained").isPositive();
                    messages.add("data:" + io.netty.buffer.ByteBufUtil.hexDump(data));
                    data.release();
                } else {
                    messages.add((LinkMessage) m);
                }
            }
            if (failedNow != null) {
                assertThat(failureKind).as("only one failure per channel").isNull();
                failureKind = failedNow;
            }
        }
        assertThat(ch.finish()).isFalse();
        for (ByteBuf b : handedIn) {
            assertThat(b.refCnt()).as("input buffer released").isZero();
        }
        return new Outcome(messages, failureKind);
    }

    private static LinkMessage reencode(LinkMessage m) {
        ByteBuf frame = LinkFrameCodec.encode(m, ByteBufAllocator.DEFAULT);
        try {
            frame.skipBytes(LinkFrameCodec.LENGTH_FIELD);
            return LinkFrameCodec.decode(frame);
        } finally {
            frame.release();
        }
    }
}
