package io.dmsc.node.security;

import io.dmsc.routing.LspAuthenticator;
import io.dmsc.wire.link.LinkStatePdu;
import io.dmsc.wire.link.LspSignature;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.ByteArrayInputStream;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * Signed LSPs: every fragment a node originates, and every purge it makes, carries its
 * signature (Ed25519 with its node key) and its node certificate; a received LSP is
 * installed only if the certificate was issued by a trusted mesh CA, is valid now, names the
 * LSP's origin (for a purge: any node of the mesh), and the signature verifies. Certificates
 * and verified signatures are cached, so a refresh flooded back or a duplicate costs a hash.
 *
 * <p>Thread: the conductor (the protocol's owner); not thread-safe. Metrics:
 * {@code dmsc_lsp_signature_verifications_total}, {@code dmsc_lsp_signature_cache_hits_total},
 * {@code dmsc_lsp_signature_failures_total{reason}}.
 */
public final class SignedLspAuthenticator implements LspAuthenticator {
    private static final String ALGORITHM = "Ed25519";
    /** Cached certificate checks. */
    private static final int CERTIFICATE_CACHE = 1024;
    /** Cached signature checks. */
    private static final int SIGNATURE_CACHE = 65_536;
    /** Room kept in each fragment: a node certificate (about 600 bytes) and signature (64). */
    private static final int OVERHEAD = 1200;

    private Credentials self;
    private final MeshIdentity identity;
    private byte[] certificate;
    private List<X509Certificate> trusted;
    private final LongSupplier wallClockMs;
    private final Map<ByteBuffer, Object> certificates = lru(CERTIFICATE_CACHE);
    private final Map<ByteBuffer, Boolean> signatures = lru(SIGNATURE_CACHE);
    private final Counter verifications;
    private final Counter cacheHits;
    private final Map<LspRejection, Counter> failures = new EnumMap<>(LspRejection.class);

    /**
     * @param self        this node's key and certificate, and the trusted CAs
     * @param registry    where the counters go
     * @param wallClockMs the clock certificate validity is checked against
     */
    public SignedLspAuthenticator(Credentials self, MeterRegistry registry, LongSupplier wallClockMs) {
        this.self = Objects.requireNonNull(self, "self");
        if (self.lspKey() == null) {
            throw new IllegalArgumentException("credentials of " + self.identity() + " have no LSP signing key "
                    + "(expected: a node certificate and key written by dmsc ca issue --node)");
        }
        this.identity = self.identity();
        this.trusted = self.trusted();
        this.wallClockMs = wallClockMs;
        try {
            this.certificate = self.chain().get(0).getEncoded();
        } catch (CertificateException e) {
            throw new IllegalArgumentException("cannot encode the node certificate: " + e.getMessage(), e);
        }
        verifications = Counter.builder("dmsc_lsp_signature_verifications")
                .description("LSP signatures checked").register(registry);
        cacheHits = Counter.builder("dmsc_lsp_signature_cache_hits")
                .description("LSP signatures found already checked").register(registry);
        for (LspRejection r : LspRejection.values()) {
            failures.put(r, Counter.builder("dmsc_lsp_signature_failures").tag("reason", r.label())
                    .description("Received LSPs not installed: their signature failed, by reason").register(registry));
        }
    }

    /**
     * Rotated credentials: the new key and certificate sign from now on, the new trusted CAs
     * verify. Conductor thread.
     *
     * @param next the node's new credentials (the same node identity)
     * @throws IllegalArgumentException if they are for another node
     */
    public void update(Credentials next) {
        if (!next.identity().equals(identity)) {
            throw new IllegalArgumentException("rotated certificate is for " + next.identity() + " (expected: "
                    + identity + ")");
        }
        try {
            certificate = next.chain().get(0).getEncoded();
        } catch (CertificateException e) {
            throw new IllegalArgumentException("cannot encode the node certificate: " + e.getMessage(), e);
        }
        self = next;
        trusted = next.trusted();
        certificates.clear(); // trust may have changed
        signatures.clear();
    }

    private static <V> Map<ByteBuffer, V> lru(int max) {
        return new LinkedHashMap<>(256, 0.75f, true) {
            private static final long serialVersionUID = 1L;

            @Override
            protected boolean removeEldestEntry(Map.Entry<ByteBuffer, V> eldest) {
                return size() > max;
            }
        };
    }

    @Override
    public LinkStatePdu sign(LinkStatePdu pdu) {
        try {
            Signature s = Signature.getInstance(ALGORITHM);
            s.initSign(self.lspKey());
            s.update(pdu.signedBytes());
            return pdu.withSignature(new LspSignature(certificate, s.sign()));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot sign LSP " + pdu.id() + ": " + e.getMessage(), e);
        }
    }

    @Override
    public LspRejection verify(LinkStatePdu pdu, long nowNs) {
        LspRejection r = check(pdu);
        if (r != null) {
            failures.get(r).increment();
        }
        return r;
    }

    private LspRejection check(LinkStatePdu pdu) {
        LspSignature sig = pdu.signature();
        if (sig == null) {
            return LspRejection.UNSIGNED;
        }
        Object c = certificate(sig.certificate());
        if (!(c instanceof Signer signer)) {
            return LspRejection.UNTRUSTED_CERTIFICATE;
        }
        if (!signer.valid(wallClockMs.getAsLong())) {
            return LspRejection.UNTRUSTED_CERTIFICATE;
        }
        if (!pdu.isPurge() && !signer.nodeId.equals(pdu.id().origin())) {
            return LspRejection.WRONG_SIGNER;
        }
        byte[] signed = pdu.signedBytes();
        ByteBuffer key = ByteBuffer.wrap(digest(signed, sig.signature(), sig.certificate()));
        Boolean ok = signatures.get(key);
        if (ok != null) {
            cacheHits.increment();
        } else {
            verifications.increment();
            ok = io.dmsc.wire.auth.SpaKeys.verifyRaw(signer.lspKey, signed, sig.signature());
            signatures.put(key, ok);
        }
        return ok ? null : LspRejection.BAD_SIGNATURE;
    }

    /** A trusted node certificate and the node it names. */
    private record Signer(X509Certificate cert, String nodeId, byte[] lspKey) {
        boolean valid(long nowMs) {
            return nowMs >= cert.getNotBefore().getTime() && nowMs <= cert.getNotAfter().getTime();
        }
    }

    /** @return a {@link Signer}, or a String saying why the certificate is not trusted */
    private Object certificate(byte[] der) {
        ByteBuffer key = ByteBuffer.wrap(digest(der));
        Object cached = certificates.get(key);
        if (cached != null) {
            return cached;
        }
        Object result;
        try {
            X509Certificate cert = (X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(new ByteArrayInputStream(der));
            result = "not issued by a trusted mesh CA";
            for (X509Certificate ca : trusted) {
                if (!ca.getSubjectX500Principal().equals(cert.getIssuerX500Principal())) {
                    continue;
                }
                try {
                    cert.verify(ca.getPublicKey());
                } catch (GeneralSecurityException e) {
                    continue;
                }
                MeshIdentity id = MeshIdentity.of(cert);
                byte[] lspKey = Credentials.lspPublicKey(cert);
                result = id.kind() != MeshIdentity.Kind.NODE || !id.mesh().equals(identity.mesh())
                        ? "not a node of mesh " + identity.mesh()
                        : lspKey == null ? "no LSP signing key in the certificate" : new Signer(cert, id.id(), lspKey);
                break;
            }
        } catch (CertificateException | IllegalArgumentException | ClassCastException e) {
            result = "not a certificate: " + e.getMessage();
        }
        certificates.put(key, result);
        return result;
    }

    private static byte[] digest(byte[]... parts) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            for (byte[] p : parts) {
                md.update(ByteBuffer.allocate(4).putInt(p.length).array());
                md.update(p);
            }
            return md.digest();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public String signer(LinkStatePdu pdu) {
        LspSignature sig = pdu.signature();
        return sig != null && certificate(sig.certificate()) instanceof Signer s ? s.nodeId : null;
    }

    @Override
    public int overheadBytes() {
        return OVERHEAD;
    }

    /** @return this node's identity */
    public MeshIdentity identity() {
        return identity;
    }
}
