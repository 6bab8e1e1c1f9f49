/**
 * The DMSC Java SDK: attach to a Service Gateway (signal type 1 of the draft), serve gRPC services
 * under service prefixes, and call services by prefix with ordinary gRPC stubs.
 *
 * <p>{@link io.dmsc.sdk.DmscMesh} is the entry point of a pod. Calls by prefix go either through
 * {@link io.dmsc.sdk.DmscMesh#channel(String)} or through any gRPC channel built for a
 * {@code dmsc:///<prefix>} target, which {@link io.dmsc.sdk.DmscNameResolverProvider} and
 * {@link io.dmsc.sdk.DmscTargetLoadBalancerProvider} (both registered as Java services) resolve to the
 * gateway and stamp with the {@link io.dmsc.sdk.DmscTarget#METADATA_KEY dmsc-target} metadata.
 */
package io.dmsc.sdk;
