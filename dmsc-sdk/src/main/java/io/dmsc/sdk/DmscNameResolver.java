package io.dmsc.sdk;

import io.dmsc.wire.ServicePrefix;
import io.grpc.EquivalentAddressGroup;
import io.grpc.NameResolver;
import io.grpc.Status;
import io.grpc.StatusOr;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.function.Supplier;

/**
 * Resolver of one {@code dmsc:} target: one address (the gateway) and a service config that
 * selects {@value DmscTargetLoadBalancerProvider#POLICY_NAME} with the target prefix.
 *
 * <p>Threading: {@link #start} and {@link #refresh} are called from the channel's
 * synchronization context; the host lookup runs on the channel's offload executor when there is
 * one, and results are handed back through the synchronization context.
 */
final class DmscNameResolver extends NameResolver {
    private final Args args;
    private final String authority;
    private final HostPort gateway;
    private final String prefix;
    private final Status error;
    // Must be accessed from args.getSynchronizationContext().
    private Listener2 listener;
    private boolean shutdown;

    private DmscNameResolver(Args args, String authority, HostPort gateway, String prefix, Status error) {
        this.args = args;
        this.authority = authority;
        this.gateway = gateway;
        this.prefix = prefix;
        this.error = error;
    }

    static DmscNameResolver create(URI uri, Args args, Supplier<String> gatewayFallback) {
        String prefix;
        try {
            prefix = ServicePrefix.parse(uri.getPath() == null || uri.getPath().isEmpty() ? "/" : uri.getPath()).toString();
        } catch (IllegalArgumentException e) {
            return failed(args, Status.INVALID_ARGUMENT.withDescription("target " + uri + ": " + e.getMessage()));
        }
        String source = uri.getRawAuthority();
        String where = "the authority of " + uri;
        if (source == null || source.isEmpty()) {
            source = gatewayFallback.get();
            where = "the default gateway";
        }
        if (source == null) {
            return failed(args, Status.UNAVAILABLE.withDescription("target " + uri + ": no Service Gateway known "
                    + "(expected: dmsc://host:port" + prefix + ", DmscNameResolverProvider.setDefaultGateway, "
                    + "a DmscMesh, -D" + DmscNameResolverProvider.GATEWAY_PROPERTY + "=host:port or "
                    + DmscNameResolverProvider.GATEWAY_ENV + "=host:port)"));
        }
        HostPort gateway;
        try {
            gateway = HostPort.parse("gateway", source);
        } catch (IllegalArgumentException e) {
            return failed(args, Status.INVALID_ARGUMENT.withDescription("target " + uri + ", " + where + ": "
                    + e.getMessage()));
        }
        return new DmscNameResolver(args, gateway.toString(), gateway, prefix, null);
    }

    private static DmscNameResolver failed(Args args, Status error) {
        return new DmscNameResolver(args, "dmsc.invalid", null, null, error);
    }

    @Override
    public String getServiceAuthority() {
        return authority;
    }

    @Override
    public void start(Listener2 listener) {
        this.listener = listener;
        resolve();
    }

    @Override
    public void refresh() {
        if (listener != null) {
            resolve();
        }
    }

    @Override
    public void shutdown() {
        shutdown = true;
    }

    private void resolve() {
        if (error != null) {
            listener.onError(error);
            return;
        }
        Executor offload = args.getOffloadExecutor();
        if (offload == null) {
            deliver(lookUp());
        } else {
            // A host name lookup may block; the synchronization context must not.
            offload.execute(() -> {
                Object result = lookUp();
                args.getSynchronizationContext().execute(() -> deliver(result));
            });
        }
    }

    private Object lookUp() {
        InetSocketAddress address = new InetSocketAddress(gateway.host(), gateway.port());
        if (address.isUnresolved()) {
            return Status.UNAVAILABLE.withDescription("gateway " + gateway + ": cannot resolve host " + gateway.host());
        }
        return address;
    }

    private void deliver(Object result) {
        if (shutdown) {
            return;
        }
        if (result instanceof Status status) {
            listener.onError(status);
            return;
        }
        Map<String, ?> serviceConfig = Map.of("loadBalancingConfig", List.of(
                Map.of(DmscTargetLoadBalancerProvider.POLICY_NAME, Map.of("target", prefix))));
        listener.onResult(ResolutionResult.newBuilder()
                .setAddressesOrError(StatusOr.fromValue(List.of(new EquivalentAddressGroup((InetSocketAddress) result))))
                .setServiceConfig(args.getServiceConfigParser().parseServiceConfig(serviceConfig))
                .build());
    }
}
