/** The node's side of signal type 4: the report stream to the Scheduling Center and the policies it sends back. */
package io.dmsc.node.telemetry;
