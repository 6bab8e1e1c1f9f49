package io.dmsc.cli;

import io.dmsc.node.link.HostPort;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;

/** The requests of commands that change a node's state through its admin port (with its bearer token). */
final class AdminClient {
    private AdminClient() {
    }

    /**
     * Sends {@code POST pathAndQuery} to a node's admin port.
     *
     * @param hp           the node's admin address
     * @param pathAndQuery e.g. {@code /overload?set=on}, already encoded
     * @param tokenFile    the node's admin token file, or null to send no token (the node then
     *                     says what it expects)
     * @return the body of a 200 answer
     * @throws Dmsc.UserException if the token file is unusable, the node is
     *                            unreachable or it answered anything but 200 (with its answer)
     */
    static String post(HostPort hp, String pathAndQuery, Path tokenFile) throws InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://" + hp + pathAndQuery))
                .timeout(Duration.ofSeconds(5)).POST(HttpRequest.BodyPublishers.noBody());
        if (tokenFile != null) {
            String token;
            try {
                token = io.dmsc.wire.TextFiles.read(tokenFile, java.nio.charset.StandardCharsets.US_ASCII,
                        "the node's admin token on one line").trim();
            } catch (IllegalArgumentException e) {
                throw new Dmsc.UserException("--token-file: " + e.getMessage());
            }
            request.header("Authorization", "Bearer " + token);
        }
        HttpResponse<String> r;
        try {
            r = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build()
                    .send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new Dmsc.UserException("cannot reach the admin port " + hp + ": " + e.getMessage()
                    + " (expected: a node's admin address)");
        }
        if (r.statusCode() != 200) {
            throw new Dmsc.UserException(hp + " answered " + r.statusCode() + ": " + r.body().trim());
        }
        return r.body();
    }
}
