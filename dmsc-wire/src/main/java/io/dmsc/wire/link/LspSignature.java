package io.dmsc.wire.link;

import java.util.Arrays;

/**
 * The signature of an LSP fragment: made with the signer's node key over
 * {@link LinkStatePdu#signedBytes()}, with the signer's certificate (X.509 DER, issued by the mesh
 * CA) so that any node, adjacent or not, can verify it. The signer is the LSP's origin, or for a
 * purge of another node's LSP the purging node. Immutable.
 *
 * @param certificate the signer's certificate, DER
 * @param signature   the signature, DER-encoded ECDSA (or any algorithm of the certificate's key)
 */
public record LspSignature(byte[] certificate, byte[] signature) {
    /** Largest certificate carried: a P-256 node certificate is about 600 bytes. */
    public static final int MAX_CERTIFICATE_BYTES = 4096;
    /** Largest signature carried. */
    public static final int MAX_SIGNATURE_BYTES = 512;

    /** Validates the sizes and copies the arrays. */
    public LspSignature {
        if (certificate == null || certificate.length == 0 || certificate.length > MAX_CERTIFICATE_BYTES) {
            throw new IllegalArgumentException("certificate: " + (certificate == null ? 0 : certificate.length)
                    + " bytes (expected: 1.." + MAX_CERTIFICATE_BYTES + ")");
        }
        if (signature == null || signature.length == 0 || signature.length > MAX_SIGNATURE_BYTES) {
            throw new IllegalArgumentException("signature: " + (signature == null ? 0 : signature.length)
                    + " bytes (expected: 1.." + MAX_SIGNATURE_BYTES + ")");
        }
        certificate = certificate.clone();
        signature = signature.clone();
    }

    @Override
    public byte[] certificate() {
        return certificate.clone();
    }

    @Override
    public byte[] signature() {
        return signature.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LspSignature s && Arrays.equals(certificate, s.certificate)
                && Arrays.equals(signature, s.signature);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(signature);
    }

    @Override
    public String toString() {
        return "LspSignature{" + certificate.length + " B certificate, " + signature.length + " B signature}";
    }
}
