/**
 * The Service Mesh Communication Scheduling Center (signal type 4): learns the topology from the
 * link-state database as a node that never forwards, takes the nodes' reports, and when a
 * measurement crosses a threshold pushes forwarding policies (replica and explicit path) to the
 * ingress SG and the nodes on the path.
 */
package io.dmsc.scsc;
