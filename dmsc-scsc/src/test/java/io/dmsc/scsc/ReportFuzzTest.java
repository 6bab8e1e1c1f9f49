package io.dmsc.scsc;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.dmsc.routing.MeshView;
import io.dmsc.wire.data.DataFrames;
import io.dmsc.wire.proto.scsc.v1.NodeMessage;
import io.dmsc.wire.proto.scsc.v1.Report;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Fuzz target of the SCSC's side of the telemetry API: {@link SchedulingCenter#check} on every
 * report a node sends, and the policy rounds of {@link PolicyEngine} over the reports it took.
 * Without {@code JAZZER_FUZZ=1} it replays the seed corpus in
 * {@code ReportFuzzTestInputs/checkAndScheduleReports}.
 *
 * <p>The input is a sequence of length-delimited {@link NodeMessage}s over Figure 2 (with /B at
 * sg-2 and sg-4). Properties: a refused report has a metric reason and a sentence; a report taken
 * never makes a round throw; every policy installed has a loop-free path of mesh nodes, at most
 * {@link DataFrames#MAX_PATH_NODES} long, from an SG to a replica of its prefix.
 */
class ReportFuzzTest {
    private static final long S = TimeUnit.SECONDS.toNanos(1);
    private static final MeshView VIEW = PolicyEngineTest.figure2();

    @FuzzTest(maxDuration = "60s")
    void checkAndScheduleReports(byte[] input) {
        PolicyEngine engine = new PolicyEngine(PolicyEngineTest.config());
        Map<String, PolicyEngine.NodeReport> reports = new HashMap<>();
        ByteArrayInputStream in = new ByteArrayInputStream(input);
        long now = 0;
        for (int n = 0; n < 32; n++) {
            NodeMessage m;
            try {
                m = NodeMessage.parseDelimitedFrom(in);
            } catch (IOException e) {
                break; // gRPC refuses such bytes before the SCSC sees them
            }
            if (m == null) {
                break;
            }
            now += S / 5;
            if (!m.hasReport()) {
                continue;
            }
            Report r = m.getReport();
            String[] problem = SchedulingCenter.check(r, r.getNodeId(), VIEW);
            if (problem != null) {
                assertThat(problem).hasSize(2);
                assertThat(problem[0]).matches("[a-z_]+");
                assertThat(problem[1]).isNotBlank();
                continue;
            }
            reports.put(r.getNodeId(), new PolicyEngine.NodeReport(r, now));
            for (PolicyEngine.Action a : engine.round(VIEW, reports, now)) {
                checkAction(a);
            }
        }
        for (PolicyEngine.Action a : engine.round(VIEW, reports, now + 10 * S)) {
            checkAction(a);
        }
    }

    private static void checkAction(PolicyEngine.Action a) {
        PolicyEngine.Active p = a.policy();
        assertThat(a.nodes()).isNotEmpty();
        if (!a.install()) {
            return;
        }
        assertThat(p.path).isNotEmpty().hasSizeLessThanOrEqualTo(DataFrames.MAX_PATH_NODES);
        assertThat(p.path.get(p.path.size() - 1)).isEqualTo(p.egress);
        Set<String> seen = new HashSet<>(List.of(p.ingress));
        for (String node : p.path) {
            assertThat(VIEW.nodes()).containsKey(node);
            assertThat(seen.add(node)).as("loop-free path %s from %s", p.path, p.ingress).isTrue();
        }
        assertThat(VIEW.prefixes().get(p.prefix)).extracting(MeshView.Replica::origin).contains(p.egress);
        assertThat(p.id).isBetween(1L, 0xFFFF_FFFFL);
    }
}
