package io.dmsc.node.link;

/**
 * A {@code host:port} address.
 *
 * @param host host name or IP literal (IPv6 in brackets in text form)
 * @param port 0 to 65535
 */
public record HostPort(String host, int port) {
    /** Validates the fields. */
    public HostPort {
        if (host == null || host.isEmpty()) {
            throw new IllegalArgumentException("host: empty (expected: a host name or IP address)");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port: " + port + " (expected: 0..65535)");
        }
    }

    /**
     * @param text {@code host:port} or {@code [v6]:port}
     * @return the address
     * @throws IllegalArgumentException naming what is wrong
     */
    public static HostPort parse(String text) {
        String expected = " (expected: HOST:PORT, e.g. 127.0.0.1:7001)";
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("address: empty" + expected);
        }
        int colon = text.lastIndexOf(':');
        if (colon <= 0 || colon == text.length() - 1) {
            throw new IllegalArgumentException("address '" + text + "': no port" + expected);
        }
        String host = text.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port;
        try {
            port = Integer.parseInt(text.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("address '" + text + "': port is not a number" + expected);
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("address '" + text + "': port " + port + " (expected: 0..65535)");
        }
        return new HostPort(host, port);
    }

    /** @return whether the host is the wildcard address, which binds every interface of the machine */
    public boolean isWildcard() {
        // 0.0.0.0, ::, 0:0:0:0:0:0:0:0 and the like: every interface of the machine.
        return host.chars().allMatch(c -> c == '0' || c == '.' || c == ':');
    }

    @Override
    public String toString() {
        return host.indexOf(':') >= 0 ? "[" + host + "]:" + port : host + ":" + port;
    }
}
