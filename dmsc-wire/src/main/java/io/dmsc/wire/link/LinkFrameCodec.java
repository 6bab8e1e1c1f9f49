package io.dmsc.wire.link;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.dmsc.wire.ServicePrefix;
import io.dmsc.wire.proto.link.v1.CompleteSummary.Builder;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufInputStream;
import io.netty.buffer.ByteBufOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Encodes and decodes link frames of signal type 2.
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +---------------------------------------------------------------+
 * |                     Frame Length (32)                         |
 * +---------------+---------------+-------------------------------+
 * |  Version (8)  |   Type (8)    |   Body (protobuf, dmsc.link.v1)
 * +---------------+---------------+-------------------------------+
 * </pre>
 *
 * Frame Length counts the bytes after the length field (version + type + body), so it is at
 * least 2 and at most the configured maximum frame size. Integers are big-endian. The body is
 * the protobuf message of the type: 1 Hello, 2 LinkStatePdu, 3 PartialSummary,
 * 4 CompleteSummary. Stateless and thread-safe.
 */
public final class LinkFrameCodec {
    /** The link protocol version this implementation speaks. */
    public static final int VERSION = 1;
    /** Size of the length field. */
    public static final int LENGTH_FIELD = 4;
    /** Version and type bytes. */
    public static final int HEADER_AFTER_LENGTH = 2;
    /** Default largest frame, in bytes after the length field. */
    public static final int DEFAULT_MAX_FRAME_LENGTH = 1 << 20;

    private LinkFrameCodec() {
    }

    /**
     * Encodes one whole frame, length field included.
     *
     * @param message the message
     * @param alloc   allocator for the result
     * @return the frame; ownership passes to the caller
     */
    public static ByteBuf encode(LinkMessage message, ByteBufAllocator alloc) {
        com.google.protobuf.MessageLite body;
        FrameType type;
        if (message instanceof HelloMessage h) {
            type = FrameType.HELLO;
            body = io.dmsc.wire.proto.link.v1.Hello.newBuilder()
                    .setProtocolVersion(h.protocolVersion())
                    .setNodeId(h.nodeId())
                    .setHoldTimeMs(h.holdTimeMs())
                    .setHeardNodeId(h.heardNodeId())
                    .setRole(h.role().code())
                    .build();
        } else if (message instanceof LinkStatePdu p) {
            type = FrameType.LSP;
            body = toProto(p);
        } else if (message instanceof PartialSummary s) {
            type = FrameType.PSNP;
            io.dmsc.wire.proto.link.v1.PartialSummary.Builder b = io.dmsc.wire.proto.link.v1.PartialSummary.newBuilder();
            for (LspSummary e : s.entries()) {
                b.addEntries(toProto(e));
            }
            body = b.build();
        } else if (message instanceof CompleteSummary c) {
            type = FrameType.CSNP;
            Builder b = io.dmsc.wire.proto.link.v1.CompleteSummary.newBuilder()
                    .setStart(toProto(c.start())).setEnd(toProto(c.end()));
            for (LspSummary e : c.entries()) {
                b.addEntries(toProto(e));
            }
            body = b.build();
        } else {
            throw new IllegalArgumentException("message: " + message.getClass().getSimpleName()
                    + " (expected: a Hello, LinkStatePdu, PartialSummary or CompleteSummary)");
        }
        int size = body.getSerializedSize();
        ByteBuf buf = alloc.buffer(LENGTH_FIELD + HEADER_AFTER_LENGTH + size);
        boolean ok = false;
        try {
            buf.writeInt(HEADER_AFTER_LENGTH + size);
            buf.writeByte(VERSION);
            buf.writeByte(type.code());
            body.writeTo(new ByteBufOutputStream(buf));
            ok = true;
            return buf;
        } catch (IOException e) {
            throw new IllegalStateException("encoding " + type + " into a heap or direct buffer failed", e);
        } finally {
            if (!ok) {
                buf.release();
            }
        }
    }

    /**
     * Encodes the body size of a message, for fragment budgeting.
     *
     * @param pdu an LSP
     * @return its encoded frame length, length field included
     */
    public static int encodedSize(LinkStatePdu pdu) {
        return LENGTH_FIELD + HEADER_AFTER_LENGTH + toProto(pdu).getSerializedSize();
    }

    /**
     * Decodes the part of a frame after the length field.
     *
     * @param frame version, type and body; read but not released by this method
     * @return the message, or a {@link RejectedPdu} for well-formed frames whose content
     *         breaks a protocol rule
     * @throws MalformedFrameException if the frame cannot be decoded
     */
    public static LinkMessage decode(ByteBuf frame) {
        if (frame.readableBytes() < HEADER_AFTER_LENGTH) {
            throw new MalformedFrameException("length", "frame of " + frame.readableBytes()
                    + " bytes (expected: at least " + HEADER_AFTER_LENGTH + " for version and type)");
        }
        int version = frame.readUnsignedByte();
        if (version != VERSION) {
            throw new MalformedFrameException("version", "link protocol version " + version
                    + " (expected: " + VERSION + ")");
        }
        int code = frame.readUnsignedByte();
        FrameType type = FrameType.fromCode(code);
        if (type == null) {
            throw new MalformedFrameException("type", "unknown frame type " + code + " (expected: 1..4, or 16..24 for data frames)");
        }
        try (ByteBufInputStream in = new ByteBufInputStream(frame)) {
            switch (type) {
                case HELLO:
                    return fromProto(io.dmsc.wire.proto.link.v1.Hello.parseFrom(in));
                case LSP:
                    return fromProto(io.dmsc.wire.proto.link.v1.LinkStatePdu.parseFrom(in));
                case PSNP:
                    return fromProto(io.dmsc.wire.proto.link.v1.PartialSummary.parseFrom(in));
                case CSNP:
                    return fromProto(io.dmsc.wire.proto.link.v1.CompleteSummary.parseFrom(in));
                default:
                    throw new AssertionError(type);
            }
        } catch (InvalidProtocolBufferException e) {
            throw new MalformedFrameException("body", type + " body is not a valid protobuf message: "
                    + e.getMessage());
        } catch (IOException e) {
            throw new MalformedFrameException("body", type + " body could not be read: " + e.getMessage());
        }
    }

    private static LinkMessage fromProto(io.dmsc.wire.proto.link.v1.Hello h) {
        if (h.getProtocolVersion() != VERSION) {
            throw new MalformedFrameException("version", "hello announces protocol version "
                    + h.getProtocolVersion() + " (expected: " + VERSION + ")");
        }
        try {
            return new HelloMessage(h.getProtocolVersion(), h.getNodeId(), h.getHoldTimeMs(), h.getHeardNodeId(),
                    NodeRole.fromCode(h.getRole()));
        } catch (IllegalArgumentException e) {
            // A neighbour whose hello we cannot understand cannot form an adjacency: close the link.
            throw new MalformedFrameException("hello", "invalid hello: " + e.getMessage());
        }
    }

    private static LinkMessage fromProto(io.dmsc.wire.proto.link.v1.LinkStatePdu p) {
        try {
            if (p.getRemainingLifetimeS() < 0 || p.getRemainingLifetimeS() > LinkStatePdu.MAX_LIFETIME_S) {
                // Unsigned on the wire: a value above 2^31 arrives negative.
                throw new IllegalArgumentException("remaining lifetime " + Integer.toUnsignedString(
                        p.getRemainingLifetimeS()) + " s (expected: 0.." + LinkStatePdu.MAX_LIFETIME_S + ")");
            }
            List<NeighborEntry> neighbors = new ArrayList<>(p.getNeighborsCount());
            for (io.dmsc.wire.proto.link.v1.NeighborEntry n : p.getNeighborsList()) {
                neighbors.add(new NeighborEntry(n.getNodeId(), n.getMetric()));
            }
            List<PrefixEntry> prefixes = new ArrayList<>(p.getPrefixesCount());
            for (io.dmsc.wire.proto.link.v1.PrefixEntry e : p.getPrefixesList()) {
                prefixes.add(new PrefixEntry(ServicePrefix.parse(e.getPrefix()), e.getCost(),
                        e.getWeight() == 0 ? 1 : e.getWeight(), e.getAuthorization().toByteArray()));
            }
            LspSignature signature = p.getSignature().isEmpty() && p.getSignerCertificate().isEmpty() ? null
                    : new LspSignature(p.getSignerCertificate().toByteArray(), p.getSignature().toByteArray());
            return new LinkStatePdu(fromProto(p.getId()), p.getSequence(), p.getRemainingLifetimeS(),
                    p.getOverload(), NodeRole.fromCode(p.getRole()), neighbors, prefixes, signature);
        } catch (IllegalArgumentException e) {
            return new RejectedPdu(FrameType.LSP, "LSP " + p.getId().getOrigin() + "-" + p.getId().getFragment()
                    + " seq " + Long.toUnsignedString(p.getSequence()) + ": " + e.getMessage());
        }
    }

    private static LinkMessage fromProto(io.dmsc.wire.proto.link.v1.PartialSummary s) {
        try {
            List<LspSummary> entries = new ArrayList<>(s.getEntriesCount());
            for (io.dmsc.wire.proto.link.v1.LspSummary e : s.getEntriesList()) {
                entries.add(fromProto(e));
            }
            return new PartialSummary(entries);
        } catch (IllegalArgumentException e) {
            return new RejectedPdu(FrameType.PSNP, "partial summary: " + e.getMessage());
        }
    }

    private static LinkMessage fromProto(io.dmsc.wire.proto.link.v1.CompleteSummary s) {
        try {
            List<LspSummary> entries = new ArrayList<>(s.getEntriesCount());
            for (io.dmsc.wire.proto.link.v1.LspSummary e : s.getEntriesList()) {
                entries.add(fromProto(e));
            }
            return new CompleteSummary(fromProto(s.getStart()), fromProto(s.getEnd()), entries);
        } catch (IllegalArgumentException e) {
            return new RejectedPdu(FrameType.CSNP, "complete summary: " + e.getMessage());
        }
    }

    private static LspSummary fromProto(io.dmsc.wire.proto.link.v1.LspSummary e) {
        return new LspSummary(fromProto(e.getId()), e.getSequence(), e.getRemainingLifetimeS(), e.getChecksum());
    }

    private static LspId fromProto(io.dmsc.wire.proto.link.v1.LspId id) {
        return new LspId(id.getOrigin(), id.getFragment());
    }

    private static io.dmsc.wire.proto.link.v1.LspId toProto(LspId id) {
        return io.dmsc.wire.proto.link.v1.LspId.newBuilder().setOrigin(id.origin()).setFragment(id.fragment()).build();
    }

    private static io.dmsc.wire.proto.link.v1.LspSummary toProto(LspSummary s) {
        return io.dmsc.wire.proto.link.v1.LspSummary.newBuilder().setId(toProto(s.id()))
                .setSequence(s.sequence()).setRemainingLifetimeS(s.remainingLifetimeS())
                .setChecksum(s.checksum()).build();
    }

    private static io.dmsc.wire.proto.link.v1.LinkStatePdu toProto(LinkStatePdu p) {
        io.dmsc.wire.proto.link.v1.LinkStatePdu.Builder b = io.dmsc.wire.proto.link.v1.LinkStatePdu.newBuilder()
                .setId(toProto(p.id()))
                .setSequence(p.sequence())
                .setRemainingLifetimeS(p.remainingLifetimeS())
                .setOverload(p.overload())
                .setRole(p.role().code());
        for (NeighborEntry n : p.neighbors()) {
            b.addNeighbors(io.dmsc.wire.proto.link.v1.NeighborEntry.newBuilder()
                    .setNodeId(n.nodeId()).setMetric(n.metric()));
        }
        for (PrefixEntry e : p.prefixes()) {
            b.addPrefixes(io.dmsc.wire.proto.link.v1.PrefixEntry.newBuilder()
                    .setPrefix(e.prefix().toString()).setCost(e.cost())
                    .setWeight(e.weight() == 1 ? 0 : e.weight())
                    .setAuthorization(ByteString.copyFrom(e.authorization())));
        }
        if (p.signature() != null) {
            b.setSignerCertificate(ByteString.copyFrom(p.signature().certificate()))
                    .setSignature(ByteString.copyFrom(p.signature().signature()));
        }
        return b.build();
    }
}
