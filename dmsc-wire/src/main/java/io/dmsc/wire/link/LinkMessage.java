package io.dmsc.wire.link;

/**
 * One decoded link frame of signal type 2. Immutable; safe to pass between threads.
 */
public sealed interface LinkMessage
        permits HelloMessage, LinkStatePdu, PartialSummary, CompleteSummary, RejectedPdu {
}
