package io.dmsc.node.security;

import io.dmsc.wire.NodeIds;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;

/**
 * Who a certificate speaks for: {@code spiffe://MESH/node/ID} or {@code spiffe://MESH/pod/ID},
 * its one URI subject alternative name. Immutable.
 *
 * @param mesh the mesh name (trust domain)
 * @param kind node or pod
 * @param id   the node id or pod id
 */
public record MeshIdentity(String mesh, Kind kind, String id) {
    /** What a certificate identifies. */
    public enum Kind {
        /** An SG or SR (fabric links, signed LSPs). */
        NODE("node"),
        /** A pod (credential at the SPA). */
        POD("pod");

        private final String code;

        Kind(String code) {
            this.code = code;
        }

        /** @return {@code node} or {@code pod} */
        public String code() {
            return code;
        }
    }

    private static final String SCHEME = "spiffe://";
    private static final int URI_SAN = 6;

    /** Validates the parts. */
    public MeshIdentity {
        checkMesh(mesh);
        Objects.requireNonNull(kind, "kind");
        if (!NodeIds.isValid(id)) {
            throw new IllegalArgumentException("id '" + id + "' (expected: 1 to 64 of letters, digits, . _ -)");
        }
    }

    /**
     * @param mesh a mesh name
     * @param id   a node id
     * @return a node identity
     */
    public static MeshIdentity node(String mesh, String id) {
        return new MeshIdentity(mesh, Kind.NODE, id);
    }

    /**
     * @param mesh a mesh name
     * @param id   a pod id
     * @return a pod identity
     */
    public static MeshIdentity pod(String mesh, String id) {
        return new MeshIdentity(mesh, Kind.POD, id);
    }

    static void checkMesh(String mesh) {
        if (mesh == null || !NodeIds.isValid(mesh)) {
            throw new IllegalArgumentException("mesh name '" + mesh + "' (expected: 1 to 64 of letters, digits, "
                    + ". _ -)");
        }
    }

    /** @return the URI, e.g. {@code spiffe://figure2/node/sg-1} */
    public String uri() {
        return SCHEME + mesh + "/" + kind.code() + "/" + id;
    }

    /**
     * @param uri a URI SAN
     * @return the identity it names
     * @throws IllegalArgumentException saying what is wrong
     */
    public static MeshIdentity parse(String uri) {
        String expected = " (expected: spiffe://MESH/node/ID or spiffe://MESH/pod/ID)";
        if (uri == null || !uri.startsWith(SCHEME)) {
            throw new IllegalArgumentException("identity '" + uri + "' is not a spiffe URI" + expected);
        }
        String[] parts = uri.substring(SCHEME.length()).split("/", -1);
        if (parts.length != 3) {
            throw new IllegalArgumentException("identity '" + uri + "' has " + parts.length + " path parts" + expected);
        }
        Kind kind = switch (parts[1]) {
            case "node" -> Kind.NODE;
            case "pod" -> Kind.POD;
            default -> throw new IllegalArgumentException("identity '" + uri + "': kind '" + parts[1] + "'" + expected);
        };
        return new MeshIdentity(parts[0], kind, parts[2]);
    }

    /**
     * @param cert a certificate issued by a mesh CA
     * @return its identity
     * @throws IllegalArgumentException if it has no URI SAN, or more than one, or one that is not an identity
     */
    public static MeshIdentity of(X509Certificate cert) {
        List<String> uris = uris(cert);
        if (uris.size() != 1) {
            throw new IllegalArgumentException("certificate " + cert.getSubjectX500Principal() + " has " + uris.size()
                    + " URI names (expected: exactly one spiffe://MESH/KIND/ID)");
        }
        return parse(uris.get(0));
    }

    /** @return the mesh name of a CA certificate (its URI SAN {@code spiffe://MESH}) */
    static String meshOfCa(X509Certificate ca) {
        for (String u : uris(ca)) {
            if (u.startsWith(SCHEME) && !u.substring(SCHEME.length()).contains("/")) {
                return u.substring(SCHEME.length());
            }
        }
        throw new IllegalArgumentException("certificate " + ca.getSubjectX500Principal()
                + " is not a mesh CA (expected: a URI name spiffe://MESH, as written by dmsc ca init)");
    }

    private static List<String> uris(X509Certificate cert) {
        List<String> out = new ArrayList<>();
        try {
            Collection<List<?>> names = cert.getSubjectAlternativeNames();
            if (names != null) {
                for (List<?> n : names) {
                    if (n.size() == 2 && Integer.valueOf(URI_SAN).equals(n.get(0))) {
                        out.add(String.valueOf(n.get(1)));
                    }
                }
            }
        } catch (CertificateParsingException e) {
            throw new IllegalArgumentException("certificate " + cert.getSubjectX500Principal()
                    + ": unreadable subject alternative names: " + e.getMessage(), e);
        }
        return out;
    }

    @Override
    public String toString() {
        return uri();
    }
}
