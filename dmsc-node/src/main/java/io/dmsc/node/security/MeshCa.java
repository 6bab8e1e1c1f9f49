package io.dmsc.node.security;

import io.dmsc.wire.tls.KeyFiles;
import io.dmsc.wire.tls.Pem;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Objects;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * The mesh's certificate authority: an ECDSA P-256 key and a self-signed CA certificate that
 * issues node and pod certificates (with Ed25519 keys). A certificate's identity is one SPIFFE-style URI SAN,
 * {@code spiffe://MESH/node/ID} or {@code spiffe://MESH/pod/ID} ({@link MeshIdentity}).
 *
 * <p>{@code dmsc ca init} and {@code dmsc ca issue} keep it in a directory ({@link #write},
 * {@link #load}); {@code security: auto} keeps an ephemeral one in memory for one run.
 * Immutable; thread-safe.
 */
public final class MeshCa {
    /** File name of the CA certificate in a CA directory. */
    public static final String CA_CERT = "ca.crt";
    /** File name of the CA key in a CA directory. */
    public static final String CA_KEY = "ca.key";
    /** Default validity of the CA certificate. */
    public static final Duration DEFAULT_CA_VALIDITY = Duration.ofDays(3650);
    /** Default validity of an issued certificate: short-lived, re-issued rather than revoked. */
    public static final Duration DEFAULT_VALIDITY = Duration.ofDays(30);
    private static final String SIGNATURE = "SHA256withECDSA";
    /**
     * Extension of a node certificate holding the raw 32-byte Ed25519 public key the node signs
     * its LSPs with (an OCTET STRING). A private OID under the UUID arc.
     */
    public static final String LSP_KEY_EXTENSION = "2.25.8608274170292911324500060334259813210";
    private static final SecureRandom RANDOM = new SecureRandom();

    private final String mesh;
    private final KeyPair key;
    private final X509Certificate certificate;

    private MeshCa(String mesh, KeyPair key, X509Certificate certificate) {
        this.mesh = mesh;
        this.key = key;
        this.certificate = certificate;
    }

    /**
     * Creates a new CA.
     *
     * @param mesh     the mesh name (the trust domain of the identities), e.g. {@code figure2}
     * @param validity how long the CA certificate is valid
     * @return the CA
     */
    public static MeshCa create(String mesh, Duration validity) {
        MeshIdentity.checkMesh(mesh);
        KeyPair key = newKey();
        Instant now = Instant.now();
        X500Name name = new X500Name("CN=dmsc mesh CA " + mesh);
        try {
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(name, serial(),
                    Date.from(now.minusSeconds(60)), Date.from(now.plus(validity)), name, key.getPublic())
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(0))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
                    .addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(key.getPublic()))
                    .addExtension(Extension.subjectAlternativeName, false, new GeneralNames(
                            new GeneralName(GeneralName.uniformResourceIdentifier, "spiffe://" + mesh)));
            return new MeshCa(mesh, key, sign(b, key.getPrivate()));
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot create the CA certificate: " + e.getMessage(), e);
        }
    }

    /**
     * Issues a certificate for a node or a pod.
     *
     * @param identity whose certificate (its mesh must be this CA's)
     * @param validity how long it is valid
     * @return the key and the chain (the certificate, then the CA certificate)
     */
    public Credentials issue(MeshIdentity identity, Duration validity) {
        Instant now = Instant.now();
        return issue(identity, now.minusSeconds(60), now.plus(validity));
    }

    /**
     * Issues a certificate valid in a given window (for tests of expired and future certificates).
     *
     * @param identity  whose certificate (its mesh must be this CA's)
     * @param notBefore start of validity
     * @param notAfter  end of validity
     * @return the key and the chain (the certificate, then the CA certificate)
     */
    public Credentials issue(MeshIdentity identity, Instant notBefore, Instant notAfter) {
        if (!identity.mesh().equals(mesh)) {
            throw new IllegalArgumentException("identity " + identity + " is not of mesh '" + mesh
                    + "' (expected: spiffe://" + mesh + "/...)");
        }
        // Two keys: ECDSA P-256 for TLS (every TLS implementation takes it, BoringSSL included),
        // and Ed25519 for LSP signatures, which every node verifies (BouncyCastle's RFC 8032
        // verifier, about 60 µs here); the certificate binds both.
        KeyPair k = newKey();
        KeyPair lsp = newLeafKey();
        byte[] lspRaw = io.dmsc.wire.auth.SpaKeys.rawPublicKey(lsp.getPublic());
        try {
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(certificate, serial(),
                    Date.from(notBefore), Date.from(notAfter),
                    new X500Name("CN=" + identity.kind().code() + " " + identity.id()), k.getPublic())
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature))
                    .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(new KeyPurposeId[] {
                        KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}))
                    .addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(k.getPublic()))
                    .addExtension(Extension.authorityKeyIdentifier, false,
                            ext.createAuthorityKeyIdentifier(certificate))
                    .addExtension(Extension.subjectAlternativeName, true, new GeneralNames(
                            new GeneralName(GeneralName.uniformResourceIdentifier, identity.uri())))
                    .addExtension(new org.bouncycastle.asn1.ASN1ObjectIdentifier(LSP_KEY_EXTENSION), false,
                            new org.bouncycastle.asn1.DEROctetString(lspRaw));
            return new Credentials(k.getPrivate(), lsp.getPrivate(), List.of(sign(b, key.getPrivate()), certificate),
                    List.of(certificate));
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot issue a certificate for " + identity + ": " + e.getMessage(), e);
        }
    }

    private static X509Certificate sign(X509v3CertificateBuilder b, PrivateKey signer)
            throws GeneralSecurityException {
        try {
            ContentSigner s = new JcaContentSignerBuilder(SIGNATURE).build(signer);
            return new JcaX509CertificateConverter().getCertificate(b.build(s));
        } catch (OperatorCreationException e) {
            throw new GeneralSecurityException(e.getMessage(), e);
        }
    }

    private static KeyPair newKey() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
            return g.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("no EC P-256 in this JDK: " + e.getMessage(), e);
        }
    }

    private static KeyPair newLeafKey() {
        try {
            return KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("no Ed25519 in this JDK: " + e.getMessage(), e);
        }
    }

    private static BigInteger serial() {
        return new BigInteger(127, RANDOM).add(BigInteger.ONE);
    }

    /**
     * Writes {@code ca.crt} and {@code ca.key} (owner-readable only) into a new or empty directory.
     *
     * @param dir the directory
     * @throws IOException if it cannot be written, or already holds a CA
     */
    public void write(Path dir) throws IOException {
        Files.createDirectories(dir);
        if (Files.exists(dir.resolve(CA_KEY)) || Files.exists(dir.resolve(CA_CERT))) {
            throw new java.nio.file.FileAlreadyExistsException(dir.resolve(CA_KEY).toString(), null,
                    "a CA exists there already (expected: a new or empty directory; a CA is never overwritten)");
        }
        Pem.writeSecret(dir.resolve(CA_KEY), Pem.privateKey(key.getPrivate()) + Pem.certificate(certificate));
        Files.writeString(dir.resolve(CA_CERT), Pem.certificate(certificate));
    }

    /**
     * Reads the CA of a directory written by {@link #write}.
     *
     * @param dir the directory
     * @return the CA
     * @throws IllegalArgumentException saying which file is missing, unreadable by others only,
     *                                  or not a CA
     */
    public static MeshCa load(Path dir) {
        Path keyFile = dir.resolve(CA_KEY);
        KeyFiles.checkOwnerOnly(keyFile);
        Credentials c = Credentials.load(keyFile, dir.resolve(CA_CERT), dir.resolve(CA_CERT));
        X509Certificate cert = c.chain().get(0);
        String mesh = MeshIdentity.meshOfCa(cert);
        return new MeshCa(mesh, new KeyPair(cert.getPublicKey(), c.key()), cert);
    }

    /** @return the mesh name */
    public String mesh() {
        return mesh;
    }

    /** @return the CA certificate */
    public X509Certificate certificate() {
        return certificate;
    }

    @Override
    public String toString() {
        return "MeshCa{" + mesh + ", " + Objects.toString(certificate.getSubjectX500Principal()) + '}';
    }
}
