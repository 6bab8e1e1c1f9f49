package io.dmsc.spa;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.dmsc.node.admin.AdminHttpServer;
import io.dmsc.node.admin.AdminResponse;
import io.dmsc.node.config.SpaConfig;
import io.dmsc.node.link.HostPort;
import io.dmsc.wire.auth.SpaKeys;
import io.grpc.Server;
import io.grpc.netty.NettyServerBuilder;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.KeyPair;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running Service Prefix Authentication entity: the PrefixAuthority gRPC service, an admin
 * HTTP port ({@code /status}, {@code /metrics}, {@code /healthz}) and a watcher that reloads the
 * policy and the signing key when their files change. A changed file that cannot be used keeps
 * the previous one in force and is logged with its file, line and reason.
 */
public final class SpaServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SpaServer.class);
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    /** Largest request accepted, bytes: an AuthorizeRequest is well under 3 KiB. */
    public static final int MAX_REQUEST_BYTES = 16 * 1024;
    /** Calls in progress per SG connection. */
    public static final int MAX_CALLS_PER_CONNECTION = 256;

    private final SpaConfig config;
    private final SpaMetrics metrics;
    private final Server grpc;
    private final AdminHttpServer admin;
    private final ExecutorService workers;
    private final ScheduledExecutorService watcher;
    /** The gRPC port's accept and connection loop. */
    private final io.netty.channel.EventLoopGroup loops;
    private final Instant startedAt = Instant.now();
    private volatile SpaState state;
    private volatile String lastReloadError;
    private FileTime policyStamp;
    private FileTime keyStamp;
    /** The SPA's TLS certificate, key and mesh CAs in force, or null for plaintext. */
    private volatile io.dmsc.node.security.Credentials credentials;
    private final io.dmsc.node.security.CredentialsWatcher credentialsWatcher;

    private SpaServer(SpaConfig config) {
        this.config = config;
        this.metrics = new SpaMetrics(config.id());
        SpaPolicy policy = SpaPolicy.load(config.policyFile());
        KeyPair key = SpaKeys.readKeyPair(config.signingKeyFile());
        policyStamp = stamp(config.policyFile());
        keyStamp = stamp(config.signingKeyFile());
        state = new SpaState(policy, key);
        metrics.policyInForce(policy.size());
        AtomicInteger n = new AtomicInteger();
        workers = Executors.newFixedThreadPool(2, r -> daemon(r, "dmsc-spa-" + config.id() + "-" + n.incrementAndGet()));
        watcher = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "dmsc-spa-" + config.id() + "-reload"));
        HostPort hp = HostPort.parse(config.listen());
        PrefixAuthorityService service = new PrefixAuthorityService(config.id(), () -> state,
                config.lifetimeS() * 1000L, metrics, System::currentTimeMillis);
        io.dmsc.node.config.SecurityConfig sec = config.security();
        if (sec.mode() != io.dmsc.node.config.SecurityConfig.Mode.OFF && sec.credentials() == null) {
            workers.shutdownNow();
            watcher.shutdownNow();
            throw new IllegalStateException(config.id() + ": security: auto needs the whole mesh in one process "
                    + "(dmsc up); for an SPA process of its own make a certificate with 'dmsc ca issue --node "
                    + config.id() + "' and set security: {ca, cert, key}");
        }
        credentials = sec.credentials();
        loops = io.dmsc.node.link.EventLoops.newGroup(1, "dmsc-spa-" + config.id() + "-io");
        try {
            io.dmsc.node.config.LimitsConfig limits = config.limits();
            NettyServerBuilder builder = new io.dmsc.node.grpc.ConnectionLimitHandler(config.id(), "spa", "limits",
                    "dmsc_spa_connections", limits.maxGrpcConnections(), limits.grpcHandshakeTimeoutMs(),
                    metrics.registry()).applyTo(NettyServerBuilder.forAddress(new InetSocketAddress(hp.host(),
                    hp.port()))).bossEventLoopGroup(loops).workerEventLoopGroup(loops);
            io.grpc.ServerServiceDefinition definition = service.bindService();
            if (credentials != null) {
                // Client certificates are optional: an SG without one asks with tokens only.
                builder.sslContext(io.dmsc.node.security.GrpcTls.server(() -> credentials,
                        io.netty.handler.ssl.ClientAuth.OPTIONAL));
                definition = io.grpc.ServerInterceptors.intercept(definition,
                        PrefixAuthorityService.callerInterceptor(credentials.identity().mesh()));
            }
            grpc = builder
                    .executor(workers)
                    .maxInboundMessageSize(MAX_REQUEST_BYTES)
                    .maxInboundMetadataSize(8 * 1024)
                    .maxConcurrentCallsPerConnection(MAX_CALLS_PER_CONNECTION)
                    .maxConnectionIdle(5, TimeUnit.MINUTES)
                    .permitKeepAliveTime(10, TimeUnit.SECONDS)
                    .addService(definition)
                    .build().start();
        } catch (IOException e) {
            workers.shutdownNow();
            watcher.shutdownNow();
            loops.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            throw new IllegalStateException(config.id() + ": cannot serve PrefixAuthority on " + config.listen() + ": "
                    + e.getMessage() + " (expected: a free local address)", e);
        }
        AdminHttpServer http = null;
        if (config.admin() != null) {
            try {
                http = startAdmin(config.admin());
            } catch (RuntimeException e) {
                grpc.shutdownNow();
                workers.shutdownNow();
                watcher.shutdownNow();
                loops.shutdownGracefully(0, 1, TimeUnit.SECONDS);
                throw e;
            }
        }
        admin = http;
        credentialsWatcher = sec.mode() != io.dmsc.node.config.SecurityConfig.Mode.FILES ? null
                : new io.dmsc.node.security.CredentialsWatcher(config.id(), sec.caFile(), sec.certFile(), sec.keyFile(),
                        2000, c -> credentials = c);
        watcher.scheduleWithFixedDelay(this::reloadIfChanged, config.reloadIntervalMs(), config.reloadIntervalMs(),
                TimeUnit.MILLISECONDS);
        for (String warning : config.exposureWarnings()) {
            LOG.warn(warning);
        }
        LOG.info("{}: SPA serving PrefixAuthority on {} ({}){}, policy {} ({} identities), signing key {}, lifetime {} s",
                config.id(), address(), credentials == null ? "plaintext" : "TLS as " + credentials.identity(), admin == null ? "" : ", admin " + adminAddress(), config.policyFile(),
                policy.size(), SpaKeys.keyIdHex(key.getPublic()), config.lifetimeS());
    }

    /**
     * Starts an SPA.
     *
     * @param config its settings
     * @return the running SPA
     * @throws PolicyException          if the policy cannot be used
     * @throws IllegalArgumentException if the signing key cannot be read
     * @throws IllegalStateException    if a port cannot be bound
     */
    public static SpaServer start(SpaConfig config) {
        return new SpaServer(config);
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    private static FileTime stamp(Path file) {
        try {
            return Files.getLastModifiedTime(file);
        } catch (IOException e) {
            return null;
        }
    }

    /** Checks both files and loads the ones that changed. On the watcher thread. */
    void reloadIfChanged() {
        try {
            FileTime p = stamp(config.policyFile());
            FileTime k = stamp(config.signingKeyFile());
            boolean policyChanged = p != null && !p.equals(policyStamp);
            boolean keyChanged = k != null && !k.equals(keyStamp);
            if (!policyChanged && !keyChanged) {
                return;
            }
            SpaState current = state;
            SpaPolicy policy = current.policy();
            KeyPair key = current.key();
            if (policyChanged) {
                policyStamp = p;
                try {
                    policy = SpaPolicy.load(config.policyFile());
                    LOG.info("{}: policy reloaded from {}: {} identities", config.id(), config.policyFile(),
                            policy.size());
                    metrics.reloaded(policy.size());
                } catch (PolicyException e) {
                    lastReloadError = e.getMessage();
                    metrics.reloadFailed();
                    LOG.error("{}: policy NOT reloaded, the previous one stays in force: {}", config.id(),
                            e.getMessage());
                }
            }
            if (keyChanged) {
                keyStamp = k;
                try {
                    KeyPair newKey = SpaKeys.readKeyPair(config.signingKeyFile());
                    LOG.info("{}: signing key reloaded from {}: key {} (was {})", config.id(), config.signingKeyFile(),
                            SpaKeys.keyIdHex(newKey.getPublic()), SpaKeys.keyIdHex(key.getPublic()));
                    key = newKey;
                    metrics.reloaded(policy.size());
                } catch (IllegalArgumentException e) {
                    lastReloadError = e.getMessage();
                    metrics.reloadFailed();
                    LOG.error("{}: signing key NOT reloaded, the previous one stays in force: {}", config.id(),
                            e.getMessage());
                }
            }
            state = new SpaState(policy, key);
        } catch (RuntimeException e) {
            LOG.error("{}: reload check failed", config.id(), e);
        }
    }

    /** The admin port: {@code /status}, {@code /metrics}, {@code /healthz}, with the limits of {@link SpaConfig#limits}. */
    private AdminHttpServer startAdmin(String address) {
        AdminHttpServer server = new AdminHttpServer(config.id(), config.limits().adminHttp(), metrics.registry(),
                "/status, /metrics or /healthz");
        server.get("/status", r -> java.util.concurrent.CompletableFuture.completedFuture(new AdminResponse(200,
                        AdminResponse.JSON, JSON.writeValueAsString(status()), Map.of())))
                .get("/metrics", r -> java.util.concurrent.CompletableFuture.completedFuture(new AdminResponse(200,
                        AdminResponse.PROMETHEUS, metrics.scrape(), Map.of())))
                .get("/healthz", r -> java.util.concurrent.CompletableFuture.completedFuture(
                        AdminResponse.text(200, "ok\n")));
        return server.start(address);
    }

    /** @return what {@code /status} shows: no secrets, no token hashes */
    public Map<String, Object> status() {
        SpaState s = state;
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", config.id());
        m.put("role", "spa");
        m.put("listen", address());
        m.put("startedAt", startedAt.toString());
        m.put("policyFile", config.policyFile().toString());
        m.put("identities", s.policy().size());
        m.put("signingKeyId", SpaKeys.keyIdHex(s.key().getPublic()));
        m.put("lifetimeS", config.lifetimeS());
        m.put("grants", metrics.grants());
        m.put("lastReloadError", lastReloadError);
        return m;
    }

    /** @return the bound gRPC address */
    public String address() {
        return new HostPort(HostPort.parse(config.listen()).host(), grpc.getPort()).toString();
    }

    /** @return the bound admin address, or null */
    public String adminAddress() {
        if (admin == null) {
            return null;
        }
        return new HostPort(HostPort.parse(config.admin()).host(), HostPort.parse(admin.address()).port()).toString();
    }

    /** @return the SPA's id */
    public String id() {
        return config.id();
    }

    /** @return its metrics */
    public SpaMetrics metrics() {
        return metrics;
    }

    @Override
    public void close() {
        grpc.shutdownNow();
        if (admin != null) {
            admin.close();
        }
        watcher.shutdownNow();
        workers.shutdownNow();
        if (credentialsWatcher != null) {
            credentialsWatcher.close();
        }
        try {
            grpc.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        loops.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }
}
