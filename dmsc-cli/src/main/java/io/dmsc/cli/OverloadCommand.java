package io.dmsc.cli;

import io.dmsc.node.link.HostPort;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code dmsc overload on|off}: sets or clears a node's overload bit through its admin port
 * (the node stays reachable but carries no transit: drain it before maintenance). Needs the
 * node's admin bearer token.
 */
@Command(name = "overload", description = {
    "Set (on) or clear (off) a node's overload bit: it stays reachable but carries no transit.",
    "Example: dmsc overload on --admin 127.0.0.1:9111 --token-file admin.token"})
final class OverloadCommand implements Callable<Integer> {
    enum State { on, off }

    @Parameters(paramLabel = "on|off", description = "one of: ${COMPLETION-CANDIDATES}")
    State state;

    @Option(names = "--admin", required = true, paramLabel = "HOST:PORT", description = "the node's admin address")
    String admin;

    @Option(names = "--token-file", required = true, paramLabel = "FILE",
            description = "the node's admin bearer token (its adminTokenFile)")
    Path tokenFile;

    @Override
    public Integer call() throws IOException, InterruptedException {
        HostPort hp;
        try {
            hp = HostPort.parse(admin);
        } catch (IllegalArgumentException e) {
            throw new Dmsc.UserException("--admin: " + e.getMessage());
        }
        String token;
        try {
            token = Files.readString(tokenFile).trim();
        } catch (IOException e) {
            throw new Dmsc.UserException("--token-file: cannot read " + tokenFile + ": " + e.getMessage());
        }
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://" + hp + "/overload?set=" + state))
                .timeout(Duration.ofSeconds(5)).header("Authorization", "Bearer " + token)
                .POST(HttpRequest.BodyPublishers.noBody()).build();
        HttpResponse<String> r;
        try {
            r = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build()
                    .send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new Dmsc.UserException("cannot reach the admin port " + hp + ": " + e.getMessage()
                    + " (expected: a node's admin address)");
        }
        if (r.statusCode() != 200) {
            throw new Dmsc.UserException(hp + " answered " + r.statusCode() + ": " + r.body().trim());
        }
        System.out.print(r.body());
        return 0;
    }
}
