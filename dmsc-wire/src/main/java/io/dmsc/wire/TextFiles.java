package io.dmsc.wire;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Reads a text file given from outside (a topology, a policy, a token, a key) so that a file that
 * is missing, unreadable or not text is reported as such, with the file name and what was expected,
 * rather than with the JDK's bare {@code "Input length = 3"}.
 */
public final class TextFiles {
    private TextFiles() {
    }

    /**
     * Reads a whole file as text.
     *
     * @param file     the file
     * @param charset  {@link StandardCharsets#UTF_8} or {@link StandardCharsets#US_ASCII}
     * @param expected what the file should be, for messages, e.g. {@code "a YAML topology or node file"}
     * @return the text
     * @throws IllegalArgumentException starting with the file name, saying what is wrong, e.g.
     *                                  {@code "x.yaml: not a UTF-8 text file (byte 0xff at offset 12; expected: ...)"}
     */
    public static String read(Path file, Charset charset, String expected) {
        byte[] bytes;
        try {
            if (Files.isDirectory(file)) {
                throw new IllegalArgumentException(file + ": is a directory (expected: " + expected + ")");
            }
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException(file + ": file not found (expected: " + expected + ")", e);
        } catch (AccessDeniedException e) {
            throw new IllegalArgumentException(file + ": cannot read: permission denied (expected: " + expected
                    + " readable by this user)", e);
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": cannot read: " + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : " " + e.getMessage()) + " (expected: " + expected + ")", e);
        }
        return decode(file.toString(), bytes, charset, expected);
    }

    /**
     * Decodes bytes strictly, naming the first byte that is not valid in {@code charset}.
     *
     * @param name     the source, for messages
     * @param bytes    the content
     * @param charset  {@link StandardCharsets#UTF_8} or {@link StandardCharsets#US_ASCII}
     * @param expected what the content should be, for messages
     * @return the text
     * @throws IllegalArgumentException if the bytes are not text in {@code charset}
     */
    public static String decode(String name, byte[] bytes, Charset charset, String expected) {
        CharsetDecoder decoder = charset.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer out = CharBuffer.allocate((int) Math.min(Integer.MAX_VALUE - 8,
                (long) bytes.length * Math.max(1, (int) Math.ceil(decoder.maxCharsPerByte()))));
        CoderResult r = decoder.decode(in, out, true);
        if (r.isUnderflow()) {
            r = decoder.flush(out);
        }
        if (r.isError()) {
            int offset = in.position();
            String kind = charset.equals(StandardCharsets.US_ASCII) ? "an ASCII" : "a " + charset.name();
            throw new IllegalArgumentException(String.format("%s: not %s text file (byte 0x%02x at offset %d; "
                    + "expected: %s)", name, kind, bytes[offset] & 0xff, offset, expected));
        }
        if (r.isOverflow()) {
            // Cannot happen with the buffer sized from maxCharsPerByte; decode the slow way to be safe.
            try {
                return charset.newDecoder().decode(ByteBuffer.wrap(bytes)).toString();
            } catch (CharacterCodingException e) {
                throw new IllegalArgumentException(name + ": not a " + charset.name() + " text file (expected: "
                        + expected + ")", e);
            }
        }
        out.flip();
        return out.toString();
    }
}
