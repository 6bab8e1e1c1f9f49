package io.dmsc.wire.data;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageLite;
import io.dmsc.wire.link.LinkFrameCodec;
import io.dmsc.wire.link.MalformedFrameException;
import io.dmsc.wire.proto.data.v1.Cancel;
import io.dmsc.wire.proto.data.v1.Close;
import io.dmsc.wire.proto.data.v1.Headers;
import io.dmsc.wire.proto.data.v1.OpenTail;
import io.dmsc.wire.proto.data.v1.Probe;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * Layout, encoders and field accessors of data-plane frames. A data frame is a link frame
 * ({@link LinkFrameCodec}) whose type is 16 or more, with a fixed header that transit nodes read
 * and rewrite in place, so they forward the buffer they received without parsing its body:
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +---------------------------------------------------------------+
 * |                     Frame Length (32)                         |
 * +---------------+---------------+---------------+---------------+
 * |  Version (8)  |   Type (8)    |   Flags (8)   |R|             |
 * +---------------+---------------+---------------+-+             |
 * |                      Stream Id (31)           |  type-specific ...
 * +-----------------------------------------------+
 *
 * OPEN (16), after the stream id:
 * +---------------+-----------------------------------------------+
 * | Hop Limit (8) |        Timeout (64, ns; 0 = no deadline) ...
 * +---------------+-------------------------------+---------------+
 * |     Name Length (16)      |  Name (UTF-8, the routed name) ...
 * +---------------------------+-----------------------------------+
 * | [Egress Length (8) | Egress (node id)]  only with Flags bit 1 (EGRESS) ...
 * +-----------------------------------------------------------------+
 * | [Policy Id (32) | Next (8) | Count (8) | Count x (Length (8) | node id)]  only with bit 3 (PATH)
 * +-----------------------------------------------------------------+
 * |  OpenTail (protobuf dmsc.data.v1: method, target, headers, origin, attempt) ...
 *
 * OPEN flags: bit 1 (EGRESS) = an egress node id follows the name; bit 2 (PINNED) = forward
 * towards that egress node (the ingress chose one of the equal-cost replicas), not by the name.
 * A node that is the egress, or that has no route to it, clears PINNED and routes by the name.
 * Bit 3 (PATH, only with EGRESS) = an explicit path of a scheduling policy follows: the nodes
 * after the ingress, the egress last; Next is the index of the node the frame goes to next. Bit 4
 * (PATH_ACTIVE) = the path is followed: each node on it sends the OPEN to that neighbour and
 * increments Next; a node that cannot (the link is down, the frame is not where the path says)
 * clears PATH_ACTIVE and forwards towards the pinned egress by shortest path, so a broken path
 * falls back to SPF at the hop where it broke.
 *
 * MESSAGE (19): payload bytes; Flags bit 0 = last chunk of a gRPC message.
 * WINDOW_UPDATE (23): Credit (32, bytes, &gt; 0).
 * HEADERS (18), CLOSE (21), CANCEL (22): protobuf body (Headers, Close, Cancel).
 * ACCEPT (17), HALF_CLOSE (20): no body.
 * PROBE (24): Stream Id 0, then Hop Limit (8), then protobuf Probe.
 * </pre>
 *
 * Stream ids are chosen per link by the node that sends the OPEN on that link. R (reply) is 0
 * on frames travelling in the OPEN's direction and 1 on frames travelling back, so both ends of
 * a link can open streams without coordinating ids. Integers are big-endian. Stateless and
 * thread-safe.
 */
public final class DataFrames {
    /** Opens a stream; routed by name. */
    public static final int OPEN = 16;
    /** The egress SG handed the call to a pod (from here on a retry may repeat work). */
    public static final int ACCEPT = 17;
    /** Response headers. */
    public static final int HEADERS = 18;
    /** A chunk of a gRPC message. */
    public static final int MESSAGE = 19;
    /** The caller sent its last message. */
    public static final int HALF_CLOSE = 20;
    /** The call ended with a status and trailers (egress to ingress). */
    public static final int CLOSE = 21;
    /** The call is aborted (either direction). */
    public static final int CANCEL = 22;
    /** Grants the peer end more bytes of MESSAGE payload. */
    public static final int WINDOW_UPDATE = 23;
    /** Stateless probe (ping, trace). */
    public static final int PROBE = 24;
    /** Highest data frame type. */
    public static final int MAX_TYPE = PROBE;

    /** Offset of the type byte. */
    public static final int TYPE_OFFSET = 5;
    /** Offset of the flags byte. */
    public static final int FLAGS_OFFSET = 6;
    /** Offset of the stream id word. */
    public static final int STREAM_OFFSET = 7;
    /** Bytes of the common header, length field included. */
    public static final int HEADER_LENGTH = 11;
    /** Offset of the hop limit of OPEN and PROBE. */
    public static final int HOP_LIMIT_OFFSET = 11;
    /** Offset of the timeout of OPEN. */
    public static final int TIMEOUT_OFFSET = 12;
    /** Offset of the name length of OPEN. */
    public static final int NAME_LENGTH_OFFSET = 20;
    /** Offset of the name of OPEN. */
    public static final int NAME_OFFSET = 22;
    /** Bit of the stream id word set on frames travelling against the OPEN's direction. */
    public static final int REPLY_BIT = 0x8000_0000;
    /** MESSAGE flag: this chunk ends a gRPC message. */
    public static final int FLAG_END_OF_MESSAGE = 1;
    /** OPEN flag: an egress node id follows the name. */
    public static final int FLAG_EGRESS = 2;
    /** OPEN flag: forward towards the egress node, not by the name. */
    public static final int FLAG_PINNED = 4;
    /** Longest egress node id, bytes. */
    public static final int MAX_EGRESS_LENGTH = 64;
    /** OPEN flag: an explicit path of a scheduling policy follows the egress. */
    public static final int FLAG_PATH = 8;
    /** OPEN flag: the explicit path is followed (cleared where it broke; the bytes stay). */
    public static final int FLAG_PATH_ACTIVE = 16;
    /** Most nodes an explicit path may list. */
    public static final int MAX_PATH_NODES = 32;
    /** Longest routed name, bytes. */
    public static final int MAX_NAME_LENGTH = 4096;
    /** Hop limit of a new stream or probe. */
    public static final int DEFAULT_HOP_LIMIT = 32;

    private DataFrames() {
    }

    /**
     * @param code a type byte
     * @return true if it is a data frame type this implementation knows
     */
    public static boolean isDataType(int code) {
        return code >= OPEN && code <= MAX_TYPE;
    }

    /**
     * @param type a data frame type
     * @return its name, for logs and metrics
     */
    public static String typeName(int type) {
        switch (type) {
            case OPEN: return "open";
            case ACCEPT: return "accept";
            case HEADERS: return "headers";
            case MESSAGE: return "message";
            case HALF_CLOSE: return "half_close";
            case CLOSE: return "close";
            case CANCEL: return "cancel";
            case WINDOW_UPDATE: return "window_update";
            case PROBE: return "probe";
            default: return "unknown";
        }
    }

    /**
     * Checks the fixed header of a data frame just cut from the stream.
     *
     * @param frame whole frame, length field included; not consumed, not released
     * @throws MalformedFrameException if the header is inconsistent
     */
    public static void validate(ByteBuf frame) {
        int start = frame.readerIndex();
        int length = frame.readableBytes();
        int type = frame.getUnsignedByte(start + TYPE_OFFSET);
        int min = minimumLength(type);
        if (length < min) {
            throw new MalformedFrameException("length", typeName(type) + " frame of " + length
                    + " bytes (expected: at least " + min + ")");
        }
        if (type == OPEN) {
            int nameLength = frame.getUnsignedShort(start + NAME_LENGTH_OFFSET);
            if (nameLength == 0 || nameLength > MAX_NAME_LENGTH || NAME_OFFSET + nameLength > length) {
                throw new MalformedFrameException("open", "open frame name length " + nameLength
                        + " (expected: 1.." + Math.min(MAX_NAME_LENGTH, length - NAME_OFFSET) + ")");
            }
            if ((frame.getUnsignedByte(start + FLAGS_OFFSET) & FLAG_EGRESS) != 0) {
                int at = NAME_OFFSET + nameLength;
                int egress = at < length ? frame.getUnsignedByte(start + at) : 0;
                if (egress == 0 || egress > MAX_EGRESS_LENGTH || at + 1 + egress > length) {
                    throw new MalformedFrameException("open", "open frame egress length " + egress
                            + " (expected: 1.." + MAX_EGRESS_LENGTH + " bytes within the frame)");
                }
                int flags = frame.getUnsignedByte(start + FLAGS_OFFSET);
                if ((flags & FLAG_PATH) != 0) {
                    validatePath(frame, start, at + 1 + egress, length);
                } else if ((flags & FLAG_PATH_ACTIVE) != 0) {
                    throw new MalformedFrameException("open", "open frame with PATH_ACTIVE but no path (expected: "
                            + "PATH_ACTIVE only together with PATH)");
                }
            } else if ((frame.getUnsignedByte(start + FLAGS_OFFSET) & (FLAG_PATH | FLAG_PATH_ACTIVE)) != 0) {
                throw new MalformedFrameException("open", "open frame with a path but no egress (expected: the PATH "
                        + "flag only together with EGRESS)");
            }
            if (frame.getLong(start + TIMEOUT_OFFSET) < 0) {
                throw new MalformedFrameException("open", "open frame timeout " + frame.getLong(start + TIMEOUT_OFFSET)
                        + " ns (expected: >= 0)");
            }
        } else if (type == WINDOW_UPDATE && frame.getInt(start + HEADER_LENGTH) <= 0) {
            throw new MalformedFrameException("window", "window update of " + frame.getInt(start + HEADER_LENGTH)
                    + " bytes (expected: > 0)");
        }
    }

    private static void validatePath(ByteBuf frame, int start, int at, int length) {
        if (at + 6 > length) {
            throw new MalformedFrameException("open", "open frame path header beyond the frame (expected: 6 bytes "
                    + "of policy id, next and count)");
        }
        int next = frame.getUnsignedByte(start + at + 4);
        int count = frame.getUnsignedByte(start + at + 5);
        if (count == 0 || count > MAX_PATH_NODES || next > count) {
            throw new MalformedFrameException("open", "open frame path of " + count + " nodes, next " + next
                    + " (expected: 1.." + MAX_PATH_NODES + " nodes, next <= count)");
        }
        int p = at + 6;
        for (int i = 0; i < count; i++) {
            int n = p < length ? frame.getUnsignedByte(start + p) : 0;
            if (n == 0 || n > MAX_EGRESS_LENGTH || p + 1 + n > length) {
                throw new MalformedFrameException("open", "open frame path node " + i + " of length " + n
                        + " (expected: 1.." + MAX_EGRESS_LENGTH + " bytes within the frame)");
            }
            p += 1 + n;
        }
    }

    private static int minimumLength(int type) {
        switch (type) {
            case OPEN: return NAME_OFFSET + 1;
            case WINDOW_UPDATE: return HEADER_LENGTH + 4;
            case PROBE: return HEADER_LENGTH + 1;
            default: return HEADER_LENGTH;
        }
    }

    // ------------------------------------------------------------------------------------------
    // Header accessors (frame = whole frame, reader index at the length field)

    /** @param frame a data frame @return its type */
    public static int type(ByteBuf frame) {
        return frame.getUnsignedByte(frame.readerIndex() + TYPE_OFFSET);
    }

    /** @param frame a data frame @return its flags */
    public static int flags(ByteBuf frame) {
        return frame.getUnsignedByte(frame.readerIndex() + FLAGS_OFFSET);
    }

    /** @param frame a data frame @return the stream id word, reply bit included */
    public static int streamWord(ByteBuf frame) {
        return frame.getInt(frame.readerIndex() + STREAM_OFFSET);
    }

    /**
     * Rewrites the stream id word in place.
     *
     * @param frame a data frame
     * @param word  stream id with the reply bit
     */
    public static void setStreamWord(ByteBuf frame, int word) {
        frame.setInt(frame.readerIndex() + STREAM_OFFSET, word);
    }

    /** @param frame an OPEN or PROBE frame @return its hop limit */
    public static int hopLimit(ByteBuf frame) {
        return frame.getUnsignedByte(frame.readerIndex() + HOP_LIMIT_OFFSET);
    }

    /** @param frame an OPEN or PROBE frame @param hops the new hop limit */
    public static void setHopLimit(ByteBuf frame, int hops) {
        frame.setByte(frame.readerIndex() + HOP_LIMIT_OFFSET, hops);
    }

    /** @param frame an OPEN frame @return its timeout in ns, 0 for none */
    public static long timeoutNs(ByteBuf frame) {
        return frame.getLong(frame.readerIndex() + TIMEOUT_OFFSET);
    }

    /** @param frame an OPEN frame @param timeoutNs remaining time, ns, 0 for none */
    public static void setTimeoutNs(ByteBuf frame, long timeoutNs) {
        frame.setLong(frame.readerIndex() + TIMEOUT_OFFSET, timeoutNs);
    }

    /** @param frame an OPEN frame @return the routed name */
    public static String openName(ByteBuf frame) {
        int start = frame.readerIndex();
        int n = frame.getUnsignedShort(start + NAME_LENGTH_OFFSET);
        return frame.toString(start + NAME_OFFSET, n, StandardCharsets.UTF_8);
    }

    /**
     * @param frame an OPEN frame
     * @return the egress node it is pinned to, or null when it is routed by its name
     */
    public static String pinnedEgress(ByteBuf frame) {
        int start = frame.readerIndex();
        if ((frame.getUnsignedByte(start + FLAGS_OFFSET) & (FLAG_EGRESS | FLAG_PINNED)) != (FLAG_EGRESS | FLAG_PINNED)) {
            return null;
        }
        int at = start + NAME_OFFSET + frame.getUnsignedShort(start + NAME_LENGTH_OFFSET);
        return frame.toString(at + 1, frame.getUnsignedByte(at), StandardCharsets.US_ASCII);
    }

    /**
     * Clears the PINNED flag in place: from here on the OPEN is routed by its name.
     *
     * @param frame an OPEN frame
     */
    public static void unpin(ByteBuf frame) {
        int at = frame.readerIndex() + FLAGS_OFFSET;
        frame.setByte(at, frame.getUnsignedByte(at) & ~FLAG_PINNED);
    }

    /** @return offset (from the reader index) of the path header, or -1 without an active path */
    private static int pathOffset(ByteBuf frame) {
        int start = frame.readerIndex();
        int all = FLAG_EGRESS | FLAG_PATH | FLAG_PATH_ACTIVE;
        if ((frame.getUnsignedByte(start + FLAGS_OFFSET) & all) != all) {
            return -1;
        }
        int at = NAME_OFFSET + frame.getUnsignedShort(start + NAME_LENGTH_OFFSET);
        return at + 1 + frame.getUnsignedByte(start + at);
    }

    /**
     * @param frame an OPEN frame
     * @return the id of the policy whose explicit path it follows, or -1 for none
     */
    public static long pathPolicy(ByteBuf frame) {
        int at = pathOffset(frame);
        return at < 0 ? -1 : frame.getUnsignedInt(frame.readerIndex() + at);
    }

    /**
     * @param frame an OPEN frame
     * @param back  0 for the node the frame goes to next, 1 for the node it is at (the previous
     *              entry), and so on
     * @return that node of its explicit path; null without a path or when the index falls outside
     *         (the path is done, or the ingress itself)
     */
    public static String pathNode(ByteBuf frame, int back) {
        int at = pathOffset(frame);
        if (at < 0) {
            return null;
        }
        int start = frame.readerIndex();
        int index = frame.getUnsignedByte(start + at + 4) - back;
        int count = frame.getUnsignedByte(start + at + 5);
        if (index < 0 || index >= count) {
            return null;
        }
        int p = start + at + 6;
        for (int i = 0; i < index; i++) {
            p += 1 + frame.getUnsignedByte(p);
        }
        return frame.toString(p + 1, frame.getUnsignedByte(p), StandardCharsets.US_ASCII);
    }

    /**
     * Moves the explicit path on by one node in place (the frame is being sent to {@link #pathNode(ByteBuf, int)
     * pathNode(frame, 0)}).
     *
     * @param frame an OPEN frame with a path
     */
    public static void advancePath(ByteBuf frame) {
        int at = frame.readerIndex() + pathOffset(frame) + 4;
        frame.setByte(at, frame.getUnsignedByte(at) + 1);
    }

    /**
     * Clears the PATH_ACTIVE flag in place: from here on the OPEN goes by shortest path (towards its
     * pinned egress). The path bytes stay, unread.
     *
     * @param frame an OPEN frame
     */
    public static void clearPath(ByteBuf frame) {
        int at = frame.readerIndex() + FLAGS_OFFSET;
        frame.setByte(at, frame.getUnsignedByte(at) & ~FLAG_PATH_ACTIVE);
    }

    /** @param frame a WINDOW_UPDATE frame @return the credit granted */
    public static int credit(ByteBuf frame) {
        return frame.getInt(frame.readerIndex() + HEADER_LENGTH);
    }

    /**
     * @param frame a MESSAGE frame
     * @return a slice of its payload sharing the frame's memory; not retained
     */
    public static ByteBuf payload(ByteBuf frame) {
        int start = frame.readerIndex() + HEADER_LENGTH;
        return frame.slice(start, frame.writerIndex() - start);
    }

    // ------------------------------------------------------------------------------------------
    // Encoders: every returned frame belongs to the caller.

    /**
     * @param alloc allocator
     * @param type  ACCEPT or HALF_CLOSE
     * @param word  stream id word
     * @return the frame; ownership passes to the caller
     */
    public static ByteBuf empty(ByteBufAllocator alloc, int type, int word) {
        ByteBuf b = alloc.buffer(HEADER_LENGTH);
        writeHeader(b, HEADER_LENGTH - 4, type, 0, word);
        return b;
    }

    /**
     * @param alloc  allocator
     * @param word   stream id word
     * @param credit bytes granted, &gt; 0
     * @return the frame; ownership passes to the caller
     */
    public static ByteBuf windowUpdate(ByteBufAllocator alloc, int word, int credit) {
        ByteBuf b = alloc.buffer(HEADER_LENGTH + 4);
        writeHeader(b, HEADER_LENGTH, WINDOW_UPDATE, 0, word);
        b.writeInt(credit);
        return b;
    }

    /**
     * Encodes one chunk of a message.
     *
     * @param alloc        allocator
     * @param word         stream id word
     * @param payload      bytes to copy; read from its reader index, {@code length} bytes; not released
     * @param length       bytes to take
     * @param endOfMessage true for the last chunk of the gRPC message
     * @return the frame; ownership passes to the caller
     */
    public static ByteBuf message(ByteBufAllocator alloc, int word, ByteBuf payload, int length, boolean endOfMessage) {
        ByteBuf b = alloc.buffer(HEADER_LENGTH + length);
        writeHeader(b, HEADER_LENGTH - 4 + length, MESSAGE, endOfMessage ? FLAG_END_OF_MESSAGE : 0, word);
        b.writeBytes(payload, length);
        return b;
    }

    /**
     * Encodes one chunk of a message from an array.
     *
     * @param alloc        allocator
     * @param word         stream id word
     * @param bytes        source
     * @param offset       first byte
     * @param length       bytes to take
     * @param endOfMessage true for the last chunk
     * @return the frame; ownership passes to the caller
     */
    public static ByteBuf message(ByteBufAllocator alloc, int word, byte[] bytes, int offset, int length,
                                  boolean endOfMessage) {
        ByteBuf b = alloc.buffer(HEADER_LENGTH + length);
        writeHeader(b, HEADER_LENGTH - 4 + length, MESSAGE, endOfMessage ? FLAG_END_OF_MESSAGE : 0, word);
        b.writeBytes(bytes, offset, length);
        return b;
    }

    /**
     * @param alloc     allocator
     * @param word      stream id word
     * @param hopLimit  hops left, 1..255
     * @param timeoutNs remaining time, ns; 0 for none
     * @param name      routed name
     * @param tail      the rest
     * @return the frame; ownership passes to the caller
     */
    public static ByteBuf open(ByteBufAllocator alloc, int word, int hopLimit, long timeoutNs, String name,
                               OpenTail tail) {
        return open(alloc, word, hopLimit, timeoutNs, name, null, tail);
    }

    /**
     * @param alloc     allocator
     * @param word      stream id word
     * @param hopLimit  hops left, 1..255
     * @param timeoutNs remaining time, ns; 0 for none
     * @param name      routed name
     * @param egress    the egress node to forward towards (pinned), or null to route by the name
     * @param tail      the rest
     * @return the frame; ownership passes to the caller
     */
    public static ByteBuf open(ByteBufAllocator alloc, int word, int hopLimit, long timeoutNs, String name,
                               String egress, OpenTail tail) {
        return open(alloc, word, hopLimit, timeoutNs, name, egress, null, 0, tail);
    }

    /**
     * @param alloc     allocator
     * @param word      stream id word
     * @param hopLimit  hops left, 1..255
     * @param timeoutNs remaining time, ns; 0 for none
     * @param name      routed name
     * @param egress    the egress node to forward towards (pinned), or null to route by the name
     * @param path      explicit path (the nodes after the ingress, ending with {@code egress}), or
     *                  null for none; needs an egress
     * @param policyId  the policy the path comes from (0..2^32-1)
     * @param tail      the rest
     * @return the frame; ownership passes to the caller
     */
    public static ByteBuf open(ByteBufAllocator alloc, int word, int hopLimit, long timeoutNs, String name,
                               String egress, java.util.List<String> path, long policyId, OpenTail tail) {
        byte[][] pathBytes = null;
        int pathLength = 0;
        if (path != null) {
            if (egress == null || path.isEmpty() || path.size() > MAX_PATH_NODES
                    || !path.get(path.size() - 1).equals(egress)) {
                throw new IllegalArgumentException("path: " + path + " (expected: 1.." + MAX_PATH_NODES
                        + " nodes ending with the egress " + egress + ")");
            }
            pathBytes = new byte[path.size()][];
            pathLength = 6;
            for (int i = 0; i < pathBytes.length; i++) {
                pathBytes[i] = path.get(i).getBytes(StandardCharsets.US_ASCII);
                if (pathBytes[i].length == 0 || pathBytes[i].length > MAX_EGRESS_LENGTH) {
                    throw new IllegalArgumentException("path node '" + path.get(i) + "' (expected: 1.."
                            + MAX_EGRESS_LENGTH + " bytes)");
                }
                pathLength += 1 + pathBytes[i].length;
            }
        }
        byte[] nameBytes = name.getBytes(StandardCharsets.UTF_8);
        if (nameBytes.length == 0 || nameBytes.length > MAX_NAME_LENGTH) {
            throw new IllegalArgumentException("name: " + nameBytes.length + " bytes (expected: 1.." + MAX_NAME_LENGTH
                    + ")");
        }
        byte[] egressBytes = egress == null ? null : egress.getBytes(StandardCharsets.US_ASCII);
        if (egressBytes != null && (egressBytes.length == 0 || egressBytes.length > MAX_EGRESS_LENGTH)) {
            throw new IllegalArgumentException("egress: " + egressBytes.length + " bytes (expected: 1.."
                    + MAX_EGRESS_LENGTH + ")");
        }
        int size = tail.getSerializedSize();
        int total = NAME_OFFSET + nameBytes.length + (egressBytes == null ? 0 : 1 + egressBytes.length) + pathLength
                + size;
        ByteBuf b = alloc.buffer(total);
        writeHeader(b, total - 4, OPEN, (egressBytes == null ? 0 : FLAG_EGRESS | FLAG_PINNED)
                | (pathBytes == null ? 0 : FLAG_PATH | FLAG_PATH_ACTIVE), word);
        b.writeByte(hopLimit);
        b.writeLong(timeoutNs);
        b.writeShort(nameBytes.length);
        b.writeBytes(nameBytes);
        if (egressBytes != null) {
            b.writeByte(egressBytes.length);
            b.writeBytes(egressBytes);
        }
        if (pathBytes != null) {
            b.writeInt((int) policyId);
            b.writeByte(0);
            b.writeByte(pathBytes.length);
            for (byte[] node : pathBytes) {
                b.writeByte(node.length);
                b.writeBytes(node);
            }
        }
        return writeBody(b, tail, size);
    }

    /** @param alloc allocator @param word stream id word @param headers body @return the frame; caller owns it */
    public static ByteBuf headers(ByteBufAllocator alloc, int word, Headers headers) {
        return withBody(alloc, HEADERS, word, headers);
    }

    /** @param alloc allocator @param word stream id word @param close body @return the frame; caller owns it */
    public static ByteBuf close(ByteBufAllocator alloc, int word, Close close) {
        return withBody(alloc, CLOSE, word, close);
    }

    /** @param alloc allocator @param word stream id word @param cancel body @return the frame; caller owns it */
    public static ByteBuf cancel(ByteBufAllocator alloc, int word, Cancel cancel) {
        return withBody(alloc, CANCEL, word, cancel);
    }

    /**
     * @param alloc    allocator
     * @param hopLimit hops left
     * @param probe    body
     * @return the frame; ownership passes to the caller
     */
    public static ByteBuf probe(ByteBufAllocator alloc, int hopLimit, Probe probe) {
        int size = probe.getSerializedSize();
        ByteBuf b = alloc.buffer(HEADER_LENGTH + 1 + size);
        writeHeader(b, HEADER_LENGTH + 1 + size - 4, PROBE, 0, 0);
        b.writeByte(hopLimit);
        return writeBody(b, probe, size);
    }

    private static ByteBuf withBody(ByteBufAllocator alloc, int type, int word, MessageLite body) {
        int size = body.getSerializedSize();
        ByteBuf b = alloc.buffer(HEADER_LENGTH + size);
        writeHeader(b, HEADER_LENGTH - 4 + size, type, 0, word);
        return writeBody(b, body, size);
    }

    private static ByteBuf writeBody(ByteBuf b, MessageLite body, int size) {
        try {
            if (b.hasArray()) {
                CodedOutputStream out = CodedOutputStream.newInstance(b.array(), b.arrayOffset() + b.writerIndex(),
                        size);
                body.writeTo(out);
                out.checkNoSpaceLeft();
                b.writerIndex(b.writerIndex() + size);
            } else {
                body.writeTo(new ByteBufOutputStream(b));
            }
            return b;
        } catch (IOException | RuntimeException e) {
            b.release();
            throw new IllegalStateException("encoding a data frame body failed", e);
        }
    }

    private static void writeHeader(ByteBuf b, int lengthAfterField, int type, int flags, int word) {
        b.writeInt(lengthAfterField);
        b.writeByte(LinkFrameCodec.VERSION);
        b.writeByte(type);
        b.writeByte(flags);
        b.writeInt(word);
    }

    // ------------------------------------------------------------------------------------------
    // Body decoders (ingress and egress only)

    /**
     * @param frame an OPEN frame; not released
     * @return its protobuf tail
     * @throws MalformedFrameException if the tail is not a valid OpenTail
     */
    public static OpenTail openTail(ByteBuf frame) {
        int start = frame.readerIndex();
        int from = start + NAME_OFFSET + frame.getUnsignedShort(start + NAME_LENGTH_OFFSET);
        if ((frame.getUnsignedByte(start + FLAGS_OFFSET) & FLAG_EGRESS) != 0) {
            from += 1 + frame.getUnsignedByte(from);
            if ((frame.getUnsignedByte(start + FLAGS_OFFSET) & FLAG_PATH) != 0) {
                int count = frame.getUnsignedByte(from + 5);
                from += 6;
                for (int i = 0; i < count; i++) {
                    from += 1 + frame.getUnsignedByte(from);
                }
            }
        }
        return parse(frame, from, OpenTail.parser(), "open");
    }

    /** @param frame a HEADERS frame; not released @return its body */
    public static Headers headers(ByteBuf frame) {
        return parse(frame, frame.readerIndex() + HEADER_LENGTH, Headers.parser(), "headers");
    }

    /** @param frame a CLOSE frame; not released @return its body */
    public static Close close(ByteBuf frame) {
        return parse(frame, frame.readerIndex() + HEADER_LENGTH, Close.parser(), "close");
    }

    /** @param frame a CANCEL frame; not released @return its body */
    public static Cancel cancel(ByteBuf frame) {
        return parse(frame, frame.readerIndex() + HEADER_LENGTH, Cancel.parser(), "cancel");
    }

    /** @param frame a PROBE frame; not released @return its body */
    public static Probe probe(ByteBuf frame) {
        return parse(frame, frame.readerIndex() + HEADER_LENGTH + 1, Probe.parser(), "probe");
    }

    private static <T> T parse(ByteBuf frame, int from, com.google.protobuf.Parser<T> parser, String what) {
        int length = frame.writerIndex() - from;
        if (length < 0) {
            throw new MalformedFrameException(what, what + " frame body is truncated");
        }
        try {
            if (frame.hasArray()) {
                return parser.parseFrom(frame.array(), frame.arrayOffset() + from, length);
            }
            return parser.parseFrom(frame.nioBuffer(from, length));
        } catch (InvalidProtocolBufferException e) {
            throw new MalformedFrameException(what, what + " frame body is not a valid dmsc.data.v1 message: "
                    + e.getMessage());
        }
    }
}
