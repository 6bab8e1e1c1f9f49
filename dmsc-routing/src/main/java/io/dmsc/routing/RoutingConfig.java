package io.dmsc.routing;

import io.dmsc.wire.NodeIds;
import io.dmsc.wire.link.LinkStatePdu;
import io.dmsc.wire.link.NodeRole;

/**
 * Validated settings of one node's link-state protocol. Defaults follow IS-IS practice, with
 * fast SPF back-off for sub-50 ms convergence on a small mesh.
 *
 * @param nodeId               this node
 * @param role                 SG or SR
 * @param lspLifetimeS         remaining lifetime of originated LSPs
 * @param lspRefreshS          re-originate own LSPs this often (less than the lifetime)
 * @param zeroAgeLifetimeS     how long a purged header is kept
 * @param retransmitIntervalMs resend an unacknowledged LSP on a link after this long
 * @param maxLspBytes          budget of one fragment when encoded
 * @param summaryChunkEntries  most headers in one complete or partial summary
 * @param spfInitialDelayMs    RFC 8405 INITIAL_SPF_DELAY
 * @param spfShortDelayMs      RFC 8405 SHORT_SPF_DELAY
 * @param spfLongDelayMs       RFC 8405 LONG_SPF_DELAY
 * @param spfTimeToLearnMs     RFC 8405 TIME_TO_LEARN_INTERVAL
 * @param spfHoldDownMs        RFC 8405 HOLDDOWN_INTERVAL
 * @param overload             advertise the overload flag (do not use this node for transit)
 */
public record RoutingConfig(String nodeId, NodeRole role, int lspLifetimeS, int lspRefreshS, int zeroAgeLifetimeS,
                            long retransmitIntervalMs, int maxLspBytes, int summaryChunkEntries,
                            long spfInitialDelayMs, long spfShortDelayMs, long spfLongDelayMs,
                            long spfTimeToLearnMs, long spfHoldDownMs, boolean overload) {
    /** Validates every field. */
    public RoutingConfig {
        NodeIds.check(nodeId);
        if (role == null) {
            throw new IllegalArgumentException("role: null (expected: sg or sr)");
        }
        if (lspLifetimeS < 2 || lspLifetimeS > LinkStatePdu.MAX_LIFETIME_S) {
            throw new IllegalArgumentException("lspLifetimeS: " + lspLifetimeS + " (expected: 2.."
                    + LinkStatePdu.MAX_LIFETIME_S + ")");
        }
        if (lspRefreshS < 1 || lspRefreshS >= lspLifetimeS) {
            throw new IllegalArgumentException("lspRefreshS: " + lspRefreshS + " (expected: 1.." + (lspLifetimeS - 1)
                    + ", below lspLifetimeS)");
        }
        if (zeroAgeLifetimeS < 1) {
            throw new IllegalArgumentException("zeroAgeLifetimeS: " + zeroAgeLifetimeS + " (expected: > 0)");
        }
        if (retransmitIntervalMs < 1) {
            throw new IllegalArgumentException("retransmitIntervalMs: " + retransmitIntervalMs + " (expected: > 0)");
        }
        if (maxLspBytes < 512) {
            throw new IllegalArgumentException("maxLspBytes: " + maxLspBytes + " (expected: >= 512)");
        }
        if (summaryChunkEntries < 1) {
            throw new IllegalArgumentException("summaryChunkEntries: " + summaryChunkEntries + " (expected: > 0)");
        }
    }

    /**
     * Defaults: lifetime 1200 s, refresh 900 s, zero-age 60 s, retransmit 5 s (IS-IS's
     * minimumLSPTransmissionInterval; links are TCP, so this is a safety net), 16 KiB fragments,
     * 500 headers per summary, SPF back-off 5 / 50 / 1000 ms, learn 500 ms, hold-down 3 s.
     *
     * @param nodeId this node
     * @param role   SG or SR
     * @return the defaults
     */
    public static RoutingConfig defaults(String nodeId, NodeRole role) {
        return new RoutingConfig(nodeId, role, 1200, 900, 60, 5000, 16 * 1024, 500,
                5, 50, 1000, 500, 3000, false);
    }

    /**
     * @param ms retransmit interval
     * @return a copy with another retransmit interval
     */
    public RoutingConfig withRetransmitIntervalMs(long ms) {
        return new RoutingConfig(nodeId, role, lspLifetimeS, lspRefreshS, zeroAgeLifetimeS, ms, maxLspBytes,
                summaryChunkEntries, spfInitialDelayMs, spfShortDelayMs, spfLongDelayMs, spfTimeToLearnMs,
                spfHoldDownMs, overload);
    }

    /**
     * @param lifetimeS LSP lifetime
     * @param refreshS  refresh interval
     * @return a copy with other LSP timers
     */
    public RoutingConfig withLspTimers(int lifetimeS, int refreshS) {
        return new RoutingConfig(nodeId, role, lifetimeS, refreshS, zeroAgeLifetimeS, retransmitIntervalMs,
                maxLspBytes, summaryChunkEntries, spfInitialDelayMs, spfShortDelayMs, spfLongDelayMs,
                spfTimeToLearnMs, spfHoldDownMs, overload);
    }

    /**
     * @param bytes fragment budget
     * @return a copy with another fragment budget
     */
    public RoutingConfig withMaxLspBytes(int bytes) {
        return new RoutingConfig(nodeId, role, lspLifetimeS, lspRefreshS, zeroAgeLifetimeS, retransmitIntervalMs,
                bytes, summaryChunkEntries, spfInitialDelayMs, spfShortDelayMs, spfLongDelayMs,
                spfTimeToLearnMs, spfHoldDownMs, overload);
    }

    /**
     * @param value overload flag
     * @return a copy with the flag set
     */
    public RoutingConfig withOverload(boolean value) {
        return new RoutingConfig(nodeId, role, lspLifetimeS, lspRefreshS, zeroAgeLifetimeS, retransmitIntervalMs,
                maxLspBytes, summaryChunkEntries, spfInitialDelayMs, spfShortDelayMs, spfLongDelayMs,
                spfTimeToLearnMs, spfHoldDownMs, value);
    }
}
