/** Links between nodes: the transport interface, its TCP (Netty) and in-memory implementations. */
package io.dmsc.node.link;
