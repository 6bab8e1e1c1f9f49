/**
 * The runtime shared by SGs and SRs: the single-threaded {@link io.dmsc.node.NodeConductor} that
 * owns control state, the {@link io.dmsc.node.DmscNode} that wires it to links and admin HTTP.
 */
package io.dmsc.node;
