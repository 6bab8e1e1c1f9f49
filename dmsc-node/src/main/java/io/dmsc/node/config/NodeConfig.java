package io.dmsc.node.config;

import io.dmsc.routing.RoutingConfig;
import io.dmsc.wire.NodeIds;
import io.dmsc.wire.ServicePrefix;
import io.dmsc.wire.link.NodeRole;
import java.util.List;

/**
 * Validated settings of one node (SG, SR or SCSC).
 *
 * @param id              node id
 * @param role            SG or SR
 * @param listen          fabric listen address {@code host:port} (port 0: any free port)
 * @param admin           admin HTTP address, or null for none
 * @param gateway         the pod-facing side of an SG, or null
 * @param prefixes        statically owned prefixes (SG)
 * @param neighbors       configured adjacencies
 * @param helloIntervalMs hello period
 * @param holdTimeMs      hold time asked of neighbours
 * @param maxFrameLength  largest link frame accepted
 * @param flowIdleTimeoutMs a flow entry without a frame for this long is removed
 * @param routing         link-state protocol settings
 * @param authorization   how advertised prefixes' authorizations are checked (signal type 3)
 * @param security        transport security of the fabric links (mutual TLS, node identity)
 * @param adminTokenFile  file holding the bearer token that admin endpoints which change state
 *                        require, or null: those endpoints are then refused
 * @param telemetry       the SCSCs this node reports to (signal type 4), or null for none
 * @param scheduler       the Scheduling Center's settings (role SCSC only), else null
 * @param limits          bounds on the state outsiders can make this node hold
 */
public record NodeConfig(String id, NodeRole role, String listen, String admin, GatewayConfig gateway,
                         List<ServicePrefix> prefixes, List<NeighborConfig> neighbors,
                         long helloIntervalMs, int holdTimeMs, int maxFrameLength, long flowIdleTimeoutMs,
                         RoutingConfig routing, AuthorizationConfig authorization,
                         SecurityConfig security, java.nio.file.Path adminTokenFile, TelemetryConfig telemetry,
                         SchedulerConfig scheduler, LimitsConfig limits) {
    /** Default hello period: four hellos per hold time. */
    public static final long DEFAULT_HELLO_INTERVAL_MS = 250;
    /**
     * Default hold time: a neighbour that sends nothing for this long (frozen, cut off without
     * a close) is declared down, so a silent failure costs at most about a second of calls.
     */
    public static final int DEFAULT_HOLD_TIME_MS = 1000;
    /**
     * Hello period of the nodes of a topology run in one process ({@code dmsc up}, the demo,
     * tests) unless the topology sets it.
     */
    public static final long SHARED_PROCESS_HELLO_INTERVAL_MS = 1000;
    /**
     * Hold time of the nodes of a topology run in one process unless the topology sets it: they
     * share the CPU and starve each other's event loops under load, so a neighbour in the same
     * process may stay silent for more than a second without being dead.
     */
    public static final int SHARED_PROCESS_HOLD_TIME_MS = 3000;
    /** Default idle timeout of a flow entry: long-lived quiet streams are normal in gRPC. */
    public static final long DEFAULT_FLOW_IDLE_TIMEOUT_MS = 600_000;

    /**
     * One line per address of this node bound to the wildcard address (0.0.0.0, ::): what it
     * exposes to every host that reaches the machine, and where to bind it instead. Logged once at
     * start; nothing is refused, since a container's only interface is a valid choice.
     *
     * @return the warnings, empty if every address names an interface
     */
    public List<String> exposureWarnings() {
        List<String> out = new java.util.ArrayList<>();
        exposure(out, "listen", listen, "can dial its fabric port and exchange link-state with it"
                + (security.mode() == SecurityConfig.Mode.OFF ? " (security: off, so unauthenticated)" : "")
                + "; bind it to the fabric network's address");
        exposure(out, "admin", admin, "can read its status and metrics; bind it to loopback or a management network");
        if (gateway != null) {
            exposure(out, "pod", gateway.pod(), "can call the mesh's services through this SG; bind it to "
                    + "loopback or the pod network");
            for (int i = 0; i < gateway.upstreams().size(); i++) {
                UpstreamConfig u = gateway.upstreams().get(i);
                exposure(out, "upstreams[" + i + "].listen", u.listen(), "can call " + u.target()
                        + " through this SG; bind it to loopback or the pod network");
            }
        }
        if (scheduler != null) {
            exposure(out, "scheduler.listen", scheduler.listen(), "can send QoS reports to this SCSC and read "
                    + "its policies; bind it to the fabric network's address");
        }
        return out;
    }

    private void exposure(List<String> out, String key, String address, String what) {
        if (isWildcard(address)) {
            out.add(id + ": " + key + " listens on " + address + ": every host that reaches this machine " + what);
        }
    }

    /** Whether a socket address binds every interface; in-memory addresses ({@code mem:ID}) never do. */
    static boolean isWildcard(String address) {
        if (address == null) {
            return false;
        }
        try {
            return io.dmsc.node.link.HostPort.parse(address).isWildcard();
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** Validates cross-field rules and copies lists. */
    public NodeConfig {
        NodeIds.check(id);
        prefixes = List.copyOf(prefixes);
        neighbors = List.copyOf(neighbors);
        if (helloIntervalMs < 1) {
            throw new IllegalArgumentException("helloIntervalMs: " + helloIntervalMs + " (expected: > 0)");
        }
        if (holdTimeMs <= helloIntervalMs) {
            throw new IllegalArgumentException("holdTimeMs: " + holdTimeMs + " (expected: > helloIntervalMs "
                    + helloIntervalMs + ")");
        }
        if (gateway != null && role != NodeRole.SG) {
            throw new IllegalArgumentException("gateway: set on " + role + " " + id + " (expected: only SGs)");
        }
        if (scheduler != null && role != NodeRole.SCSC) {
            throw new IllegalArgumentException("scheduler: set on " + role + " " + id + " (expected: only the SCSC)");
        }
        if (role == NodeRole.SCSC && !routing.overload()) {
            throw new IllegalArgumentException("overload: off on the SCSC " + id + " (expected: on: it never forwards)");
        }
        if (flowIdleTimeoutMs < 1) {
            throw new IllegalArgumentException("flowIdleTimeoutMs: " + flowIdleTimeoutMs + " (expected: > 0)");
        }
        java.util.Objects.requireNonNull(authorization, "authorization");
        java.util.Objects.requireNonNull(limits, "limits");
        if (!routing.nodeId().equals(id)) {
            throw new IllegalArgumentException("routing.nodeId: " + routing.nodeId() + " (expected: " + id + ")");
        }
    }

    /**
     * The settings without SCSC (no telemetry, no scheduler).
     *
     * @param id              node id
     * @param role            SG or SR
     * @param listen          fabric listen address
     * @param admin           admin address or null
     * @param gateway         gateway settings or null
     * @param prefixes        static prefixes
     * @param neighbors       adjacencies
     * @param helloIntervalMs hello period
     * @param holdTimeMs      hold time
     * @param maxFrameLength  largest frame
     * @param flowIdleTimeoutMs flow idle timeout
     * @param routing         routing settings
     * @param authorization   authorization settings
     * @param security        security settings
     * @param adminTokenFile  admin token file or null
     */
    public NodeConfig(String id, NodeRole role, String listen, String admin, GatewayConfig gateway,
                      List<ServicePrefix> prefixes, List<NeighborConfig> neighbors,
                      long helloIntervalMs, int holdTimeMs, int maxFrameLength, long flowIdleTimeoutMs,
                      RoutingConfig routing, AuthorizationConfig authorization,
                      SecurityConfig security, java.nio.file.Path adminTokenFile) {
        this(id, role, listen, admin, gateway, prefixes, neighbors, helloIntervalMs, holdTimeMs, maxFrameLength,
                flowIdleTimeoutMs, routing, authorization, security, adminTokenFile, null, null, LimitsConfig.DEFAULT);
    }

    /**
     * @param value the SCSCs to report to, or null
     * @return a copy with other telemetry settings
     */
    public NodeConfig withTelemetry(TelemetryConfig value) {
        return new NodeConfig(id, role, listen, admin, gateway, prefixes, neighbors, helloIntervalMs, holdTimeMs,
                maxFrameLength, flowIdleTimeoutMs, routing, authorization, security, adminTokenFile, value, scheduler, limits);
    }

    /**
     * @param value the scheduler settings (SCSC only), or null
     * @return a copy with other scheduler settings
     */
    public NodeConfig withScheduler(SchedulerConfig value) {
        return new NodeConfig(id, role, listen, admin, gateway, prefixes, neighbors, helloIntervalMs, holdTimeMs,
                maxFrameLength, flowIdleTimeoutMs, routing, authorization, security, adminTokenFile, telemetry, value, limits);
    }

    /**
     * @param value the bounds
     * @return a copy with other bounds
     */
    public NodeConfig withLimits(LimitsConfig value) {
        return new NodeConfig(id, role, listen, admin, gateway, prefixes, neighbors, helloIntervalMs, holdTimeMs,
                maxFrameLength, flowIdleTimeoutMs, routing, authorization, security, adminTokenFile, telemetry,
                scheduler, value);
    }

    /** @return the pod-facing address of an SG, or null */
    public String pod() {
        return gateway == null ? null : gateway.pod();
    }

    /**
     * @param value gateway settings, or null
     * @return a copy with other gateway settings
     */
    public NodeConfig withGateway(GatewayConfig value) {
        return new NodeConfig(id, role, listen, admin, value, prefixes, neighbors, helloIntervalMs, holdTimeMs,
                maxFrameLength, flowIdleTimeoutMs, routing, authorization, security, adminTokenFile,
                telemetry, scheduler, limits);
    }

    /**
     * @param newNeighbors adjacencies
     * @return a copy with other neighbours
     */
    public NodeConfig withNeighbors(List<NeighborConfig> newNeighbors) {
        return new NodeConfig(id, role, listen, admin, gateway, prefixes, newNeighbors, helloIntervalMs, holdTimeMs,
                maxFrameLength, flowIdleTimeoutMs, routing, authorization, security, adminTokenFile,
                telemetry, scheduler, limits);
    }

    /**
     * @param address fabric listen address
     * @return a copy listening elsewhere
     */
    public NodeConfig withListen(String address) {
        return new NodeConfig(id, role, address, admin, gateway, prefixes, neighbors, helloIntervalMs, holdTimeMs,
                maxFrameLength, flowIdleTimeoutMs, routing, authorization, security, adminTokenFile,
                telemetry, scheduler, limits);
    }

    /**
     * @param address admin address or null
     * @return a copy with another admin address
     */
    public NodeConfig withAdmin(String address) {
        return new NodeConfig(id, role, listen, address, gateway, prefixes, neighbors, helloIntervalMs, holdTimeMs,
                maxFrameLength, flowIdleTimeoutMs, routing, authorization, security, adminTokenFile,
                telemetry, scheduler, limits);
    }

    /**
     * @param helloMs hello interval
     * @param holdMs  hold time
     * @return a copy with other hello timers
     */
    public NodeConfig withHelloTimers(long helloMs, int holdMs) {
        return new NodeConfig(id, role, listen, admin, gateway, prefixes, neighbors, helloMs, holdMs,
                maxFrameLength, flowIdleTimeoutMs, routing, authorization, security, adminTokenFile,
                telemetry, scheduler, limits);
    }

    /**
     * @param value routing settings
     * @return a copy with other routing settings
     */
    public NodeConfig withRouting(RoutingConfig value) {
        return new NodeConfig(id, role, listen, admin, gateway, prefixes, neighbors, helloIntervalMs, holdTimeMs,
                maxFrameLength, flowIdleTimeoutMs, value, authorization, security, adminTokenFile,
                telemetry, scheduler, limits);
    }

    /**
     * @param value authorization settings
     * @return a copy with other authorization settings
     */
    public NodeConfig withAuthorization(AuthorizationConfig value) {
        return new NodeConfig(id, role, listen, admin, gateway, prefixes, neighbors, helloIntervalMs, holdTimeMs,
                maxFrameLength, flowIdleTimeoutMs, routing, value, security, adminTokenFile,
                telemetry, scheduler, limits);
    }

    /**
     * @param value transport security settings
     * @return a copy with other security settings
     */
    public NodeConfig withSecurity(SecurityConfig value) {
        return new NodeConfig(id, role, listen, admin, gateway, prefixes, neighbors, helloIntervalMs, holdTimeMs,
                maxFrameLength, flowIdleTimeoutMs, routing, authorization, value, adminTokenFile,
                telemetry, scheduler, limits);
    }

    /**
     * @param value the admin bearer token file, or null
     * @return a copy with another token file
     */
    public NodeConfig withAdminTokenFile(java.nio.file.Path value) {
        return new NodeConfig(id, role, listen, admin, gateway, prefixes, neighbors, helloIntervalMs, holdTimeMs,
                maxFrameLength, flowIdleTimeoutMs, routing, authorization, security, value,
                telemetry, scheduler, limits);
    }

    /**
     * Minimal settings for tests and embedding: defaults everywhere.
     *
     * @param id     node id
     * @param role   SG or SR
     * @param listen listen address
     * @return the settings
     */
    public static NodeConfig of(String id, NodeRole role, String listen) {
        return new NodeConfig(id, role, listen, null, null, List.of(), List.of(), SHARED_PROCESS_HELLO_INTERVAL_MS,
                SHARED_PROCESS_HOLD_TIME_MS,
                io.dmsc.wire.link.LinkFrameCodec.DEFAULT_MAX_FRAME_LENGTH, DEFAULT_FLOW_IDLE_TIMEOUT_MS,
                RoutingConfig.defaults(id, role), AuthorizationConfig.OPEN, SecurityConfig.OFF, null);
    }
}
