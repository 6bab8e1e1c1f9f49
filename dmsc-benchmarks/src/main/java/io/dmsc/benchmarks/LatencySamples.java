package io.dmsc.benchmarks;

import java.util.Arrays;

/**
 * Every latency of one series, kept exactly (no histogram buckets): at 1,000 calls/s for a few minutes
 * that is a few hundred thousand longs. Percentiles are nearest-rank over the sorted samples.
 *
 * <p>{@link #add} is called from gRPC callback threads (Netty event loops); the lock is uncontended in
 * practice because one channel completes its calls on one event loop. Read after the load has drained.
 */
final class LatencySamples {
    private long[] samplesNs = new long[1 << 16];
    private int size;
    private long[] sorted;

    synchronized void add(long latencyNs) {
        if (size == samplesNs.length) {
            samplesNs = Arrays.copyOf(samplesNs, size * 2);
        }
        samplesNs[size++] = latencyNs;
        sorted = null;
    }

    synchronized int count() {
        return size;
    }

    /**
     * @param quantile in [0, 1]
     * @return the nearest-rank quantile in nanoseconds, or -1 when there are no samples
     */
    synchronized long quantileNs(double quantile) {
        if (size == 0) {
            return -1;
        }
        if (sorted == null) {
            sorted = Arrays.copyOf(samplesNs, size);
            Arrays.sort(sorted);
        }
        int rank = (int) Math.ceil(quantile * size);
        return sorted[Math.max(0, Math.min(size - 1, rank - 1))];
    }

    synchronized long maxNs() {
        return quantileNs(1.0);
    }
}
