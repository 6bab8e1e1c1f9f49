package io.dmsc.node.data;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.lang.ref.WeakReference;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class DataPlaneMetricsTest {
    /**
     * The Forwarder binds {@code this::flowCount}, an object nothing else holds. The gauge held it
     * weakly (Micrometer's default), so after the first GC {@code dmsc_flows_open} read NaN for the
     * rest of the node's life (seen in the soak run's /metrics).
     */
    @Test
    void shouldStillReadTheFlowCountAfterAGarbageCollection() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        DataPlaneMetrics metrics = new DataPlaneMetrics(registry);
        int[] flows = {3};
        metrics.bindFlows(() -> flows[0]);
        assertThat(registry.get("dmsc_flows_open").gauge().value()).isEqualTo(3.0);

        // A collection that clears a weakly held object of the same age clears a weakly held supplier too.
        WeakReference<Object> probe = new WeakReference<>(new Object());
        long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (probe.get() != null && System.nanoTime() < deadlineNs) {
            System.gc();
        }
        assertThat(probe.get()).as("a GC ran").isNull();
        flows[0] = 5;
        assertThat(registry.get("dmsc_flows_open").gauge().value()).isEqualTo(5.0);
    }
}
