package io.dmsc.sdk;

import io.grpc.HandlerRegistry;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * The pod's own grpc-netty server that {@link DmscMesh#serve} puts services on: one per mesh,
 * bound to an ephemeral port, with {@code grpc.health.v1} so that the gateway's health check
 * sees SERVING. Services can be added after start because they live in a mutable registry.
 * Thread-safe.
 */
final class LocalServer {
    private final Server server;
    private final HealthStatusManager health;
    private final ServiceRegistry registry;
    private final String endpoint;

    private LocalServer(Server server, HealthStatusManager health, ServiceRegistry registry, String endpoint) {
        this.server = server;
        this.health = health;
        this.registry = registry;
        this.endpoint = endpoint;
    }

    static LocalServer start(String bindHost, Executor executor) throws IOException {
        HealthStatusManager health = new HealthStatusManager();
        ServiceRegistry registry = new ServiceRegistry();
        NettyServerBuilder builder = NettyServerBuilder.forAddress(new InetSocketAddress(bindHost, 0))
                .addService(health.getHealthService())
                .fallbackHandlerRegistry(registry);
        if (executor != null) {
            builder.executor(executor);
        }
        Server server = builder.build().start();
        int port = ((InetSocketAddress) server.getListenSockets().get(0)).getPort();
        health.setStatus(HealthStatusManager.SERVICE_NAME_ALL_SERVICES, ServingStatus.SERVING);
        return new LocalServer(server, health, registry, new HostPort(bindHost, port).toString());
    }

    /** host:port the server listens on. */
    String endpoint() {
        return endpoint;
    }

    /** Adds (or replaces, by service name) a service and marks it SERVING. */
    void add(ServerServiceDefinition service) {
        String name = service.getServiceDescriptor().getName();
        registry.services.put(name, service);
        health.setStatus(name, ServingStatus.SERVING);
    }

    void shutdown() throws InterruptedException {
        health.enterTerminalState();
        server.shutdown();
        if (!server.awaitTermination(2, TimeUnit.SECONDS)) {
            server.shutdownNow();
        }
    }

    /** Looks calls up by service name among the services added so far. */
    private static final class ServiceRegistry extends HandlerRegistry {
        final ConcurrentMap<String, ServerServiceDefinition> services = new ConcurrentHashMap<>();

        @Override
        public ServerMethodDefinition<?, ?> lookupMethod(String methodName, String authority) {
            String serviceName = MethodDescriptor.extractFullServiceName(methodName);
            ServerServiceDefinition service = serviceName == null ? null : services.get(serviceName);
            return service == null ? null : service.getMethod(methodName);
        }

        @Override
        public List<ServerServiceDefinition> getServices() {
            return List.copyOf(services.values());
        }
    }
}
