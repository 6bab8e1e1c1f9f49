/**
 * Signal type 2 on the wire: link frames (hello, LSP, partial and complete summaries), their
 * immutable models and the Netty codec between the two.
 */
package io.dmsc.wire.link;
