package io.dmsc.spa;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;

/**
 * Stored form of a bearer token: {@code sha256:SALT:HASH}, where SALT is 16 random bytes and
 * HASH is SHA-256 of SALT followed by the token's UTF-8 bytes, both in hex. Tokens are
 * high-entropy random secrets ({@link #newToken()}: 256 bits), so a salted fast hash is adequate;
 * a slow password hash would only add latency to every request. Stateless; thread-safe.
 */
public final class TokenHash {
    private static final String SCHEME = "sha256";
    private static final int SALT_BYTES = 16;
    private static final String EXPECTED = " (expected: sha256:<32 hex digits of salt>:<64 hex digits of hash>, "
            + "as written by 'dmsc spa hash-token')";
    private static final SecureRandom RANDOM = new SecureRandom();

    private TokenHash() {
    }

    /** @return a new token: 32 random bytes, base64url without padding */
    public static String newToken() {
        byte[] b = new byte[32];
        RANDOM.nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    /**
     * @param token the token
     * @return its stored form with a fresh random salt
     */
    public static String hash(String token) {
        byte[] salt = new byte[SALT_BYTES];
        RANDOM.nextBytes(salt);
        HexFormat hex = HexFormat.of();
        return SCHEME + ':' + hex.formatHex(salt) + ':' + hex.formatHex(digest(salt, token));
    }

    /**
     * Compares in constant time.
     *
     * @param stored a stored form from {@link #hash}
     * @param token  the presented token
     * @return true if the token is the one hashed
     * @throws IllegalArgumentException if {@code stored} is malformed; the message never contains it
     */
    public static boolean matches(String stored, String token) {
        byte[][] parts = parse(stored);
        return MessageDigest.isEqual(parts[1], digest(parts[0], token));
    }

    /**
     * @param stored a stored form
     * @throws IllegalArgumentException if it is malformed, saying what is expected
     */
    public static void check(String stored) {
        parse(stored);
    }

    private static byte[][] parse(String stored) {
        if (stored == null) {
            throw new IllegalArgumentException("token hash: null" + EXPECTED);
        }
        String[] p = stored.split(":", -1);
        if (p.length != 3 || !p[0].equals(SCHEME)) {
            throw new IllegalArgumentException("token hash: not three ':'-separated fields starting with '"
                    + SCHEME + "'" + EXPECTED);
        }
        if (p[1].length() != 2 * SALT_BYTES || p[2].length() != 64) {
            throw new IllegalArgumentException("token hash: salt of " + p[1].length() + " and hash of "
                    + p[2].length() + " hex digits" + EXPECTED);
        }
        try {
            return new byte[][] {HexFormat.of().parseHex(p[1]), HexFormat.of().parseHex(p[2])};
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("token hash: salt or hash is not hex" + EXPECTED, e);
        }
    }

    private static byte[] digest(byte[] salt, String token) {
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            d.update(salt);
            return d.digest(token.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JDK has no SHA-256", e);
        }
    }
}
