package io.dmsc.wire.data;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.dmsc.wire.link.LinkFrameCodec;
import io.dmsc.wire.link.MalformedFrameException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.util.ArrayList;
import java.util.List;

/**
 * Fuzz target of {@link DataFrames}: the header check every node runs on a data frame cut from a
 * link, the accessors transit nodes read and rewrite in place, and the body decoders of the
 * ingress and egress. Without {@code JAZZER_FUZZ=1} it replays the seed corpus in
 * {@code DataFramesFuzzTestInputs/parseDataFrame} during {@code mvn test}.
 *
 * <p>The input is the frame after its length field and version byte; its first byte, taken
 * modulo the number of data types, picks the type. Properties: {@link DataFrames#validate} either
 * passes or throws {@link MalformedFrameException}; on a frame it passed, every accessor of its
 * type answers without any exception, the body decoders throw at most a
 * {@link MalformedFrameException}, the in-place rewrites keep the frame valid, and heap and direct
 * buffers give the same answers. No buffer leaks.
 */
class DataFramesFuzzTest {

    @FuzzTest(maxDuration = "60s")
    void parseDataFrame(byte[] input) {
        if (input.length == 0) {
            return;
        }
        byte[] frame = new byte[LinkFrameCodec.LENGTH_FIELD + 1 + input.length];
        int afterLength = frame.length - LinkFrameCodec.LENGTH_FIELD;
        frame[0] = (byte) (afterLength >>> 24);
        frame[1] = (byte) (afterLength >>> 16);
        frame[2] = (byte) (afterLength >>> 8);
        frame[3] = (byte) afterLength;
        frame[4] = (byte) LinkFrameCodec.VERSION;
        System.arraycopy(input, 0, frame, 5, input.length);
        frame[DataFrames.TYPE_OFFSET] = (byte) (DataFrames.OPEN
                + (input[0] & 0xff) % (DataFrames.MAX_TYPE - DataFrames.OPEN + 1));

        ByteBuf heap = Unpooled.wrappedBuffer(frame.clone());
        ByteBuf direct = PooledByteBufAllocator.DEFAULT.directBuffer(frame.length);
        direct.writeBytes(frame);
        try {
            List<String> fromHeap = inspect(heap);
            List<String> fromDirect = inspect(direct);
            assertThat(fromDirect).as("direct and heap buffers read alike").isEqualTo(fromHeap);
        } finally {
            assertThat(heap.release()).as("heap frame released once").isTrue();
            assertThat(direct.release()).as("direct frame released once").isTrue();
        }
    }

    /** @return what every accessor said, for comparing buffer kinds */
    private static List<String> inspect(ByteBuf frame) {
        List<String> seen = new ArrayList<>();
        int readerIndex = frame.readerIndex();
        int writerIndex = frame.writerIndex();
        try {
            DataFrames.validate(frame);
        } catch (MalformedFrameException e) {
            assertThat(e.getMessage()).as("message of %s", e.kind()).isNotBlank();
            seen.add("malformed " + e.kind());
            return seen;
        } finally {
            assertThat(frame.readerIndex()).as("validate consumes nothing").isEqualTo(readerIndex);
            assertThat(frame.writerIndex()).isEqualTo(writerIndex);
        }
        int type = DataFrames.type(frame);
        seen.add(DataFrames.typeName(type) + " flags " + DataFrames.flags(frame) + " word "
                + DataFrames.streamWord(frame));
        switch (type) {
            case DataFrames.OPEN -> inspectOpen(frame, seen);
            case DataFrames.WINDOW_UPDATE -> {
                assertThat(DataFrames.credit(frame)).as("credit of a valid window update").isPositive();
                seen.add("credit " + DataFrames.credit(frame));
            }
            case DataFrames.MESSAGE -> {
                ByteBuf payload = DataFrames.payload(frame);
                assertThat(payload.readableBytes()).isEqualTo(writerIndex - readerIndex - DataFrames.HEADER_LENGTH);
                seen.add("payload " + ByteBufUtil.hexDump(payload));
            }
            case DataFrames.HEADERS -> seen.add(body(() -> DataFrames.headers(frame)));
            case DataFrames.CLOSE -> seen.add(body(() -> DataFrames.close(frame)));
            case DataFrames.CANCEL -> seen.add(body(() -> DataFrames.cancel(frame)));
            case DataFrames.PROBE -> {
                seen.add("hops " + DataFrames.hopLimit(frame));
                seen.add(body(() -> DataFrames.probe(frame)));
            }
            default -> seen.add("no body");
        }
        assertThat(frame.refCnt()).as("nothing retained or released by the accessors").isEqualTo(1);
        return seen;
    }

    private static void inspectOpen(ByteBuf frame, List<String> seen) {
        assertThat(DataFrames.timeoutNs(frame)).as("timeout of a valid OPEN").isNotNegative();
        seen.add("hops " + DataFrames.hopLimit(frame) + " timeout " + DataFrames.timeoutNs(frame));
        seen.add("name " + DataFrames.openName(frame));
        seen.add("pinned " + DataFrames.pinnedEgress(frame));
        seen.add("policy " + DataFrames.pathPolicy(frame));
        for (int back = 0; back <= DataFrames.MAX_PATH_NODES + 1; back++) {
            seen.add("path[" + back + "] " + DataFrames.pathNode(frame, back));
        }
        seen.add(body(() -> DataFrames.openTail(frame)));

        // What a transit node does to a valid OPEN keeps it valid.
        ByteBuf copy = frame.copy();
        try {
            DataFrames.setHopLimit(copy, DataFrames.hopLimit(copy) - 1);
            DataFrames.setTimeoutNs(copy, DataFrames.timeoutNs(copy) / 2);
            String next = DataFrames.pathNode(copy, 0);
            if (next != null) {
                DataFrames.advancePath(copy);
                DataFrames.validate(copy);
                assertThat(DataFrames.pathNode(copy, 1)).as("the node moved to").isEqualTo(next);
            }
            DataFrames.clearPath(copy);
            DataFrames.unpin(copy);
            DataFrames.validate(copy);
            assertThat(DataFrames.pinnedEgress(copy)).isNull();
            assertThat(DataFrames.pathNode(copy, 0)).isNull();
            assertThat(DataFrames.openName(copy)).isEqualTo(DataFrames.openName(frame));
        } finally {
            copy.release();
        }
    }

    /** Runs a body decoder: a value or a MalformedFrameException, nothing else. */
    private static String body(java.util.function.Supplier<Object> decoder) {
        try {
            return "body " + decoder.get();
        } catch (MalformedFrameException e) {
            assertThat(e.getMessage()).isNotBlank();
            return "malformed body " + e.kind();
        }
    }
}
