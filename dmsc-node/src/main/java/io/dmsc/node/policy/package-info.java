/**
 * Forwarding policies of the Scheduling Center (signal type 4) as a node holds them: validated at
 * install, bounded, expiring by their time to live, and consulted for new calls only.
 */
package io.dmsc.node.policy;
