package io.dmsc.gateway;

import com.google.protobuf.ByteString;
import io.dmsc.wire.data.DataFrames;
import io.dmsc.wire.proto.data.v1.Header;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/** What the ingress and egress share: metadata conversion, chunking, raw marshallers. Stateless. */
final class Calls {
    /** The request metadata that names the target prefix. */
    static final String TARGET_HEADER = "dmsc-target";
    static final Metadata.Key<String> TARGET_KEY = Metadata.Key.of(TARGET_HEADER, Metadata.ASCII_STRING_MARSHALLER);
    /** Payload bytes per MESSAGE frame. */
    static final int CHUNK = 32 * 1024;
    /** Transport-level headers gRPC sets itself at every hop; never copied across the fabric. */
    private static final Set<String> HOP_BY_HOP = Set.of("content-type", "user-agent", "te", "grpc-timeout",
            "grpc-encoding", "grpc-accept-encoding", "grpc-status", "grpc-message", "grpc-previous-rpc-attempts",
            TARGET_HEADER);

    static final MethodDescriptor.Marshaller<byte[]> RAW = new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
            return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
            try {
                return stream.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    };

    private Calls() {
    }

    static MethodDescriptor<byte[], byte[]> method(String fullName) {
        return MethodDescriptor.<byte[], byte[]>newBuilder().setType(MethodDescriptor.MethodType.UNKNOWN)
                .setFullMethodName(fullName).setRequestMarshaller(RAW).setResponseMarshaller(RAW).build();
    }

    static List<Header> toHeaders(Metadata md) {
        List<Header> out = new ArrayList<>();
        for (String key : md.keys()) {
            if (HOP_BY_HOP.contains(key)) {
                continue;
            }
            if (key.endsWith(Metadata.BINARY_HEADER_SUFFIX)) {
                for (byte[] v : md.getAll(Metadata.Key.of(key, Metadata.BINARY_BYTE_MARSHALLER))) {
                    out.add(Header.newBuilder().setKey(key).setValue(ByteString.copyFrom(v)).build());
                }
            } else {
                for (String v : md.getAll(Metadata.Key.of(key, Metadata.ASCII_STRING_MARSHALLER))) {
                    out.add(Header.newBuilder().setKey(key).setValue(ByteString.copyFrom(v, StandardCharsets.US_ASCII))
                            .build());
                }
            }
        }
        return out;
    }

    static Metadata toMetadata(List<Header> headers) {
        Metadata md = new Metadata();
        for (Header h : headers) {
            String key = h.getKey();
            if (HOP_BY_HOP.contains(key) || key.startsWith(":")) {
                continue;
            }
            try {
                if (key.endsWith(Metadata.BINARY_HEADER_SUFFIX)) {
                    md.put(Metadata.Key.of(key, Metadata.BINARY_BYTE_MARSHALLER), h.getValue().toByteArray());
                } else {
                    md.put(Metadata.Key.of(key, Metadata.ASCII_STRING_MARSHALLER),
                            h.getValue().toString(StandardCharsets.US_ASCII));
                }
            } catch (IllegalArgumentException e) {
                // A key gRPC refuses (bad characters) cannot be passed on; the rest still is.
            }
        }
        return md;
    }

    /**
     * Cuts a message into MESSAGE frames.
     *
     * @param alloc   allocator
     * @param message the message
     * @param sink    receives each frame (ownership passes)
     */
    static void chunks(ByteBufAllocator alloc, byte[] message, Consumer<ByteBuf> sink) {
        int len = message.length;
        if (len == 0) {
            sink.accept(DataFrames.message(alloc, 0, message, 0, 0, true));
            return;
        }
        for (int off = 0; off < len; off += CHUNK) {
            int n = Math.min(CHUNK, len - off);
            sink.accept(DataFrames.message(alloc, 0, message, off, n, off + n == len));
        }
    }

    /** Reassembles MESSAGE chunks into whole messages; bounded by the largest message. */
    static final class Reassembly {
        private final int maxBytes;
        private byte[] buf = new byte[0];
        private int size;

        Reassembly(int maxBytes) {
            this.maxBytes = maxBytes;
        }

        /**
         * @param frame a MESSAGE frame; not released
         * @return the whole message if this chunk ended it, else null
         * @throws IllegalStateException if the message grows past the limit
         */
        byte[] add(ByteBuf frame) {
            ByteBuf payload = DataFrames.payload(frame);
            int n = payload.readableBytes();
            boolean end = (DataFrames.flags(frame) & DataFrames.FLAG_END_OF_MESSAGE) != 0;
            if (size == 0 && end) {
                byte[] whole = new byte[n];
                payload.getBytes(payload.readerIndex(), whole);
                return whole;
            }
            if ((long) size + n > maxBytes) {
                throw new IllegalStateException("message larger than " + maxBytes + " bytes");
            }
            if (size + n > buf.length) {
                buf = java.util.Arrays.copyOf(buf, Math.max(size + n, Math.min(maxBytes, buf.length * 2 + 1024)));
            }
            payload.getBytes(payload.readerIndex(), buf, size, n);
            size += n;
            if (!end) {
                return null;
            }
            byte[] whole = java.util.Arrays.copyOf(buf, size);
            buf = new byte[0];
            size = 0;
            return whole;
        }
    }
}
