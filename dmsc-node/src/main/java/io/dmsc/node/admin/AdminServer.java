package io.dmsc.node.admin;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.dmsc.node.NodeConductor;
import io.dmsc.node.NodeMetrics;
import io.dmsc.node.link.LinkException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Admin HTTP of one node, on an {@link AdminHttpServer}: {@code /status} (a bounded JSON summary),
 * {@code /status/TABLE?offset=N&limit=M} (one table in pages), {@code /metrics} (Prometheus text),
 * {@code /healthz}; with the bearer token, {@code POST /overload}, {@code POST /link/impair} and
 * {@code POST /link/clear}. Status is taken on the conductor thread (and the extensions' owners)
 * and turned into JSON on the admin event loop when it arrives; the event loop never waits for it.
 */
public final class AdminServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AdminServer.class);
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final String LINK_IMPAIR = "/link/impair";
    private static final String LINK_CLEAR = "/link/clear";
    private static final String STATUS_TABLE = "/status/";

    private final AdminHttpServer http;
    private final NodeConductor conductor;
    private final NodeMetrics metrics;
    private final Supplier<CompletableFuture<Map<String, Object>>> extra;
    /** The bearer token of state-changing endpoints (a secret: never logged), or null when they are off. */
    private final byte[] token;
    private final io.micrometer.core.instrument.Counter unauthorized;

    /**
     * Binds and starts serving, with no sections beyond the conductor's.
     *
     * @param address   {@code host:port}, port 0 for any
     * @param conductor the node
     * @param metrics   its metrics
     */
    public AdminServer(String address, NodeConductor conductor, NodeMetrics metrics) {
        this(address, conductor, metrics, () -> CompletableFuture.completedFuture(Map.of()), null,
                AdminHttpSettings.DEFAULTS);
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
     * @param settings  the port's limits
     */
    public AdminServer(String address, NodeConductor conductor, NodeMetrics metrics,
                       Supplier<CompletableFuture<Map<String, Object>>> extra, java.nio.file.Path tokenFile,
                       AdminHttpSettings settings) {
        this.token = tokenFile == null ? null : readToken(tokenFile);
        this.unauthorized = io.micrometer.core.instrument.Counter.builder("dmsc_admin_unauthorized")
                .description("admin requests to change state refused for a missing or wrong bearer token")
                .register(metrics.registry());
        this.conductor = conductor;
        this.extra = extra;
        this.metrics = metrics;
        http = new AdminHttpServer(metrics.nodeId(), settings, metrics.registry(), "/status, /status/TABLE, "
                + "/metrics, /healthz, or POST /overload?set=on|off, " + LINK_IMPAIR + "?peer=ID&..., " + LINK_CLEAR
                + "?peer=ID")
                .get("/status", r -> fullStatus().thenApply(full -> json(StatusPages.summary(full))))
                .getUnder(STATUS_TABLE, this::table)
                .get("/metrics", r -> done(new AdminResponse(200, AdminResponse.PROMETHEUS, metrics.scrape(),
                        Map.of())))
                .get("/healthz", r -> {
                    boolean ok = conductor.healthy();
                    return done(AdminResponse.text(ok ? 200 : 503, ok ? "ok\n" : "conductor not running\n"));
                })
                .post("/overload", this::overload)
                .post(LINK_IMPAIR, this::linkImpair)
                .post(LINK_CLEAR, this::linkClear);
        try {
            http.start(address);
        } catch (IllegalStateException e) {
            throw new LinkException(e.getMessage(), e);
        }
    }

    private static CompletableFuture<AdminResponse> done(AdminResponse r) {
        return CompletableFuture.completedFuture(r);
    }

    private static AdminResponse json(Object value) {
        try {
            return new AdminResponse(200, AdminResponse.JSON, JSON.writeValueAsString(value), Map.of());
        } catch (IOException e) {
            throw new CompletionException(e);
        }
    }

    /**
     * @return every field of the status: the conductor's, its impairments and the extensions'; completed
     *         on the admin event loop, where it is cut and written
     */
    private CompletableFuture<Map<String, Object>> fullStatus() {
        return conductor.status().thenCombine(conductor.impairments(), (s, imp) -> {
            Map<String, Object> m = new LinkedHashMap<>(StatusPages.fields(s));
            m.put("impairments", imp);
            return m;
        }).thenCombine(extra.get(), (m, x) -> {
            m.putAll(x);
            return m;
        }).thenApplyAsync(Function.identity(), http.executor());
    }

    /** {@code GET /status/TABLE?offset=N&limit=M}: one table of the status, a page at a time. */
    private CompletableFuture<AdminResponse> table(AdminRequest r) {
        String section = r.path().substring(STATUS_TABLE.length());
        StatusPages.Page page;
        try {
            page = StatusPages.parsePage(r.rawQuery());
        } catch (IllegalArgumentException e) {
            return done(AdminResponse.text(400, e.getMessage() + "\n"));
        }
        return fullStatus().thenApply(full -> {
            Map<String, Object> body = StatusPages.page(metrics.nodeId(), full, section, page);
            if (body == null) {
                return AdminResponse.text(404, "no table '" + AdminHttpServer.echo(section) + "' in the status "
                        + "(expected: one of " + String.join(", ", StatusPages.tables(full)) + ")\n");
            }
            return json(body);
        });
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
     * Admits a request to change state (the server has already refused other methods than POST):
     * it needs {@code Authorization: Bearer TOKEN}.
     *
     * @return null if admitted, else the answer refusing it
     */
    private AdminResponse refusal(AdminRequest r) {
        if (token == null) {
            return AdminResponse.text(403, "endpoints that change state are off on this node "
                    + "(expected: adminTokenFile: FILE in its config, and that token as Authorization: Bearer)\n");
        }
        String header = r.headers().get("Authorization");
        byte[] presented = header != null && header.startsWith("Bearer ")
                ? header.substring(7).trim().getBytes(StandardCharsets.US_ASCII) : new byte[0];
        if (!java.security.MessageDigest.isEqual(token, presented)) {
            unauthorized.increment();
            return AdminResponse.text(401, (header == null ? "no Authorization header"
                    : "the bearer token does not match") + " (expected: Authorization: Bearer TOKEN, the token of "
                    + "the node's adminTokenFile)\n").withHeader("WWW-Authenticate", "Bearer realm=\"dmsc-admin\"");
        }
        return null;
    }

    /** {@code POST /overload?set=on|off}: sets the overload bit (drain transit before maintenance). */
    private CompletableFuture<AdminResponse> overload(AdminRequest r) {
        AdminResponse refused = refusal(r);
        if (refused != null) {
            return done(refused);
        }
        String query = r.rawQuery();
        boolean on;
        if ("set=on".equals(query)) {
            on = true;
        } else if ("set=off".equals(query)) {
            on = false;
        } else {
            return done(AdminResponse.text(400, "query '" + (query == null ? "" : AdminHttpServer.echo(query))
                    + "' (expected: set=on or set=off)\n"));
        }
        conductor.setOverload(on);
        LOG.info("{}: overload {} by the admin API (from {})", metrics.nodeId(), on ? "set" : "cleared", r.remote());
        return done(AdminResponse.text(200, "overload " + (on ? "on" : "off") + "\n"));
    }

    /**
     * {@code POST /link/impair?peer=ID&delayMs=N&jitterMs=N&lossPercent=P&rateKbps=N}: impairs the
     * frames this node sends to a neighbour (tests, drills, the demo) until {@code /link/clear}.
     */
    private CompletableFuture<AdminResponse> linkImpair(AdminRequest r) {
        AdminResponse refused = refusal(r);
        if (refused != null) {
            return done(refused);
        }
        LinkImpairmentQuery q;
        try {
            q = LinkImpairmentQuery.impair(r.rawQuery());
        } catch (IllegalArgumentException e) {
            return done(AdminResponse.text(400, e.getMessage() + "\n"));
        }
        return refusedChange(conductor.impair(q.peer(), q.impairment()), set -> {
            String node = metrics.nodeId();
            LOG.info("{}: link to {} impaired by the admin API (from {}): {}", node, q.peer(), r.remote(),
                    set.describe());
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
            return AdminResponse.text(200, body.toString());
        });
    }

    /** {@code POST /link/clear?peer=ID}: removes the impairment; held frames leave at once. */
    private CompletableFuture<AdminResponse> linkClear(AdminRequest r) {
        AdminResponse refused = refusal(r);
        if (refused != null) {
            return done(refused);
        }
        LinkImpairmentQuery q;
        try {
            q = LinkImpairmentQuery.clear(r.rawQuery());
        } catch (IllegalArgumentException e) {
            return done(AdminResponse.text(400, e.getMessage() + "\n"));
        }
        return refusedChange(conductor.clearImpairment(q.peer()), was -> {
            String node = metrics.nodeId();
            if (was) {
                LOG.info("{}: link to {} no longer impaired, by the admin API (from {})", node, q.peer(), r.remote());
            }
            return AdminResponse.text(200, "link " + node + " -> " + q.peer() + (was ? ": impairment cleared\n"
                    : ": was not impaired\n"));
        });
    }

    /**
     * The answer to a change the conductor made, or refused: an unknown neighbour answers 404, a link
     * that cannot be impaired 409; other failures are the server's 500.
     */
    private static <T> CompletableFuture<AdminResponse> refusedChange(CompletableFuture<T> change,
                                                                      Function<T, AdminResponse> answer) {
        return change.handle((v, t) -> {
            if (t == null) {
                return answer.apply(v);
            }
            Throwable cause = t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
            if (cause instanceof IllegalArgumentException) {
                return AdminResponse.text(404, cause.getMessage() + "\n");
            }
            if (cause instanceof UnsupportedOperationException) {
                return AdminResponse.text(409, cause.getMessage() + "\n");
            }
            throw new CompletionException(cause);
        });
    }

    /** @return the bound address */
    public String address() {
        return http.address();
    }

    @Override
    public void close() {
        http.close();
    }
}
