package io.dmsc.sdk;

/**
 * A {@code host:port} text such as {@code 127.0.0.1:7101} or {@code [::1]:7101}, checked at the
 * boundary so that a typo fails with a message rather than as a connection error later.
 */
record HostPort(String host, int port) {

    static HostPort parse(String what, String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException(what + ": empty (expected: host:port, like 127.0.0.1:7101)");
        }
        int colon = text.lastIndexOf(':');
        if (colon <= 0 || colon == text.length() - 1) {
            throw new IllegalArgumentException(what + ": '" + text + "' (expected: host:port, like 127.0.0.1:7101)");
        }
        String host = text.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port;
        try {
            port = Integer.parseInt(text.substring(colon + 1));
        } catch (NumberFormatException e) {
            port = -1;
        }
        if (port < 1 || port > 65535 || host.isEmpty()) {
            throw new IllegalArgumentException(what + ": '" + text + "' (expected: host:port with a port in 1..65535)");
        }
        return new HostPort(host, port);
    }

    @Override
    public String toString() {
        return host.indexOf(':') >= 0 ? "[" + host + "]:" + port : host + ":" + port;
    }
}
