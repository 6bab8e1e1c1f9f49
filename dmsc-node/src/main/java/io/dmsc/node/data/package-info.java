/**
 * The data plane of a node: flow switching of data frames between links and local streams
 * (the gateway's ingress and egress calls), stateless probes, per-hop deadlines and idle
 * reaping, per-link back-pressure. Everything here runs on the node's one data-plane event loop.
 */
package io.dmsc.node.data;
