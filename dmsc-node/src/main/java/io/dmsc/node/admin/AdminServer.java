package io.dmsc.node.admin;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.dmsc.node.NodeConductor;
import io.dmsc.node.NodeMetrics;
import io.dmsc.node.NodeStatus;
import io.dmsc.node.link.HostPort;
import io.dmsc.node.link.LinkException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Admin HTTP of one node: {@code /status} (JSON), {@code /metrics} (Prometheus text),
 * {@code /healthz}. Served by the JDK's HTTP server on one small thread; status is taken on the
 * conductor thread and waited for with a timeout.
 */
public final class AdminServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AdminServer.class);
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final HttpServer server;
    private final ExecutorService executor;
    private final NodeConductor conductor;
    private final NodeMetrics metrics;
    private final java.util.function.Supplier<java.util.concurrent.CompletableFuture<java.util.Map<String, Object>>> extra;

    /**
     * Binds and starts serving, with no sections beyond the conductor's.
     *
     * @param address   {@code host:port}, port 0 for any
     * @param conductor the node
     * @param metrics   its metrics
     */
    public AdminServer(String address, NodeConductor conductor, NodeMetrics metrics) {
        this(address, conductor, metrics, () -> java.util.concurrent.CompletableFuture.completedFuture(java.util.Map.of()));
    }

    /**
     * Binds and starts serving.
     *
     * @param address   {@code host:port}, port 0 for any
     * @param conductor the node
     * @param metrics   its metrics
     * @param extra     more sections of {@code /status} (flows, pods), taken on their owners' threads
     */
    public AdminServer(String address, NodeConductor conductor, NodeMetrics metrics,
                       java.util.function.Supplier<java.util.concurrent.CompletableFuture<java.util.Map<String, Object>>>
                               extra) {
        this.conductor = conductor;
        this.extra = extra;
        this.metrics = metrics;
        HostPort hp = HostPort.parse(address);
        try {
            server = HttpServer.create(new InetSocketAddress(hp.host(), hp.port()), 16);
        } catch (IOException e) {
            throw new LinkException("cannot serve admin HTTP on " + address + ": " + e.getMessage()
                    + " (expected: a free local address)", e);
        }
        executor = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "dmsc-admin-" + metrics.nodeId());
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.createContext("/status", this::status);
        server.createContext("/metrics", ex -> respond(ex, 200, "text/plain; version=0.0.4; charset=utf-8",
                metrics.scrape()));
        server.createContext("/healthz", ex -> {
            boolean ok = conductor.healthy();
            respond(ex, ok ? 200 : 503, "text/plain; charset=utf-8", ok ? "ok\n" : "conductor not running\n");
        });
        server.createContext("/", ex -> respond(ex, 404, "text/plain; charset=utf-8",
                "not found: " + ex.getRequestURI().getPath() + " (expected: /status, /metrics or /healthz)\n"));
        server.start();
    }

    private void status(HttpExchange ex) throws IOException {
        try {
            NodeStatus s = conductor.status().get(3, TimeUnit.SECONDS);
            com.fasterxml.jackson.databind.node.ObjectNode tree = JSON.valueToTree(s);
            for (java.util.Map.Entry<String, Object> e : extra.get().get(3, TimeUnit.SECONDS).entrySet()) {
                tree.set(e.getKey(), JSON.valueToTree(e.getValue()));
            }
            respond(ex, 200, "application/json", JSON.writeValueAsString(tree));
        } catch (TimeoutException e) {
            respond(ex, 503, "text/plain; charset=utf-8", "the node did not answer within 3 s\n");
        } catch (Exception e) {
            LOG.warn("{}: /status failed", metrics.nodeId(), e);
            respond(ex, 500, "text/plain; charset=utf-8", "status failed: " + e + "\n");
        }
    }

    private static void respond(HttpExchange ex, int code, String type, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", type);
        ex.sendResponseHeaders(code, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }

    /** @return the bound address */
    public String address() {
        InetSocketAddress a = server.getAddress();
        return new HostPort(a.getHostString(), a.getPort()).toString();
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
