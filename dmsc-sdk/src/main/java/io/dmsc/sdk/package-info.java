/**
 * The DMSC Java SDK: attach to a Service Gateway, serve gRPC services under service prefixes,
 * and call services by prefix with ordinary gRPC stubs.
 */
package io.dmsc.sdk;
