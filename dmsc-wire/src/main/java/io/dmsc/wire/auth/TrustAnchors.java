package io.dmsc.wire.auth;

import java.nio.file.Path;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The SPA public keys a node trusts, by key id. Several at once, so that a key can be rotated
 * without interrupting traffic: trust the new key everywhere, switch the SPAs to it, and drop the
 * old one once every authorization it signed has expired. Immutable; thread-safe.
 */
public final class TrustAnchors {
    /** No key: nothing verifies. */
    public static final TrustAnchors NONE = new TrustAnchors(List.of());

    private final Map<String, PublicKey> byId = new LinkedHashMap<>();

    /** @param keys the trusted public keys */
    public TrustAnchors(Collection<PublicKey> keys) {
        for (PublicKey k : keys) {
            byId.put(SpaKeys.keyIdHex(k), k);
        }
    }

    /**
     * @param files PEM public key files
     * @return the anchors
     * @throws IllegalArgumentException naming the file that cannot be read
     */
    public static TrustAnchors load(List<Path> files) {
        List<PublicKey> keys = new ArrayList<>();
        for (Path f : files) {
            keys.add(SpaKeys.readPublicKey(f));
        }
        return new TrustAnchors(keys);
    }

    /**
     * @param keyId an 8-byte key id
     * @return the key, or null if not trusted
     */
    public PublicKey key(byte[] keyId) {
        return byId.get(HexFormat.of().formatHex(keyId));
    }

    /** @return the trusted key ids, hex */
    public List<String> keyIds() {
        return List.copyOf(byId.keySet());
    }

    /** @return true if no key is trusted */
    public boolean isEmpty() {
        return byId.isEmpty();
    }

    @Override
    public String toString() {
        return "TrustAnchors" + byId.keySet();
    }
}
