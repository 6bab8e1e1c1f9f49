package io.dmsc.wire.link;

/**
 * A frame that was well formed but whose content breaks a protocol rule (an LSP whose origin
 * is not a node id, a lifetime out of range, an invalid prefix). The link stays up; the
 * receiver counts and ignores it, as IS-IS ignores such LSPs.
 *
 * @param type   the frame type
 * @param reason what was wrong
 */
public record RejectedPdu(FrameType type, String reason) implements LinkMessage {
}
