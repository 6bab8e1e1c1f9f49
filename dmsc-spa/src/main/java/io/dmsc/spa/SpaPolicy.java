package io.dmsc.spa;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.dmsc.wire.NodeIds;
import io.dmsc.wire.ServicePrefix;
import io.dmsc.wire.proto.spa.v1.DenyReason;
import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The SPA policy: which identities (pods, or SGs for their static prefixes) exist, how they
 * prove themselves and which prefixes they may own, through which SGs and at which endpoints.
 * Parsed from YAML:
 * <pre>
 * identities:
 *   - id: pod-4            # pod id, or an SG node id with kind: node
 *     kind: pod            # pod (default) or node
 *     tokenHash: "sha256:...:..."   # a bearer token's hash, and/or:
 *     certificate: spiffe://MESH/pod/pod-4   # the identity of a certificate of the mesh CA
 *     prefixes: [/A/4/**, /B]
 *     gateways: [sg-4]     # optional: only through these SGs
 *     endpoints: ["*"]     # optional: endpoint hosts allowed besides the pod's own; "*" = any
 * </pre>
 * Immutable; thread-safe.
 */
public final class SpaPolicy {
    /** Kind of identity. */
    public enum Kind {
        /** A pod, asking through its SG. */
        POD,
        /** An SG, for its own static prefixes. */
        NODE
    }

    /**
     * One identity.
     *
     * @param id        pod id or SG node id
     * @param kind      pod or node
     * @param tokenHash stored token ({@link TokenHash}), or null if the identity proves itself by
     *                  certificate only
     * @param certificate the certificate identity it may prove itself with
     *                  ({@code spiffe://MESH/pod/ID} or {@code spiffe://MESH/node/ID}), or null
     * @param prefixes  prefixes it may own
     * @param gateways  SGs it may announce through; empty: any
     * @param endpoints endpoint hosts allowed besides its own addresses; "*": any
     * @param line      line of the identity in the file
     */
    public record Identity(String id, Kind kind, String tokenHash, String certificate, List<PrefixPattern> prefixes,
                           Set<String> gateways, Set<String> endpoints, int line) {
        /** Copies the collections. */
        public Identity {
            prefixes = List.copyOf(prefixes);
            gateways = Set.copyOf(gateways);
            endpoints = Set.copyOf(endpoints);
        }
    }

    /**
     * A decision.
     *
     * @param granted true if granted
     * @param reason  why not (denied only), else {@link DenyReason#DENY_REASON_UNSPECIFIED}
     * @param message what was wrong (denied only); never contains the credential
     */
    public record Decision(boolean granted, DenyReason reason, String message) {
        static final Decision GRANTED = new Decision(true, DenyReason.DENY_REASON_UNSPECIFIED, "");

        static Decision deny(DenyReason reason, String message) {
            return new Decision(false, reason, message);
        }
    }

    private static final Set<String> IDENTITY_KEYS = Set.of("id", "kind", "tokenHash", "certificate", "prefixes",
            "gateways", "endpoints");

    private final Map<String, Identity> pods;
    private final Map<String, Identity> nodes;
    private final String file;

    private SpaPolicy(String file, Map<String, Identity> pods, Map<String, Identity> nodes) {
        this.file = file;
        this.pods = Map.copyOf(pods);
        this.nodes = Map.copyOf(nodes);
    }

    /**
     * @param file the policy file
     * @return the policy
     * @throws PolicyException naming the file, the line and the reason
     */
    public static SpaPolicy load(Path file) {
        String text;
        try {
            text = io.dmsc.wire.TextFiles.read(file, StandardCharsets.UTF_8, "a YAML SPA policy file");
        } catch (IllegalArgumentException e) {
            throw new PolicyException(file.toString(), 0, e.getMessage().substring(file.toString().length() + 2));
        }
        return parse(file.toString(), text);
    }

    /**
     * @param file name of the source, for messages
     * @param text the YAML
     * @return the policy
     * @throws PolicyException naming the file, the line and the reason
     */
    public static SpaPolicy parse(String file, String text) {
        Located root;
        try (Reader r = new StringReader(text); JsonParser p = new YAMLFactory().createParser(r)) {
            JsonToken first = p.nextToken();
            if (first == null) {
                throw new PolicyException(file, 1, "empty file (expected: a mapping with key identities)");
            }
            root = read(file, p);
        } catch (JsonProcessingException e) {
            int line = e.getLocation() == null ? 0 : e.getLocation().getLineNr();
            throw new PolicyException(file, line, "not valid YAML: " + e.getOriginalMessage().lines().findFirst()
                    .orElse("") + " (expected: a YAML mapping with key identities)");
        } catch (IOException e) {
            throw new PolicyException(file, 0, "cannot read: " + e + " (expected: a readable YAML file)");
        }
        Map<String, Located> top = mapping(file, root, "the document");
        for (Map.Entry<String, Located> e : top.entrySet()) {
            if (!e.getKey().equals("identities")) {
                throw new PolicyException(file, e.getValue().line, "unknown key '" + e.getKey()
                        + "' (expected: identities)");
            }
        }
        Located ids = top.get("identities");
        if (ids == null) {
            throw new PolicyException(file, root.line, "no key identities (expected: identities: [...])");
        }
        Map<String, Identity> pods = new LinkedHashMap<>();
        Map<String, Identity> nodes = new LinkedHashMap<>();
        List<Located> list = sequence(file, ids, "identities");
        for (int i = 0; i < list.size(); i++) {
            Identity id = identity(file, list.get(i), "identities[" + i + "]");
            Map<String, Identity> byKind = id.kind() == Kind.POD ? pods : nodes;
            Identity old = byKind.putIfAbsent(id.id(), id);
            if (old != null) {
                throw new PolicyException(file, id.line(), "identities[" + i + "]: duplicate " + kindName(id.kind())
                        + " id '" + id.id() + "', first at line " + old.line() + " (expected: each id once per kind)");
            }
        }
        return new SpaPolicy(file, pods, nodes);
    }

    private static Identity identity(String file, Located l, String where) {
        Map<String, Located> m = mapping(file, l, where);
        for (Map.Entry<String, Located> e : m.entrySet()) {
            if (!IDENTITY_KEYS.contains(e.getKey())) {
                throw new PolicyException(file, e.getValue().line, where + ": unknown key '" + e.getKey()
                        + "' (expected: one of id, kind, tokenHash, certificate, prefixes, gateways, endpoints)");
            }
        }
        String id = scalar(file, m, l, where, "id", true);
        if (!NodeIds.isValid(id)) {
            throw new PolicyException(file, m.get("id").line, where + ".id: '" + id
                    + "' (expected: 1 to 64 of letters, digits, . _ -)");
        }
        String kindText = scalar(file, m, l, where, "kind", false);
        Kind kind;
        if (kindText == null || kindText.equals("pod")) {
            kind = Kind.POD;
        } else if (kindText.equals("node")) {
            kind = Kind.NODE;
        } else {
            throw new PolicyException(file, m.get("kind").line, where + ".kind: '" + kindText
                    + "' (expected: pod or node)");
        }
        String certificate = scalar(file, m, l, where, "certificate", false);
        if (certificate != null) {
            certificate = checkCertificate(file, m.get("certificate").line, where, certificate, kind, id);
        }
        String hash = scalar(file, m, l, where, "tokenHash", certificate == null);
        if (hash != null) {
            try {
                TokenHash.check(hash);
            } catch (IllegalArgumentException e) {
                throw new PolicyException(file, m.get("tokenHash").line, where + ".tokenHash: " + e.getMessage());
            }
        }
        List<PrefixPattern> prefixes = new ArrayList<>();
        for (Located p : strings(file, m, l, where, "prefixes", true)) {
            try {
                prefixes.add(PrefixPattern.parse((String) p.value));
            } catch (IllegalArgumentException e) {
                throw new PolicyException(file, p.line, where + ".prefixes: " + e.getMessage());
            }
        }
        List<String> gateways = new ArrayList<>();
        for (Located g : strings(file, m, l, where, "gateways", false)) {
            if (!NodeIds.isValid((String) g.value)) {
                throw new PolicyException(file, g.line, where + ".gateways: '" + g.value + "' (expected: an SG node id)");
            }
            gateways.add((String) g.value);
        }
        List<String> endpoints = new ArrayList<>();
        for (Located e : strings(file, m, l, where, "endpoints", false)) {
            String h = (String) e.value;
            if (h.isEmpty() || h.contains(" ") || (h.contains(":") && !h.contains("::") && h.indexOf(':') == h.lastIndexOf(':'))) {
                throw new PolicyException(file, e.line, where + ".endpoints: '" + h
                        + "' (expected: a host name or IP address without port, or \"*\" for any)");
            }
            endpoints.add(h);
        }
        return new Identity(id, kind, hash, certificate, prefixes, Set.copyOf(gateways), Set.copyOf(endpoints), l.line);
    }

    private static String checkCertificate(String file, int line, String where, String uri, Kind kind, String id) {
        io.dmsc.node.security.MeshIdentity mi;
        try {
            mi = io.dmsc.node.security.MeshIdentity.parse(uri);
        } catch (IllegalArgumentException e) {
            throw new PolicyException(file, line, where + ".certificate: " + e.getMessage());
        }
        boolean kindMatches = (kind == Kind.POD) == (mi.kind() == io.dmsc.node.security.MeshIdentity.Kind.POD);
        if (!kindMatches || !mi.id().equals(id)) {
            throw new PolicyException(file, line, where + ".certificate: '" + uri + "' does not name " + kindName(kind)
                    + " " + id + " (expected: spiffe://MESH/" + kindName(kind) + "/" + id + ")");
        }
        return mi.uri();
    }

    private static String kindName(Kind k) {
        return k == Kind.POD ? "pod" : "node";
    }

    /**
     * Decides one request. Checks, in order: reserved namespace, identity, credential, gateway,
     * prefix, endpoint.
     *
     * @param sgId          the asking SG
     * @param podId         the pod, or empty when the identity is the SG itself (kind node, id sgId)
     * @param token         the presented token (never put into the message), or empty
     * @param certificate   the certificate identity the asking SG vouches for (it saw the pod's
     *                      verified client certificate, or it is the SG's own), or empty
     * @param prefix        the prefix
     * @param endpoint      {@code host:port}, or empty
     * @param endpointIsOwn true if the endpoint's host is one of the pod's own addresses
     * @return the decision
     */
    public Decision decide(String sgId, String podId, String token, String certificate, ServicePrefix prefix,
                           String endpoint, boolean endpointIsOwn) {
        if (prefix.isReserved()) {
            return Decision.deny(DenyReason.RESERVED_NAMESPACE, prefix + " is in the reserved /"
                    + ServicePrefix.RESERVED_COMPONENT + " namespace (expected: a service name outside it)");
        }
        boolean self = podId.isEmpty();
        Identity id = self ? nodes.get(sgId) : pods.get(podId);
        String who = self ? "node " + sgId : "pod " + podId;
        if (id == null) {
            return Decision.deny(DenyReason.UNKNOWN_IDENTITY, "the policy has no " + who
                    + " (expected: an identity of " + file + ")");
        }
        if (certificate != null && !certificate.isEmpty()) {
            if (id.certificate() == null) {
                return Decision.deny(DenyReason.BAD_CREDENTIAL, who + " proved itself with certificate " + certificate
                        + ", but the policy gives it no certificate identity (expected: certificate: " + certificate
                        + " in its entry, or a token)");
            }
            if (!id.certificate().equals(certificate)) {
                return Decision.deny(DenyReason.BAD_CREDENTIAL, "certificate " + certificate + " is not the one of "
                        + who + " (expected: " + id.certificate() + ")");
            }
        } else if (token == null || token.isEmpty()) {
            return Decision.deny(DenyReason.BAD_CREDENTIAL, who + " presented no token (expected: the token of "
                    + who + " in the pod's Hello, e.g. dmsc attach --token" + (id.certificate() == null ? ""
                    : ", or its certificate " + id.certificate() + " over TLS, e.g. dmsc attach --cert") + ")");
        } else if (id.tokenHash() == null) {
            return Decision.deny(DenyReason.BAD_CREDENTIAL, who + " proves itself by certificate only (expected: "
                    + "its certificate " + id.certificate() + " over TLS, e.g. dmsc attach --tls-ca --cert --key)");
        } else if (!TokenHash.matches(id.tokenHash(), token)) {
            return Decision.deny(DenyReason.BAD_CREDENTIAL, "the token of " + who
                    + " does not match (expected: the token whose hash is in the policy)");
        }
        if (!id.gateways().isEmpty() && !id.gateways().contains(sgId)) {
            return Decision.deny(DenyReason.GATEWAY_NOT_ALLOWED, who + " may not announce through SG " + sgId
                    + " (expected: one of " + new java.util.TreeSet<>(id.gateways()) + ")");
        }
        if (id.prefixes().stream().noneMatch(p -> p.matches(prefix))) {
            return Decision.deny(DenyReason.PREFIX_NOT_ALLOWED, who + " may not own " + prefix + " (expected: one of "
                    + id.prefixes() + ")");
        }
        if (!endpointIsOwn && endpoint != null && !endpoint.isEmpty()) {
            String host = host(endpoint);
            if (!id.endpoints().contains("*") && !id.endpoints().contains(host)) {
                return Decision.deny(DenyReason.ENDPOINT_NOT_ALLOWED, "endpoint host '" + host + "' is not an address of "
                        + who + " (expected: its own address, or one of " + new java.util.TreeSet<>(id.endpoints())
                        + ")");
            }
        }
        return Decision.GRANTED;
    }

    static String host(String endpoint) {
        int colon = endpoint.lastIndexOf(':');
        String h = colon > 0 && !endpoint.endsWith("]") ? endpoint.substring(0, colon) : endpoint;
        if (h.startsWith("[") && h.endsWith("]")) {
            h = h.substring(1, h.length() - 1);
        }
        return h;
    }

    /** @return the number of identities */
    public int size() {
        return pods.size() + nodes.size();
    }

    /** @return the file the policy came from */
    public String file() {
        return file;
    }

    // --- a small YAML tree that remembers lines ---

    /** A parsed value: a String (scalars), a Map of Located, a List of Located, or null. */
    private record Located(Object value, int line) {
    }

    private static Located read(String file, JsonParser p) throws IOException {
        int line = p.currentTokenLocation().getLineNr();
        JsonToken t = p.currentToken();
        if (t == JsonToken.START_OBJECT) {
            Map<String, Located> m = new LinkedHashMap<>();
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String key = p.currentName();
                int keyLine = p.currentTokenLocation().getLineNr();
                p.nextToken();
                Located v = read(file, p);
                if (m.put(key, new Located(v.value, keyLine)) != null) {
                    throw new PolicyException(file, keyLine, "duplicate key '" + key + "' (expected: each key once)");
                }
            }
            return new Located(m, line);
        }
        if (t == JsonToken.START_ARRAY) {
            List<Located> l = new ArrayList<>();
            while (p.nextToken() != JsonToken.END_ARRAY) {
                l.add(read(file, p));
            }
            return new Located(l, line);
        }
        return new Located(t == JsonToken.VALUE_NULL ? null : p.getText(), line);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Located> mapping(String file, Located l, String where) {
        if (!(l.value instanceof Map)) {
            throw new PolicyException(file, l.line, where + ": " + describe(l) + " (expected: a mapping)");
        }
        return (Map<String, Located>) l.value;
    }

    @SuppressWarnings("unchecked")
    private static List<Located> sequence(String file, Located l, String where) {
        if (!(l.value instanceof List)) {
            throw new PolicyException(file, l.line, where + ": " + describe(l) + " (expected: a list)");
        }
        return (List<Located>) l.value;
    }

    private static String scalar(String file, Map<String, Located> m, Located parent, String where, String key,
                                 boolean required) {
        Located v = m.get(key);
        if (v == null || v.value == null) {
            if (required) {
                throw new PolicyException(file, v == null ? parent.line : v.line, where + ": no " + key
                        + " (expected: " + key + ": VALUE)");
            }
            return null;
        }
        if (!(v.value instanceof String s)) {
            throw new PolicyException(file, v.line, where + "." + key + ": " + describe(v) + " (expected: a string)");
        }
        return s;
    }

    private static List<Located> strings(String file, Map<String, Located> m, Located parent, String where, String key,
                                         boolean required) {
        Located v = m.get(key);
        if (v == null) {
            if (required) {
                throw new PolicyException(file, parent.line, where + ": no " + key + " (expected: " + key
                        + ": [...], at least one)");
            }
            return List.of();
        }
        List<Located> l = sequence(file, v, where + "." + key);
        if (required && l.isEmpty()) {
            throw new PolicyException(file, v.line, where + "." + key + ": empty (expected: at least one)");
        }
        for (Located e : l) {
            if (!(e.value instanceof String)) {
                throw new PolicyException(file, e.line, where + "." + key + ": " + describe(e)
                        + " (expected: a string)");
            }
        }
        return l;
    }

    private static String describe(Located l) {
        if (l.value == null) {
            return "null";
        }
        if (l.value instanceof Map) {
            return "a mapping";
        }
        if (l.value instanceof List) {
            return "a list";
        }
        return "'" + l.value + "'";
    }
}
