/**
 * Signal type 1 on the Service Gateway (SG): the pod-facing attach API
 * ({@code dmsc.attach.v1.PodGateway}), admission of announced prefixes, and the pods' local
 * endpoints.
 *
 * <p>This package owns the pods attached to one SG and everything they announced: the per-pod
 * stream protocol ({@link io.dmsc.gateway.pod.AttachService}), the admission checks and the
 * authorization hook ({@link io.dmsc.gateway.pod.PrefixAdmission}), the registry of pods and
 * announcements ({@link io.dmsc.gateway.pod.PodRegistry}), the gRPC channels to pod endpoints
 * ({@link io.dmsc.gateway.pod.EndpointChannels}) and their {@code grpc.health.v1} health checks.
 * It publishes what the rest of the SG consumes: the {@link io.dmsc.gateway.pod.LocalEndpoints}
 * snapshot the data plane selects egress endpoints from, and the set of prefixes to advertise
 * into the routing protocol.
 *
 * <p>Threading: all state is owned by one Netty event loop, the SG's data-plane loop, given to
 * {@link io.dmsc.gateway.pod.PodRegistry}; other threads hand work to it with
 * {@code loop.execute}.
 */
package io.dmsc.gateway.pod;
