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
 * {@code /healthz}; with the bearer token, {@code POST /overload}, {@code POST /link/impair} and
 * {@code POST /link/clear}. Served by the JDK's HTTP server on one small thread; status is taken on the
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
    /** The bearer token of state-changing endpoints (a secret: never logged), or null when they are off. */
    private final byte[] token;
    private final io.micrometer.core.instrument.Counter unauthorized;
    private static final String TEXT = "text/plain; charset=utf-8";
    private static final String LINK_IMPAIR = "/link/impair";
    private static final String LINK_CLEAR = "/link/clear";

    /**
     * Binds and starts serving, with no sections beyond the conductor's.
     *
     * @param address   {@code host:port}, port 0 for any
     * @param conductor the node
     * @param metrics   its metrics
     */
    public AdminServer(String address, NodeConductor conductor, NodeMetrics metrics) {
        this(address, conductor, metrics, () -> java.util.concurrent.CompletableFuture.completedFuture(java.util.Map.of()),
                null);
    }

    /**
     * Binds and starts serving.
     *
     * @param address   {@code host:port}, port 0 for any
     * @param conductor the node
     * @param metrics   its metrics
     * @param extra     more sections of {@code /status} (flows, pods), taken on their owners' threads
     * @param tokenFile the bearer token endpoints that change state require (owner-readable only:
     *                  checked), or null: those endpoints answer 403
     */
    public AdminServer(String address, NodeConductor conductor, NodeMetrics metrics,
                       java.util.function.Supplier<java.util.concurrent.CompletableFuture<java.util.Map<String, Object>>>
                               extra, java.nio.file.Path tokenFile) {
        this.token = tokenFile == null ? null : readToken(tokenFile);
        this.unauthorized = io.micrometer.core.instrument.Counter.builder("dmsc_admin_unauthorized")
                .description("admin requests to change state refused for a missing or wrong bearer token")
                .register(metrics.registry());
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
        server.createContext("/overload", this::overload);
        server.createContext(LINK_IMPAIR, this::linkImpair);
        server.createContext(LINK_CLEAR, this::linkClear);
        server.createContext("/", this::notFound);
        server.start();
    }

    private void notFound(HttpExchange ex) throws IOException {
        respond(ex, 404, TEXT, "not found: " + ex.getRequestURI().getPath() + " (expected: /status, /metrics, "
                + "/healthz, or POST /overload?set=on|off, " + LINK_IMPAIR + "?peer=ID&..., " + LINK_CLEAR
                + "?peer=ID)\n");
    }

    private static byte[] readToken(java.nio.file.Path file) {
        try {
            io.dmsc.wire.tls.KeyFiles.checkOwnerOnly(file);
            String t = io.dmsc.wire.TextFiles.read(file, StandardCharsets.US_ASCII, "the admin token on one line, "
                    + "e.g. from 'openssl rand -hex 32'").trim();
            if (t.length() < 16 || t.chars().anyMatch(c -> c <= ' ' || c > '~')) {
                throw new IllegalArgumentException(file + ": the admin token has " + t.length() + " characters or "
                        + "contains spaces or controls (expected: at least 16 printable characters on one line, "
                        + "e.g. from 'openssl rand -hex 32')");
            }
            return t.getBytes(StandardCharsets.US_ASCII);
        } catch (IllegalArgumentException e) {
            throw new LinkException(e.getMessage(), e);
        }
    }

    /**
     * Admits a request to change state: POST with {@code Authorization: Bearer TOKEN}. Answers and
     * returns false otherwise.
     */
    private boolean authorized(HttpExchange ex) throws IOException {
        if (!"POST".equals(ex.getRequestMethod())) {
            ex.getResponseHeaders().set("Allow", "POST");
            respond(ex, 405, "text/plain; charset=utf-8", ex.getRequestMethod() + " " + ex.getRequestURI().getPath()
                    + " (expected: POST; it changes the node's state)\n");
            return false;
        }
        if (token == null) {
            respond(ex, 403, "text/plain; charset=utf-8", "endpoints that change state are off on this node "
                    + "(expected: adminTokenFile: FILE in its config, and that token as Authorization: Bearer)\n");
            return false;
        }
        String header = ex.getRequestHeaders().getFirst("Authorization");
        byte[] presented = header != null && header.startsWith("Bearer ")
                ? header.substring(7).trim().getBytes(StandardCharsets.US_ASCII) : new byte[0];
        if (!java.security.MessageDigest.isEqual(token, presented)) {
            unauthorized.increment();
            ex.getResponseHeaders().set("WWW-Authenticate", "Bearer realm=\"dmsc-admin\"");
            respond(ex, 401, "text/plain; charset=utf-8", (header == null ? "no Authorization header"
                    : "the bearer token does not match") + " (expected: Authorization: Bearer TOKEN, the token of "
                    + "the node's adminTokenFile)\n");
            return false;
        }
        return true;
    }

    /** {@code POST /overload?set=on|off}: sets the overload bit (drain transit before maintenance). */
    private void overload(HttpExchange ex) throws IOException {
        if (!authorized(ex)) {
            return;
        }
        String query = ex.getRequestURI().getRawQuery();
        boolean on;
        if ("set=on".equals(query)) {
            on = true;
        } else if ("set=off".equals(query)) {
            on = false;
        } else {
            respond(ex, 400, "text/plain; charset=utf-8", "query '" + (query == null ? "" : query)
                    + "' (expected: set=on or set=off)\n");
            return;
        }
        conductor.setOverload(on);
        LOG.info("{}: overload {} by the admin API (from {})", metrics.nodeId(), on ? "set" : "cleared",
                ex.getRemoteAddress().getAddress().getHostAddress());
        respond(ex, 200, "text/plain; charset=utf-8", "overload " + (on ? "on" : "off") + "\n");
    }

    /**
     * {@code POST /link/impair?peer=ID&delayMs=N&jitterMs=N&lossPercent=P&rateKbps=N}: impairs the
     * frames this node sends to a neighbour (tests, drills, the demo) until {@code /link/clear}.
     */
    private void linkImpair(HttpExchange ex) throws IOException {
        if (!exactPath(ex, LINK_IMPAIR) || !authorized(ex)) {
            return;
        }
        LinkImpairmentQuery q;
        try {
            q = LinkImpairmentQuery.impair(ex.getRequestURI().getRawQuery());
        } catch (IllegalArgumentException e) {
            respond(ex, 400, TEXT, e.getMessage() + "\n");
            return;
        }
        io.dmsc.node.link.LinkImpairment set = await(ex, conductor.impair(q.peer(), q.impairment()));
        if (set == null) {
            return;
        }
        String node = metrics.nodeId();
        LOG.info("{}: link to {} impaired by the admin API (from {}): {}", node, q.peer(),
                ex.getRemoteAddress().getAddress().getHostAddress(), set.describe());
        StringBuilder body = new StringBuilder("link " + node + " -> " + q.peer() + " impaired: " + set.describe()
                + " (on the frames " + node + " sends to " + q.peer() + "; loss drops data and probe frames only)\n");
        io.dmsc.node.config.NodeConfig c = conductor.config();
        long heldMs = (long) set.delayMs() + set.jitterMs();
        if (heldMs + c.helloIntervalMs() >= c.holdTimeMs()) {
            body.append("warning: hellos are held up to ").append(heldMs).append(" ms and sent every ")
                    .append(c.helloIntervalMs()).append(" ms; with a hold time of ").append(c.holdTimeMs())
                    .append(" ms the adjacency goes down while the link carries nothing else (expected for a "
                            + "working link: delayMs + jitterMs + helloIntervalMs < holdTimeMs)\n");
        }
        respond(ex, 200, TEXT, body.toString());
    }

    /** {@code POST /link/clear?peer=ID}: removes the impairment; held frames leave at once. */
    private void linkClear(HttpExchange ex) throws IOException {
        if (!exactPath(ex, LINK_CLEAR) || !authorized(ex)) {
            return;
        }
        LinkImpairmentQuery q;
        try {
            q = LinkImpairmentQuery.clear(ex.getRequestURI().getRawQuery());
        } catch (IllegalArgumentException e) {
            respond(ex, 400, TEXT, e.getMessage() + "\n");
            return;
        }
        Boolean was = await(ex, conductor.clearImpairment(q.peer()));
        if (was == null) {
            return;
        }
        String node = metrics.nodeId();
        if (was) {
            LOG.info("{}: link to {} no longer impaired, by the admin API (from {})", node, q.peer(),
                    ex.getRemoteAddress().getAddress().getHostAddress());
        }
        respond(ex, 200, TEXT, "link " + node + " -> " + q.peer() + (was ? ": impairment cleared\n"
                : ": was not impaired\n"));
    }

    /** Answers 404 and returns false unless the path is exactly {@code path} (contexts match by prefix). */
    private boolean exactPath(HttpExchange ex, String path) throws IOException {
        if (path.equals(ex.getRequestURI().getPath())) {
            return true;
        }
        notFound(ex);
        return false;
    }

    /**
     * Waits for the conductor's answer to a change. A refused change (an unknown neighbour)
     * answers 404, a link that cannot be impaired 409.
     *
     * @return the answer, or null after an error was sent
     */
    private <T> T await(HttpExchange ex, java.util.concurrent.CompletableFuture<T> answer) throws IOException {
        try {
            return answer.get(3, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof IllegalArgumentException) {
                respond(ex, 404, TEXT, cause.getMessage() + "\n");
            } else if (cause instanceof UnsupportedOperationException) {
                respond(ex, 409, TEXT, cause.getMessage() + "\n");
            } else {
                LOG.warn("{}: {} failed", metrics.nodeId(), ex.getRequestURI().getPath(), cause);
                respond(ex, 500, TEXT, "failed: " + cause + "\n");
            }
        } catch (TimeoutException e) {
            respond(ex, 503, TEXT, "the node did not answer within 3 s\n");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            respond(ex, 503, TEXT, "interrupted\n");
        }
        return null;
    }

    private void status(HttpExchange ex) throws IOException {
        try {
            NodeStatus s = conductor.status().get(3, TimeUnit.SECONDS);
            com.fasterxml.jackson.databind.node.ObjectNode tree = JSON.valueToTree(s);
            tree.set("impairments", JSON.valueToTree(conductor.impairments().get(3, TimeUnit.SECONDS)));
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
