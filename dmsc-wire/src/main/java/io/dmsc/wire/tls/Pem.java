package io.dmsc.wire.tls;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** PEM text of keys and certificates, as the JDK and every TLS tool read them. */
public final class Pem {
    private static final Pattern BLOCK = Pattern.compile(
            "-----BEGIN ([A-Z ]+)-----\\s*([A-Za-z0-9+/=\\s]+?)\\s*-----END \\1-----");
    /** Largest PEM file read: a chain of a few certificates is a few KiB. */
    static final long MAX_FILE_BYTES = 256 * 1024;

    private Pem() {
    }

    /** @return a PKCS#8 PRIVATE KEY block */
    public static String privateKey(PrivateKey key) {
        return block("PRIVATE KEY", key.getEncoded());
    }

    /** @return a CERTIFICATE block */
    public static String certificate(X509Certificate cert) {
        try {
            return block("CERTIFICATE", cert.getEncoded());
        } catch (CertificateEncodingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String block(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(der) + "\n-----END " + type + "-----\n";
    }

    /** Writes a secret file readable by its owner only (created so, never widened). */
    public static void writeSecret(Path file, String text) throws IOException {
        Files.deleteIfExists(file);
        try {
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (UnsupportedOperationException e) {
            Files.createFile(file);
        }
        Files.writeString(file, text, StandardCharsets.US_ASCII, StandardOpenOption.TRUNCATE_EXISTING);
    }

    /**
     * Writes a key and chain as files {@code NAME.key} (owner only) and {@code NAME.crt}.
     *
     * @param dir   the directory
     * @param name  the base name
     * @param keys  the private keys (the TLS key first)
     * @param chain the certificate chain, leaf first
     * @throws IOException if they cannot be written
     */
    public static void write(Path dir, String name, List<PrivateKey> keys, List<X509Certificate> chain)
            throws IOException {
        Files.createDirectories(dir);
        StringBuilder keyText = new StringBuilder();
        for (PrivateKey k : keys) {
            keyText.append(privateKey(k));
        }
        writeSecret(dir.resolve(name + ".key"), keyText.toString());
        StringBuilder chainText = new StringBuilder();
        for (X509Certificate x : chain) {
            chainText.append(certificate(x));
        }
        Files.writeString(dir.resolve(name + ".crt"), chainText);
    }

    private static List<byte[]> blocks(Path file, String type) {
        String text;
        try {
            if (Files.size(file) > MAX_FILE_BYTES) {
                throw new IllegalArgumentException(file + ": " + Files.size(file) + " bytes (expected: a PEM file of "
                        + "at most " + MAX_FILE_BYTES + " bytes)");
            }
            text = io.dmsc.wire.TextFiles.read(file, StandardCharsets.US_ASCII, "a PEM file");
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": cannot read: " + e.getMessage() + " (expected: a PEM file)", e);
        }
        List<byte[]> out = new ArrayList<>();
        Matcher m = BLOCK.matcher(text);
        while (m.find()) {
            if (m.group(1).equals(type)) {
                try {
                    out.add(Base64.getMimeDecoder().decode(m.group(2)));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException(file + ": a " + type + " block that is not base64 (expected: PEM)");
                }
            }
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException(file + ": no " + type + " block (expected: PEM with -----BEGIN " + type
                    + "-----)");
        }
        return out;
    }

    /**
     * @param file a PEM file with a PKCS#8 PRIVATE KEY (EC)
     * @return the key
     */
    public static PrivateKey readPrivateKey(Path file) {
        return readPrivateKeys(file).get(0);
    }

    /**
     * @param file a PEM file with one or more PKCS#8 PRIVATE KEY blocks
     * @return the keys, in file order
     */
    public static List<PrivateKey> readPrivateKeys(Path file) {
        List<PrivateKey> out = new ArrayList<>();
        for (byte[] der : blocks(file, "PRIVATE KEY")) {
            out.add(decodeKey(file, der));
        }
        return out;
    }

    private static PrivateKey decodeKey(Path file, byte[] der) {
        for (String alg : new String[] {"EC", "Ed25519", "RSA"}) {
            try {
                return KeyFactory.getInstance(alg).generatePrivate(new PKCS8EncodedKeySpec(der));
            } catch (GeneralSecurityException e) {
                // try the next algorithm
            }
        }
        throw new IllegalArgumentException(file + ": not a PKCS#8 EC, Ed25519 or RSA private key (expected: a key "
                + "written by dmsc ca)");
    }

    /**
     * @param file a PEM file with one or more CERTIFICATE blocks
     * @return the certificates, in file order
     */
    public static List<X509Certificate> readCertificates(Path file) {
        List<X509Certificate> out = new ArrayList<>();
        try {
            CertificateFactory f = CertificateFactory.getInstance("X.509");
            for (byte[] der : blocks(file, "CERTIFICATE")) {
                out.add((X509Certificate) f.generateCertificate(new ByteArrayInputStream(der)));
            }
        } catch (CertificateException e) {
            throw new IllegalArgumentException(file + ": not an X.509 certificate: " + e.getMessage()
                    + " (expected: PEM certificates written by dmsc ca)", e);
        }
        return out;
    }
}
