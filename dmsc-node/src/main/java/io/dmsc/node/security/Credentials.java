package io.dmsc.node.security;

import io.dmsc.wire.tls.KeyFiles;
import io.dmsc.wire.tls.Pem;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Objects;

/**
 * A node's or pod's TLS material: its private key, its certificate chain (its own first) and
 * the CA certificates it trusts (several during a CA rollover). Immutable.
 *
 * @param key     the TLS private key (a secret: never logged, never in a toString)
 * @param lspKey  the Ed25519 key LSPs are signed with (its public half is in the certificate's
 *                {@link MeshCa#LSP_KEY_EXTENSION}), or null for a pod
 * @param chain   the certificate chain, leaf first
 * @param trusted the CA certificates whose issues are accepted
 */
public record Credentials(PrivateKey key, PrivateKey lspKey, List<X509Certificate> chain,
                          List<X509Certificate> trusted) {
    /** Copies the lists. */
    public Credentials {
        Objects.requireNonNull(key, "key");
        chain = List.copyOf(chain);
        trusted = List.copyOf(trusted);
        if (chain.isEmpty()) {
            throw new IllegalArgumentException("chain: empty (expected: the certificate, then its CA)");
        }
        if (trusted.isEmpty()) {
            throw new IllegalArgumentException("trusted: empty (expected: at least one mesh CA certificate)");
        }
    }

    /**
     * Reads credentials from PEM files.
     *
     * @param keyFile   the private key (owner-readable only: checked)
     * @param certFile  the certificate chain, leaf first
     * @param trustFile the trusted CA certificates (one or more)
     * @return the credentials
     * @throws IllegalArgumentException naming the file and what is wrong
     */
    public static Credentials load(Path keyFile, Path certFile, Path trustFile) {
        KeyFiles.checkOwnerOnly(keyFile);
        List<PrivateKey> keys = Pem.readPrivateKeys(keyFile);
        Credentials c = new Credentials(keys.get(0), keys.size() > 1 ? keys.get(1) : null,
                Pem.readCertificates(certFile), Pem.readCertificates(trustFile));
        if (!c.keyMatchesCertificate()) {
            throw new IllegalArgumentException(keyFile + " is not the private key of " + certFile
                    + " (expected: the key written with that certificate by dmsc ca issue)");
        }
        return c;
    }

    /**
     * Writes the keys and chain as files {@code NAME.key} (owner only) and {@code NAME.crt}.
     *
     * @param dir  the directory
     * @param name the base name
     * @throws IOException if they cannot be written
     */
    public void write(Path dir, String name) throws java.io.IOException {
        Pem.write(dir, name, lspKey == null ? List.of(key) : List.of(key, lspKey), chain);
    }

    /** @return true if the private key belongs to the leaf certificate's public key */
    public boolean keyMatchesCertificate() {
        String alg = switch (key.getAlgorithm()) {
            case "EC" -> "SHA256withECDSA";
            case "RSA" -> "SHA256withRSA";
            default -> "Ed25519";
        };
        byte[] probe = "dmsc key check".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        try {
            java.security.Signature s = java.security.Signature.getInstance(alg);
            s.initSign(key);
            s.update(probe);
            byte[] sig = s.sign();
            java.security.Signature v = java.security.Signature.getInstance(alg);
            v.initVerify(chain.get(0).getPublicKey());
            v.update(probe);
            if (!v.verify(sig)) {
                return false;
            }
            if (lspKey == null) {
                return true;
            }
            byte[] raw = lspPublicKey(chain.get(0));
            java.security.Signature l = java.security.Signature.getInstance("Ed25519");
            l.initSign(lspKey);
            l.update(probe);
            return raw != null && io.dmsc.wire.auth.SpaKeys.verifyRaw(raw, probe, l.sign());
        } catch (java.security.GeneralSecurityException e) {
            return false;
        }
    }

    /**
     * @param cert a node certificate
     * @return its raw Ed25519 LSP public key, or null if it has none
     */
    public static byte[] lspPublicKey(X509Certificate cert) {
        byte[] ext = cert.getExtensionValue(MeshCa.LSP_KEY_EXTENSION);
        if (ext == null) {
            return null;
        }
        try {
            // getExtensionValue wraps the extension's OCTET STRING in another OCTET STRING.
            byte[] inner = org.bouncycastle.asn1.ASN1OctetString.getInstance(ext).getOctets();
            byte[] raw = org.bouncycastle.asn1.ASN1OctetString.getInstance(inner).getOctets();
            return raw.length == 32 ? raw : null;
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** @return the identity of the leaf certificate */
    public MeshIdentity identity() {
        return MeshIdentity.of(chain.get(0));
    }

    @Override
    public String toString() {
        return "Credentials{" + chain.get(0).getSubjectX500Principal() + ", trusts " + trusted.size() + " CA(s)}";
    }
}
