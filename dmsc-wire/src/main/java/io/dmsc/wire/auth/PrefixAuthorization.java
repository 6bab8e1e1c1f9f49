package io.dmsc.wire.auth;

import io.dmsc.wire.NodeIds;
import io.dmsc.wire.ServicePrefix;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;

/**
 * A signed prefix authorization of signal type 3: the SPA's statement that pod {@code podId},
 * attached to SG {@code sgId}, may own {@code prefix} from {@code notBeforeMs} to
 * {@code notAfterMs}. Carried as the opaque authorization of a prefix entry in the SG's LSP and
 * verified by every node before the prefix enters its RIB. Immutable.
 *
 * <p>Layout (big-endian; the signature covers the domain label {@value #DOMAIN} followed by
 * every byte before the signature):
 * <pre>
 *  0        1        2                                10
 * +--------+--------+--------------------------------+
 * | ver=1  | alg=1  | key id (8: SHA-256 of the SPKI)|
 * +--------+--------+--------------------------------+
 * | not-before, ms since epoch (8)                   |
 * | not-after, ms since epoch (8)                    |
 * | serial (8)                                       |
 * +----------------+---------------------------------+
 * | prefix len (2) | prefix, ASCII text form          |
 * +--------+-------+---------------------------------+
 * | pod len (1)    | pod id, ASCII (empty: the SG)   |
 * | sg len (1)     | SG node id, ASCII               |
 * +--------+-------+---------------------------------+
 * | Ed25519 signature (64)                           |
 * +--------------------------------------------------+
 * </pre>
 *
 * @param keyId       8-byte id of the signing key ({@link SpaKeys#keyId})
 * @param notBeforeMs start of validity, ms since the epoch
 * @param notAfterMs  end of validity, ms since the epoch, after {@code notBeforeMs}
 * @param serial      issuer-chosen serial number
 * @param prefix      the authorized prefix
 * @param podId       the owning pod, empty when the owner is the SG itself
 * @param sgId        the SG that may advertise the prefix
 * @param signature   64-byte Ed25519 signature, or empty before signing
 */
public record PrefixAuthorization(byte[] keyId, long notBeforeMs, long notAfterMs, long serial, ServicePrefix prefix,
        String podId, String sgId, byte[] signature) {
    /** Format version written and accepted. */
    public static final int VERSION = 1;
    /** Algorithm code of Ed25519. */
    public static final int ALG_ED25519 = 1;
    /** Length of a key id. */
    public static final int KEY_ID_BYTES = 8;
    /** Length of an Ed25519 signature. */
    public static final int SIGNATURE_BYTES = 64;
    /** Largest encoded authorization (a 32 x 64-byte prefix with separators, two 64-byte ids). */
    public static final int MAX_BYTES = 2 + KEY_ID_BYTES + 24 + 2 + 2112 + 1 + 64 + 1 + 64 + SIGNATURE_BYTES;
    /** Domain separation label prepended to the signed bytes. */
    public static final String DOMAIN = "dmsc-prefix-authorization-v1";

    private static final byte[] DOMAIN_BYTES = (DOMAIN + '\0').getBytes(StandardCharsets.US_ASCII);

    /** Validates the fields and copies the arrays. */
    public PrefixAuthorization {
        Objects.requireNonNull(prefix, "prefix");
        Objects.requireNonNull(podId, "podId");
        Objects.requireNonNull(sgId, "sgId");
        if (keyId == null || keyId.length != KEY_ID_BYTES) {
            throw new IllegalArgumentException("keyId: " + (keyId == null ? "null" : keyId.length + " bytes")
                    + " (expected: " + KEY_ID_BYTES + " bytes)");
        }
        if (notAfterMs <= notBeforeMs) {
            throw new IllegalArgumentException("notAfterMs: " + notAfterMs + " (expected: > notBeforeMs "
                    + notBeforeMs + ")");
        }
        if (!podId.isEmpty() && !NodeIds.isValid(podId)) {
            throw new IllegalArgumentException("podId: '" + podId + "' (expected: 1 to 64 of letters, digits, . _ -)");
        }
        if (!NodeIds.isValid(sgId)) {
            throw new IllegalArgumentException("sgId: '" + sgId + "' (expected: a node id)");
        }
        signature = signature == null ? new byte[0] : signature.clone();
        if (signature.length != 0 && signature.length != SIGNATURE_BYTES) {
            throw new IllegalArgumentException("signature: " + signature.length + " bytes (expected: "
                    + SIGNATURE_BYTES + ")");
        }
        keyId = keyId.clone();
    }

    @Override
    public byte[] keyId() {
        return keyId.clone();
    }

    @Override
    public byte[] signature() {
        return signature.clone();
    }

    /** @return the key id as 16 hex digits */
    public String keyIdHex() {
        return HexFormat.of().formatHex(keyId);
    }

    /** @return the owner for people: the pod id, or the SG id for the SG's own prefixes */
    public String owner() {
        return podId.isEmpty() ? sgId : podId;
    }

    /**
     * @param sig a 64-byte signature over {@link #signedBytes()}
     * @return a copy carrying the signature
     */
    public PrefixAuthorization withSignature(byte[] sig) {
        return new PrefixAuthorization(keyId, notBeforeMs, notAfterMs, serial, prefix, podId, sgId, sig);
    }

    /** @return the bytes the signature covers: the domain label and the unsigned encoding */
    public byte[] signedBytes() {
        byte[] body = body();
        byte[] out = Arrays.copyOf(DOMAIN_BYTES, DOMAIN_BYTES.length + body.length);
        System.arraycopy(body, 0, out, DOMAIN_BYTES.length, body.length);
        return out;
    }

    /**
     * @return the wire form, signature included
     * @throws IllegalStateException if not signed
     */
    public byte[] encode() {
        if (signature.length == 0) {
            throw new IllegalStateException("authorization of " + prefix + " is not signed (expected: withSignature first)");
        }
        byte[] body = body();
        byte[] out = Arrays.copyOf(body, body.length + SIGNATURE_BYTES);
        System.arraycopy(signature, 0, out, body.length, SIGNATURE_BYTES);
        return out;
    }

    private byte[] body() {
        byte[] p = prefix.toString().getBytes(StandardCharsets.US_ASCII);
        byte[] pod = podId.getBytes(StandardCharsets.US_ASCII);
        byte[] sg = sgId.getBytes(StandardCharsets.US_ASCII);
        ByteBuffer b = ByteBuffer.allocate(2 + KEY_ID_BYTES + 24 + 2 + p.length + 1 + pod.length + 1 + sg.length);
        b.put((byte) VERSION).put((byte) ALG_ED25519).put(keyId);
        b.putLong(notBeforeMs).putLong(notAfterMs).putLong(serial);
        b.putShort((short) p.length).put(p);
        b.put((byte) pod.length).put(pod);
        b.put((byte) sg.length).put(sg);
        return b.array();
    }

    /**
     * Decodes the wire form; checks structure only (the signature is checked by
     * {@link AuthorizationVerifier}).
     *
     * @param bytes the authorization from a prefix entry; not modified
     * @return the authorization
     * @throws MalformedAuthorizationException saying what is wrong
     */
    public static PrefixAuthorization decode(byte[] bytes) {
        if (bytes.length > MAX_BYTES) {
            throw new MalformedAuthorizationException(bytes.length + " bytes (expected: at most " + MAX_BYTES + ")");
        }
        ByteBuffer b = ByteBuffer.wrap(bytes);
        try {
            int version = b.get() & 0xFF;
            if (version != VERSION) {
                throw new MalformedAuthorizationException("version " + version + " (expected: " + VERSION + ")");
            }
            int alg = b.get() & 0xFF;
            if (alg != ALG_ED25519) {
                throw new MalformedAuthorizationException("algorithm " + alg + " (expected: " + ALG_ED25519
                        + ", Ed25519)");
            }
            byte[] keyId = new byte[KEY_ID_BYTES];
            b.get(keyId);
            long notBefore = b.getLong();
            long notAfter = b.getLong();
            long serial = b.getLong();
            String prefixText = ascii(b, b.getShort() & 0xFFFF);
            String pod = ascii(b, b.get() & 0xFF);
            String sg = ascii(b, b.get() & 0xFF);
            byte[] sig = new byte[SIGNATURE_BYTES];
            b.get(sig);
            if (b.hasRemaining()) {
                throw new MalformedAuthorizationException(b.remaining() + " bytes after the signature (expected: none)");
            }
            ServicePrefix prefix = ServicePrefix.parse(prefixText);
            return new PrefixAuthorization(keyId, notBefore, notAfter, serial, prefix, pod, sg, sig);
        } catch (java.nio.BufferUnderflowException e) {
            throw new MalformedAuthorizationException("truncated at " + bytes.length + " bytes (expected: the "
                    + "layout of docs/PROTOCOL.md, signal type 3)");
        } catch (MalformedAuthorizationException e) {
            throw e;
        } catch (IllegalArgumentException e) {
            // InvalidNameException included: a prefix or id that breaks the name rules.
            throw new MalformedAuthorizationException(e.getMessage());
        }
    }

    private static String ascii(ByteBuffer b, int length) {
        byte[] text = new byte[length];
        b.get(text);
        for (byte c : text) {
            if (c < 0x21 || c > 0x7e) {
                throw new MalformedAuthorizationException("a non-printable byte in a name (expected: ASCII)");
            }
        }
        return new String(text, StandardCharsets.US_ASCII);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PrefixAuthorization a && Arrays.equals(encodeQuiet(), a.encodeQuiet());
    }

    private byte[] encodeQuiet() {
        return signature.length == 0 ? body() : encode();
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(encodeQuiet());
    }

    @Override
    public String toString() {
        return "PrefixAuthorization{" + prefix + " owner " + owner() + " via " + sgId + ", serial " + serial
                + ", key " + keyIdHex() + ", " + notBeforeMs + ".." + notAfterMs + '}';
    }
}
