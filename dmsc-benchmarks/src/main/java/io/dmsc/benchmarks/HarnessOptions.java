package io.dmsc.benchmarks;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Settings of {@link ForwardingLoadHarness}, parsed from {@code --key value} pairs. {@code --quick} first sets
 * short smoke-test defaults; any option given explicitly wins over them. Immutable once parsed.
 */
final class HarnessOptions {
    static final String USAGE = String.join("\n",
            "usage: java -cp dmsc-benchmarks/target/benchmarks.jar io.dmsc.benchmarks.ForwardingLoadHarness [options]",
            "  --rate N                 open-loop unary calls/s (default 1000)",
            "  --warmup-s S             open-loop warm-up per path, seconds (default 10)",
            "  --duration-s S           open-loop measured time per path, seconds (default 60)",
            "  --segment-s S            measured time is split into segments of this length, alternating",
            "                           direct and mesh in ABBA order (default 10)",
            "  --closed-concurrency N   closed-loop outstanding calls (default 64)",
            "  --closed-warmup-s S      closed-loop warm-up per path (default 5)",
            "  --closed-s S             closed-loop measured time per path (default 20)",
            "  --stream-warmup-s S      streaming warm-up per path (default 3)",
            "  --stream-s S             streaming measured time per path (default 20)",
            "  --request-bytes N        unary request and reply payload (default 1024)",
            "  --stream-message-bytes N streaming message payload (default 65536)",
            "  --cli-jar PATH           shaded dmsc CLI jar (default dmsc-cli/target/dmsc.jar)",
            "  --node-jvm-opts 'OPTS'   extra JVM options for the three mesh processes (default none)",
            "  --launcher PATH          take each mesh process's JVM defaults from the product's launcher",
            "                           (DMSC_LAUNCHER_PRINT=1 PATH run ...), as ./dmsc run would (default: none,",
            "                           plain JVM defaults)",
            "  --idle-after-s S         after the last load, idle this long and sample RSS again (default 60)",
            "  --overload-s S           open loop through the mesh at twice the closed-loop throughput, seconds",
            "                           (default 20; 0 skips it)",
            "  --adaptive-admission B   the SGs' gateway.adaptiveAdmission, true or false (default false)",
            "  --out FILE               also write the Markdown report to FILE",
            "  --quick                  smoke mode: a few seconds of load, numbers not meaningful");

    private static final Map<String, String> DEFAULTS = new LinkedHashMap<>();
    private static final Map<String, String> QUICK = Map.of("warmup-s", "0.5", "duration-s", "1",
            "segment-s", "0.5", "closed-warmup-s", "0.5", "closed-s", "0.5", "stream-warmup-s", "0.5",
            "stream-s", "0.5", "idle-after-s", "0", "overload-s", "0.5");

    static {
        DEFAULTS.put("rate", "1000");
        DEFAULTS.put("warmup-s", "10");
        DEFAULTS.put("duration-s", "60");
        DEFAULTS.put("segment-s", "10");
        DEFAULTS.put("closed-concurrency", "64");
        DEFAULTS.put("closed-warmup-s", "5");
        DEFAULTS.put("closed-s", "20");
        DEFAULTS.put("stream-warmup-s", "3");
        DEFAULTS.put("stream-s", "20");
        DEFAULTS.put("request-bytes", "1024");
        DEFAULTS.put("stream-message-bytes", "65536");
        DEFAULTS.put("cli-jar", "dmsc-cli/target/dmsc.jar");
        DEFAULTS.put("node-jvm-opts", "");
        DEFAULTS.put("out", "");
        DEFAULTS.put("launcher", "");
        DEFAULTS.put("idle-after-s", "60");
        DEFAULTS.put("overload-s", "20");
        DEFAULTS.put("adaptive-admission", "false");
    }

    final boolean quick;
    final int ratePerS;
    final double warmupS;
    final double durationS;
    final double segmentS;
    final int closedConcurrency;
    final double closedWarmupS;
    final double closedS;
    final double streamWarmupS;
    final double streamS;
    final int requestBytes;
    final int streamMessageBytes;
    final Path cliJar;
    final List<String> nodeJvmOpts;
    final Path out;
    final Path launcher;
    final double idleAfterS;
    final double overloadS;
    final boolean adaptiveAdmission;

    private HarnessOptions(boolean quick, Map<String, String> v) {
        this.quick = quick;
        ratePerS = positiveInt(v, "rate");
        warmupS = nonNegative(v, "warmup-s");
        durationS = positive(v, "duration-s");
        segmentS = positive(v, "segment-s");
        closedConcurrency = positiveInt(v, "closed-concurrency");
        closedWarmupS = nonNegative(v, "closed-warmup-s");
        closedS = positive(v, "closed-s");
        streamWarmupS = nonNegative(v, "stream-warmup-s");
        streamS = positive(v, "stream-s");
        requestBytes = positiveInt(v, "request-bytes");
        streamMessageBytes = positiveInt(v, "stream-message-bytes");
        cliJar = Path.of(v.get("cli-jar"));
        String opts = v.get("node-jvm-opts").trim();
        nodeJvmOpts = opts.isEmpty() ? List.of() : Arrays.asList(opts.split("\\s+"));
        out = v.get("out").isEmpty() ? null : Path.of(v.get("out"));
        launcher = v.get("launcher").isEmpty() ? null : Path.of(v.get("launcher"));
        idleAfterS = nonNegative(v, "idle-after-s");
        overloadS = nonNegative(v, "overload-s");
        String adaptive = v.get("adaptive-admission");
        if (!adaptive.equals("true") && !adaptive.equals("false")) {
            throw new IllegalArgumentException("--adaptive-admission: " + adaptive + " (expected: true or false)");
        }
        adaptiveAdmission = Boolean.parseBoolean(adaptive);
    }

    /**
     * @param args command line
     * @return the options
     * @throws IllegalArgumentException on an unknown option, a missing value or a bad number
     */
    static HarnessOptions parse(String[] args) {
        boolean quick = Arrays.asList(args).contains("--quick");
        return new HarnessOptions(quick, values(args, DEFAULTS, QUICK));
    }

    /**
     * The settings of a harness: {@code defaults}, then {@code quickValues} if {@code --quick} is given, then
     * each {@code --key value} of {@code args}.
     *
     * @throws IllegalArgumentException on an option not in {@code defaults} or a missing value
     */
    static Map<String, String> values(String[] args, Map<String, String> defaults, Map<String, String> quickValues) {
        Map<String, String> given = new LinkedHashMap<>();
        boolean quick = false;
        List<String> rest = new ArrayList<>(Arrays.asList(args));
        for (int i = 0; i < rest.size(); i++) {
            String a = rest.get(i);
            if (a.equals("--quick")) {
                quick = true;
                continue;
            }
            if (!a.startsWith("--") || !defaults.containsKey(a.substring(2))) {
                throw new IllegalArgumentException("unknown option: " + a);
            }
            if (i + 1 >= rest.size()) {
                throw new IllegalArgumentException(a + ": missing value");
            }
            given.put(a.substring(2), rest.get(++i));
        }
        Map<String, String> v = new LinkedHashMap<>(defaults);
        if (quick) {
            v.putAll(quickValues);
        }
        v.putAll(given);
        return v;
    }

    /** @return open-loop measured segments per path (at least one) */
    int segmentsPerPath() {
        return Math.max(1, (int) Math.round(durationS / segmentS));
    }

    /** @return calls in one measured open-loop segment */
    long callsPerSegment() {
        return Math.max(1, Math.round(ratePerS * durationS / segmentsPerPath()));
    }

    static int positiveInt(Map<String, String> v, String key) {
        try {
            int n = Integer.parseInt(v.get(key));
            if (n <= 0) {
                throw new IllegalArgumentException("--" + key + ": " + n + " (expected: > 0)");
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + key + ": " + v.get(key) + " (expected: an integer)", e);
        }
    }

    static double positive(Map<String, String> v, String key) {
        double d = number(v, key);
        if (d <= 0) {
            throw new IllegalArgumentException("--" + key + ": " + d + " (expected: > 0)");
        }
        return d;
    }

    static double nonNegative(Map<String, String> v, String key) {
        double d = number(v, key);
        if (d < 0) {
            throw new IllegalArgumentException("--" + key + ": " + d + " (expected: >= 0)");
        }
        return d;
    }

    static double number(Map<String, String> v, String key) {
        try {
            return Double.parseDouble(v.get(key));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + key + ": " + v.get(key) + " (expected: a number)", e);
        }
    }
}
