package io.dmsc.example.greeter;

import java.util.HashMap;
import java.util.Map;

/** {@code --name value} command-line options of the sample mains. */
final class Args {
    private final Map<String, String> values = new HashMap<>();

    Args(String[] args) {
        for (int i = 0; i < args.length; i++) {
            if (!args[i].startsWith("--") || i + 1 == args.length) {
                throw new IllegalArgumentException("argument '" + args[i] + "' (expected: --option value pairs)");
            }
            values.put(args[i].substring(2), args[++i]);
        }
    }

    String get(String name, String defaultValue) {
        return values.getOrDefault(name, defaultValue);
    }

    /**
     * {@code --tls-ca FILE [--cert FILE --key FILE]}: TLS to the gateway, with the pod's
     * certificate when given; null (plaintext) without {@code --tls-ca}.
     */
    io.dmsc.sdk.GatewayTls tls() {
        String ca = get("tls-ca", "");
        if (ca.isEmpty()) {
            return null;
        }
        String cert = get("cert", "");
        return cert.isEmpty() ? io.dmsc.sdk.GatewayTls.trusting(java.nio.file.Path.of(ca))
                : io.dmsc.sdk.GatewayTls.mutual(java.nio.file.Path.of(ca), java.nio.file.Path.of(cert),
                        java.nio.file.Path.of(get("key", "")));
    }
}
