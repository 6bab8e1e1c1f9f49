package io.dmsc.sdk;

import io.dmsc.wire.ServicePrefix;
import io.dmsc.wire.proto.attach.v1.AnnounceResult;
import io.dmsc.wire.proto.attach.v1.Hello;
import io.dmsc.wire.proto.attach.v1.PodGatewayGrpc;
import io.dmsc.wire.proto.attach.v1.WithdrawResult;
import io.grpc.BindableService;
import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * A pod's membership in a DMSC mesh: the attach stream to its Service Gateway (signal type 1),
 * the pod's own gRPC server for the services it serves, and channels that call other services
 * by prefix through the gateway.
 *
 * <pre>{@code
 * try (DmscMesh mesh = DmscMesh.builder().gateway("127.0.0.1:7104").podId("greeter-1").build().connect()) {
 *     mesh.serve("/B/4", new GreeterImpl()).join();           // accepted by the gateway
 *     GreeterGrpc.newBlockingStub(mesh.channel("/B")).sayHello(request);
 * }
 * }</pre>
 *
 * <p>If the attach stream breaks (the gateway restarted), the mesh reconnects with exponential
 * back-off and announces everything again; {@link AttachListener} and {@link #state()} show
 * whether the pod is attached. Thread-safe.
 */
public final class DmscMesh implements AutoCloseable {
    private final HostPort gateway;
    private final String podId;
    private final String bindHost;
    private final long connectTimeoutMs;
    private final Executor executor;
    private final ScheduledExecutorService scheduler;
    private final ManagedChannel gatewayChannel;
    private final AttachSession session;
    /** The string this mesh installed as the JVM's default gateway (compared by identity), or null. */
    private final String installedDefaultGateway;
    private final Object serverLock = new Object();
    // Guarded by serverLock.
    private LocalServer server;
    private boolean closed;

    private DmscMesh(Builder b) {
        this.gateway = b.gateway;
        this.podId = b.podId;
        this.bindHost = b.bindHost;
        this.connectTimeoutMs = b.connectTimeoutMs;
        this.executor = b.executor;
        this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "dmsc-mesh-" + podId);
            t.setDaemon(true);
            return t;
        });
        NettyChannelBuilder channel = NettyChannelBuilder.forAddress(gateway.host(), gateway.port());
        if (b.tls == null) {
            channel.usePlaintext();
        } else {
            channel.sslContext(b.tls.clientContext());
        }
        if (executor != null) {
            channel.executor(executor);
        }
        this.gatewayChannel = channel.build();
        Hello hello = Hello.newBuilder().setPodId(podId).setCredential(b.credential).build();
        this.session = new AttachSession(PodGatewayGrpc.newStub(gatewayChannel), gateway.toString(), hello,
                scheduler, new SerialExecutor(executor != null ? executor : scheduler),
                new ReconnectBackoff(b.reconnectInitialMs, b.reconnectMaxMs, () -> ThreadLocalRandom.current().nextDouble()));
        for (AttachListener l : b.listeners) {
            session.addListener(l);
        }
        String text = gateway.toString();
        this.installedDefaultGateway = b.registerDefaultGateway
                && DmscNameResolverProvider.setDefaultGatewayIfAbsent(text) ? text : null;
    }

    /**
     * Starts a builder.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Opens the attach stream, sends Hello and waits for the gateway's Welcome. Announcements
     * made before this call are sent right after the Welcome.
     *
     * @return this mesh
     * @throws AttachException if the gateway is unreachable, refuses the Hello, or does not answer
     *     within the connect timeout; the message names the gateway and the cause
     * @throws IllegalStateException if already connected and reconnecting, or closed
     */
    public DmscMesh connect() {
        session.connect(connectTimeoutMs);
        return this;
    }

    /**
     * Returns where the attach stream stands.
     *
     * @return the state
     */
    public AttachState state() {
        return session.state();
    }

    /**
     * Returns the node id the gateway sent in its last Welcome.
     *
     * @return the gateway's node id, or null before the first Welcome
     */
    public String gatewayId() {
        return session.gatewayId();
    }

    /**
     * Returns the gateway's pod-facing address.
     *
     * @return host:port
     */
    public String gateway() {
        return gateway.toString();
    }

    /**
     * Returns this pod's id.
     *
     * @return the pod id sent in Hello
     */
    public String podId() {
        return podId;
    }

    /**
     * Adds a listener for state changes, announce and withdraw results and endpoint health.
     *
     * @param listener the listener
     */
    public void addListener(AttachListener listener) {
        session.addListener(Objects.requireNonNull(listener, "listener"));
    }

    /**
     * Removes a listener added before.
     *
     * @param listener the listener
     */
    public void removeListener(AttachListener listener) {
        session.removeListener(listener);
    }

    /**
     * Serves gRPC services under a prefix: puts them on this pod's local server (started on the
     * first call, on an ephemeral port, with {@code grpc.health.v1} reporting SERVING) and
     * announces the prefix with that server's endpoint.
     *
     * @param prefix the service prefix, e.g. {@code /B/4}
     * @param services one or more services
     * @return completes with the gateway's acceptance, or fails with {@link AnnounceRejectedException}
     * @throws IllegalArgumentException if the prefix is invalid (the message says why) or no service is given
     * @throws UncheckedIOException if the local server cannot start
     */
    public CompletableFuture<AnnounceResult> serve(String prefix, BindableService... services) {
        List<ServerServiceDefinition> definitions = new ArrayList<>();
        for (BindableService s : services) {
            definitions.add(s.bindService());
        }
        return serve(prefix, definitions.toArray(new ServerServiceDefinition[0]));
    }

    /**
     * Serves gRPC service definitions (for example with interceptors applied) under a prefix; see
     * {@link #serve(String, BindableService...)}.
     *
     * @param prefix the service prefix, e.g. {@code /B/4}
     * @param services one or more service definitions
     * @return completes with the gateway's acceptance, or fails with {@link AnnounceRejectedException}
     * @throws IllegalArgumentException if the prefix is invalid (the message says why) or no service is given
     * @throws UncheckedIOException if the local server cannot start
     */
    public CompletableFuture<AnnounceResult> serve(String prefix, ServerServiceDefinition... services) {
        String name = ServicePrefix.parse(prefix).toString();
        if (services.length == 0) {
            throw new IllegalArgumentException("services: none (expected: at least one)");
        }
        LocalServer local = localServer();
        for (ServerServiceDefinition s : services) {
            local.add(s);
        }
        return session.announce(name, local.endpoint(), AnnounceOptions.defaults());
    }

    /**
     * Returns the endpoint of this pod's local server.
     *
     * @return host:port, or null if nothing was served yet
     */
    public String localEndpoint() {
        synchronized (serverLock) {
            return server == null ? null : server.endpoint();
        }
    }

    /**
     * Announces a prefix served by a gRPC server this mesh does not run (another process, another
     * framework), with default options.
     *
     * @param prefix the service prefix
     * @param endpoint host:port of that server, as the gateway can reach it
     * @return completes with the gateway's acceptance, or fails with {@link AnnounceRejectedException}
     * @throws IllegalArgumentException if the prefix or endpoint is invalid
     */
    public CompletableFuture<AnnounceResult> announce(String prefix, String endpoint) {
        return announce(prefix, endpoint, AnnounceOptions.defaults());
    }

    /**
     * Announces a prefix served by a gRPC server this mesh does not run. The announcement is held
     * until withdrawn or rejected and is sent again after every reconnect.
     *
     * @param prefix the service prefix
     * @param endpoint host:port of that server, as the gateway can reach it
     * @param options weight, zone and version
     * @return completes with the gateway's acceptance, or fails with {@link AnnounceRejectedException}
     * @throws IllegalArgumentException if the prefix or endpoint is invalid
     */
    public CompletableFuture<AnnounceResult> announce(String prefix, String endpoint, AnnounceOptions options) {
        String name = ServicePrefix.parse(prefix).toString();
        String ep = HostPort.parse("endpoint", endpoint).toString();
        return session.announce(name, ep, Objects.requireNonNull(options, "options"));
    }

    /**
     * Withdraws a prefix at every endpoint of this pod. Announcements of the prefix that the
     * gateway has not answered yet fail with a {@link java.util.concurrent.CancellationException}.
     *
     * @param prefix the service prefix
     * @return completes with the gateway's answer (or at once, if not attached)
     * @throws IllegalArgumentException if the prefix is invalid
     */
    public CompletableFuture<WithdrawResult> withdraw(String prefix) {
        return session.withdraw(ServicePrefix.parse(prefix).toString());
    }

    /**
     * Returns a channel whose calls go to the gateway with {@code dmsc-target: prefix}; use it with
     * any generated stub. All such channels share one connection to the gateway; the attach
     * stream need not be connected.
     *
     * @param prefix the service prefix to call, e.g. {@code /B}
     * @return the channel
     * @throws IllegalArgumentException if the prefix is invalid; the message says why
     */
    public Channel channel(String prefix) {
        return ClientInterceptors.intercept(gatewayChannel, DmscTarget.interceptor(prefix));
    }

    /**
     * Ends the attach stream (the gateway withdraws every prefix of this pod), stops the local
     * server and closes the connection to the gateway. Idempotent.
     */
    @Override
    public void close() {
        LocalServer local;
        synchronized (serverLock) {
            if (closed) {
                return;
            }
            closed = true;
            local = server;
        }
        session.close();
        if (installedDefaultGateway != null) {
            DmscNameResolverProvider.clearDefaultGatewayIf(installedDefaultGateway);
        }
        try {
            if (local != null) {
                local.shutdown();
            }
            gatewayChannel.shutdown();
            if (!gatewayChannel.awaitTermination(1, TimeUnit.SECONDS)) {
                gatewayChannel.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            gatewayChannel.shutdownNow();
        }
        scheduler.shutdown();
    }

    private LocalServer localServer() {
        synchronized (serverLock) {
            if (closed) {
                throw new IllegalStateException("mesh is closed");
            }
            if (server == null) {
                try {
                    server = LocalServer.start(bindHost, executor);
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot start the pod's gRPC server on " + bindHost, e);
                }
            }
            return server;
        }
    }

    /** Settings of a {@link DmscMesh}; {@link #gateway} and {@link #podId} are required. Not thread-safe. */
    public static final class Builder {
        private HostPort gateway;
        private String podId;
        private String credential = "";
        private GatewayTls tls;
        private Executor executor;
        private String bindHost = "127.0.0.1";
        private long connectTimeoutMs = 10_000;
        private long reconnectInitialMs = 200;
        private long reconnectMaxMs = 10_000;
        private boolean registerDefaultGateway = true;
        private final List<AttachListener> listeners = new ArrayList<>();

        private Builder() {
        }

        /**
         * Sets the gateway's pod-facing address.
         *
         * @param hostPort e.g. {@code 127.0.0.1:7101}
         * @return this builder
         * @throws IllegalArgumentException if not a host:port
         */
        public Builder gateway(String hostPort) {
            this.gateway = HostPort.parse("gateway", hostPort);
            return this;
        }

        /**
         * Sets the pod id sent in Hello.
         *
         * @param podId 1..64 characters of {@code [A-Za-z0-9._-]}, unique per gateway
         * @return this builder
         * @throws IllegalArgumentException if the id breaks that rule
         */
        public Builder podId(String podId) {
            if (podId == null || podId.isEmpty() || podId.length() > 64
                    || !podId.chars().allMatch(c -> c < 128 && (Character.isLetterOrDigit(c) || c == '.' || c == '_'
                    || c == '-'))) {
                throw new IllegalArgumentException("podId: '" + podId
                        + "' (expected: 1..64 characters of letters, digits and . _ -)");
            }
            this.podId = podId;
            return this;
        }

        /**
         * Sets the credential sent in Hello (a bearer token today). Never logged.
         *
         * @param credential the credential; null or empty for none
         * @return this builder
         */
        public Builder credential(String credential) {
            this.credential = credential == null ? "" : credential;
            return this;
        }

        /**
         * Connects to the gateway over TLS (its pod-facing port serves TLS when the mesh has
         * certificates): {@link GatewayTls#trusting} verifies the gateway, {@link GatewayTls#mutual}
         * also proves this pod's id with its pod certificate, which the gateway's SPA then accepts
         * instead of a token. Default: plaintext (a gateway on loopback, for development).
         *
         * @param value the TLS settings, or null for plaintext
         * @return this builder
         */
        public Builder tls(GatewayTls value) {
            this.tls = value;
            return this;
        }

        /**
         * Sets the executor for gRPC calls of the gateway channel and the local server, listener
         * callbacks and future completions (callbacks still run one at a time). Default: gRPC's
         * own executors, and one mesh thread for callbacks.
         *
         * @param executor the executor, owned by the caller
         * @return this builder
         */
        public Builder executor(Executor executor) {
            this.executor = Objects.requireNonNull(executor, "executor");
            return this;
        }

        /**
         * Sets the address the local server binds to and announces; it must be reachable by the gateway.
         *
         * @param host an IP address or host name; default {@code 127.0.0.1}
         * @return this builder
         */
        public Builder bindHost(String host) {
            this.bindHost = Objects.requireNonNull(host, "host");
            return this;
        }

        /**
         * Sets how long {@link DmscMesh#connect()} waits for the Welcome.
         *
         * @param timeoutMs more than 0; default 10000
         * @return this builder
         */
        public Builder connectTimeoutMs(long timeoutMs) {
            if (timeoutMs <= 0) {
                throw new IllegalArgumentException("connectTimeoutMs: " + timeoutMs + " (expected: > 0)");
            }
            this.connectTimeoutMs = timeoutMs;
            return this;
        }

        /**
         * Sets the reconnect back-off: the first delay, doubled after each failed attempt up to the
         * maximum, each spread by +/-20%.
         *
         * @param initialMs first delay, more than 0; default 200
         * @param maxMs largest delay, at least initialMs; default 10000
         * @return this builder
         */
        public Builder reconnectBackoffMs(long initialMs, long maxMs) {
            new ReconnectBackoff(initialMs, maxMs, () -> 0.5);
            this.reconnectInitialMs = initialMs;
            this.reconnectMaxMs = maxMs;
            return this;
        }

        /**
         * Adds a listener from the start, so that it sees the first state change.
         *
         * @param listener the listener
         * @return this builder
         */
        public Builder listener(AttachListener listener) {
            listeners.add(Objects.requireNonNull(listener, "listener"));
            return this;
        }

        /**
         * Whether this mesh's gateway becomes the default gateway of {@code dmsc:///} targets in
         * this JVM, if none is set yet (see {@link DmscNameResolverProvider#setDefaultGateway}).
         *
         * @param register default true
         * @return this builder
         */
        public Builder registerDefaultGateway(boolean register) {
            this.registerDefaultGateway = register;
            return this;
        }

        /**
         * Creates the mesh without connecting; call {@link DmscMesh#connect()} next.
         *
         * @return the mesh
         * @throws IllegalStateException if the gateway or pod id is missing
         */
        public DmscMesh build() {
            if (gateway == null) {
                throw new IllegalStateException("gateway: not set (expected: host:port of the Service Gateway)");
            }
            if (podId == null) {
                throw new IllegalStateException("podId: not set (expected: the pod's id)");
            }
            return new DmscMesh(this);
        }
    }
}
