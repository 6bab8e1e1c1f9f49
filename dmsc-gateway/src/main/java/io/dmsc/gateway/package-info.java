/**
 * The Service Gateway (SG): the pod-facing gRPC port (signal type 1 attach API, ingress of
 * calls, diagnostics), upstream ports bound to prefixes, and egress of calls to pod endpoints.
 */
package io.dmsc.gateway;
