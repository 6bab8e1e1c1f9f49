/**
 * Data-plane frames: a gRPC call carried hop by hop through the DMSC fabric as OPEN, MESSAGE,
 * HALF_CLOSE, CLOSE, CANCEL, WINDOW_UPDATE frames (plus ACCEPT, HEADERS and stateless PROBE),
 * on the same links and with the same length-prefixed framing as the link-state frames.
 */
package io.dmsc.wire.data;
