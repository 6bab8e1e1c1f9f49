package io.dmsc.node.data;

import io.dmsc.wire.data.DataFrames;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntSupplier;

/**
 * Data-plane counters of one node: frames and bytes forwarded by frame type, frames dropped by
 * reason, flows open, flows reaped, back-pressure events. Forwarding counters are plain fields
 * written by the data-plane loop only (no atomic per frame) and read by the scrape thread.
 */
public final class DataPlaneMetrics {
    private final MeterRegistry registry;
    private final long[] frames = new long[DataFrames.MAX_TYPE + 1];
    private final long[] bytes = new long[DataFrames.MAX_TYPE + 1];
    private final Map<String, LongAdder> drops = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> reaped = new ConcurrentHashMap<>();
    private final LongAdder backPressure = new LongAdder();
    /** Data bytes received [0] and sent [1] per neighbour, over every adjacency with it; loop-written. */
    private final Map<String, long[]> linkBytes = new ConcurrentHashMap<>();

    /** @param registry where to register */
    public DataPlaneMetrics(MeterRegistry registry) {
        this.registry = registry;
        for (int t = DataFrames.OPEN; t <= DataFrames.MAX_TYPE; t++) {
            final int type = t;
            FunctionCounter.builder("dmsc_data_frames_forwarded", this, m -> m.frames[type])
                    .tag("type", DataFrames.typeName(t))
                    .description("Data frames sent on a link or handed to a local stream").register(registry);
            FunctionCounter.builder("dmsc_data_bytes_forwarded", this, m -> m.bytes[type])
                    .tag("type", DataFrames.typeName(t)).baseUnit("bytes")
                    .description("Bytes of data frames forwarded").register(registry);
        }
        FunctionCounter.builder("dmsc_data_backpressure_events", backPressure, LongAdder::sum)
                .description("Times a link was paused because the link it feeds was congested").register(registry);
    }

    /**
     * @param flows the flow count; the gauge holds it strongly (a method reference made for this call has no
     *              other holder, and a gauge's default weak reference would read NaN after the first GC)
     */
    void bindFlows(IntSupplier flows) {
        Gauge.builder("dmsc_flows_open", flows, s -> s.getAsInt()).strongReference(true)
                .description("Flow entries installed").register(registry);
    }

    void forwarded(int type, int size) {
        frames[type]++;
        bytes[type] += size;
    }

    /** @param reason why a frame was dropped (metric tag) */
    public void dropped(String reason) {
        drops.computeIfAbsent(reason, r -> {
            LongAdder a = new LongAdder();
            FunctionCounter.builder("dmsc_data_frames_dropped", a, LongAdder::sum).tag("reason", r)
                    .description("Data frames dropped, by reason").register(registry);
            return a;
        }).increment();
    }

    void reaped(String reason) {
        reaped.computeIfAbsent(reason, r -> {
            LongAdder a = new LongAdder();
            FunctionCounter.builder("dmsc_flows_reaped", a, LongAdder::sum).tag("reason", r)
                    .description("Flows removed by the reaper").register(registry);
            return a;
        }).increment();
    }

    void backPressure() {
        backPressure.increment();
    }

    /**
     * @param type a data frame type
     * @return frames of that type forwarded so far
     */
    public long framesForwarded(int type) {
        return frames[type];
    }

    /**
     * @param reason a drop reason
     * @return frames dropped for it so far
     */
    public long droppedFor(String reason) {
        LongAdder a = drops.get(reason);
        return a == null ? 0 : a.sum();
    }

    /**
     * The byte totals of the links to one neighbour, registered as
     * {@code dmsc_link_data_bytes_total{neighbor, direction=in|out}} on first use. Written by the
     * data-plane loop only.
     *
     * @param neighbor the neighbour's node id (a configured neighbour: bounded)
     * @return {received, sent}
     */
    long[] linkBytes(String neighbor) {
        return linkBytes.computeIfAbsent(neighbor, n -> {
            long[] b = new long[2];
            FunctionCounter.builder("dmsc_link_data_bytes", b, a -> a[0]).tag("neighbor", n).tag("direction", "in")
                    .description("Bytes of data frames received from a neighbour").register(registry);
            FunctionCounter.builder("dmsc_link_data_bytes", b, a -> a[1]).tag("neighbor", n).tag("direction", "out")
                    .description("Bytes of data frames sent to a neighbour").register(registry);
            return b;
        });
    }
}
