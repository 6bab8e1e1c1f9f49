package io.dmsc.sdk;

import io.grpc.NameResolver;
import io.grpc.NameResolverProvider;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.URI;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

/**
 * Resolves {@code dmsc:} targets, so that any gRPC channel can call a service by prefix:
 * {@code ManagedChannelBuilder.forTarget("dmsc:///B").usePlaintext().build()}. Registered as a
 * Java service ({@code META-INF/services/io.grpc.NameResolverProvider}).
 *
 * <p>The target's path is the service prefix; the target resolves to the Service Gateway, taken
 * from, in order: the authority ({@code dmsc://127.0.0.1:7101/B}), {@link #setDefaultGateway},
 * the system property {@value #GATEWAY_PROPERTY}, the environment variable {@value #GATEWAY_ENV}.
 * The resolver's service config selects the {@value DmscTargetLoadBalancerProvider#POLICY_NAME}
 * policy, which stamps {@code dmsc-target: <prefix>} on every call (see
 * {@link DmscTargetLoadBalancerProvider}); a channel built with
 * {@code disableServiceConfigLookUp()} or another {@code defaultLoadBalancingPolicy} override of
 * the service config would lose that header.
 */
public final class DmscNameResolverProvider extends NameResolverProvider {
    /** The URI scheme, {@code dmsc}. */
    public static final String SCHEME = "dmsc";
    /** System property naming the default gateway (host:port). */
    public static final String GATEWAY_PROPERTY = "dmsc.gateway";
    /** Environment variable naming the default gateway (host:port). */
    public static final String GATEWAY_ENV = "DMSC_GATEWAY";

    private static final AtomicReference<String> DEFAULT_GATEWAY = new AtomicReference<>();

    private final Function<String, String> env;

    /** Creates the provider; used by {@link java.util.ServiceLoader}. */
    public DmscNameResolverProvider() {
        this(System::getenv);
    }

    DmscNameResolverProvider(Function<String, String> env) {
        this.env = env;
    }

    /**
     * Sets the gateway of {@code dmsc:///} targets without an authority, for this JVM.
     *
     * @param hostPort host:port, or null to clear
     * @throws IllegalArgumentException if not a host:port
     */
    public static void setDefaultGateway(String hostPort) {
        DEFAULT_GATEWAY.set(hostPort == null ? null : HostPort.parse("gateway", hostPort).toString());
    }

    /**
     * Returns the gateway set by {@link #setDefaultGateway} (or by a {@link DmscMesh}).
     *
     * @return host:port, or null
     */
    public static String defaultGateway() {
        return DEFAULT_GATEWAY.get();
    }

    static boolean setDefaultGatewayIfAbsent(String hostPort) {
        return DEFAULT_GATEWAY.compareAndSet(null, hostPort);
    }

    /** Clears the default if it is still this very string (identity: another mesh's equal value stays). */
    static void clearDefaultGatewayIf(String hostPort) {
        DEFAULT_GATEWAY.compareAndSet(hostPort, null);
    }

    @Override
    protected boolean isAvailable() {
        return true;
    }

    @Override
    protected int priority() {
        return 5;
    }

    @Override
    public String getDefaultScheme() {
        return SCHEME;
    }

    @Override
    public String getScheme() {
        return SCHEME;
    }

    @Override
    public Collection<Class<? extends SocketAddress>> getProducedSocketAddressTypes() {
        return List.of(InetSocketAddress.class);
    }

    /**
     * Creates the resolver of a {@code dmsc:} target. A target that names no valid prefix, or no
     * gateway, still gets a resolver: it reports the problem as a Status, which the channel's
     * calls fail with.
     *
     * @param targetUri the target
     * @param args channel arguments
     * @return the resolver, or null if the scheme is not {@code dmsc}
     */
    @Override
    public NameResolver newNameResolver(URI targetUri, NameResolver.Args args) {
        if (!SCHEME.equals(targetUri.getScheme())) {
            return null;
        }
        return DmscNameResolver.create(targetUri, args, this::gatewayFallback);
    }

    private String gatewayFallback() {
        String gateway = DEFAULT_GATEWAY.get();
        if (gateway == null) {
            gateway = System.getProperty(GATEWAY_PROPERTY);
        }
        if (gateway == null || gateway.isBlank()) {
            gateway = env.apply(GATEWAY_ENV);
        }
        return gateway == null || gateway.isBlank() ? null : gateway;
    }
}
