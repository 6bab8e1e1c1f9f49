package io.dmsc.gateway;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Sheds ingress calls at once when the mesh behind this SG is overloaded, instead of letting them
 * queue until their deadlines. Per target prefix, it bounds the calls <em>waiting for their first
 * answer</em> (admitted, no response headers or message back yet): streams that are answering do
 * not count, so long-lived streams never use up the limit. The bound adapts to the time to first
 * answer, as TCP Vegas and gradient concurrency limiters do:
 *
 * <ul>
 *   <li>Every {@value #WINDOW_MS} ms with at least {@value #MIN_SAMPLES} answers, the window's
 *       mean time to first answer is compared with {@code 2 × usual + 1 ms}, where {@code usual}
 *       is a moving average of the means of the windows that were not overloaded (a service
 *       slow or uneven by nature is its own baseline), let drift up by 0.2% in each overloaded
 *       window so that a service that became slower for good is relearnt in a minute or so.</li>
 *   <li>Above it (calls queue somewhere: this SG, the fabric, the egress or the pod), the limit
 *       becomes the window's peak of waiting calls times {@code tolerated / mean} (at least
 *       half); at or below it, and with the window's waiting calls near the limit, it grows by
 *       its square root.</li>
 *   <li>A call finding the limit reached is refused RESOURCE_EXHAUSTED with the numbers, costing
 *       this SG one HTTP/2 exchange and nothing downstream.</li>
 * </ul>
 *
 * <p>The limit starts at {@code maxCallsInFlight}, so a burst of new calls (10,000 streams
 * opened at once) is admitted, and comes down only when answers slow. At most
 * {@value #MAX_TARGETS} targets are tracked; the least recently used one without waiting calls
 * is forgotten first. Thread: the gateway's data-plane loop only.
 */
final class AdmissionLimiter {
    static final long WINDOW_MS = 100;
    static final int MIN_SAMPLES = 5;
    static final int MAX_TARGETS = 4096;
    /** Floor of every limit: a service is never shut out below this many waiting calls. */
    static final int MIN_LIMIT = 16;
    private static final long WINDOW_NS = TimeUnit.MILLISECONDS.toNanos(WINDOW_MS);
    private static final long SLACK_NS = TimeUnit.MILLISECONDS.toNanos(1);
    private static final double DRIFT = 1.002;
    private static final double AVERAGING = 0.1;

    /** The state of one target prefix. */
    static final class Target {
        final String name;
        double limit;
        int waiting;
        /** Moving average of the mean time to first answer of windows not overloaded; 0 before the first. */
        double usualNs;
        long windowStartNs;
        int samples;
        long sumNs;
        int peakWaiting;
        long lastMeanNs;

        Target(String name, double limit, long nowNs) {
            this.name = name;
            this.limit = limit;
            this.windowStartNs = nowNs;
        }
    }

    private final int maxLimit;
    private final boolean enabled;
    /** Access order: the eldest is the least recently used. */
    private final Map<String, Target> targets = new LinkedHashMap<>(64, 0.75f, true);
    private long shed;

    /**
     * @param maxLimit most calls waiting per target ({@code maxCallsInFlight}); the start value
     * @param enabled  false: count only, never refuse ({@code gateway.adaptiveAdmission: false})
     */
    AdmissionLimiter(int maxLimit, boolean enabled) {
        this.maxLimit = Math.max(MIN_LIMIT, maxLimit);
        this.enabled = enabled;
    }

    /**
     * A new call to {@code target}.
     *
     * @return its ticket (give it to {@link #answered} or {@link #released}), or null: refuse it
     *         with {@link #refusal}
     */
    Target admit(String target, long nowNs) {
        Target t = targets.get(target);
        if (t == null) {
            if (targets.size() >= MAX_TARGETS) {
                forgetOne();
            }
            t = new Target(target, maxLimit, nowNs);
            targets.put(target, t);
        }
        if (enabled && t.waiting >= (int) t.limit) {
            shed++;
            return null;
        }
        t.waiting++;
        t.peakWaiting = Math.max(t.peakWaiting, t.waiting);
        return t;
    }

    private void forgetOne() {
        var it = targets.values().iterator();
        while (it.hasNext()) {
            if (it.next().waiting == 0) {
                it.remove();
                return;
            }
        }
        // Every tracked target has waiting calls: the new one shares no state, and the map grows
        // past MAX_TARGETS only by targets that each hold a waiting call (bounded by the calls).
    }

    /** Why {@code target}'s call was refused, for the caller. */
    String refusal(String gatewayId, String target) {
        Target t = targets.get(target);
        if (t == null) {
            return "gateway " + gatewayId + " is shedding load; retry later";
        }
        return "gateway " + gatewayId + " is shedding load: " + t.waiting + " calls to " + target
                + " are waiting for a first answer, its adaptive limit (first answers took " + ms(t.lastMeanNs)
                + " ms on average lately, " + ms((long) t.usualNs) + " ms usually); retry later";
    }

    /** The call of ticket {@code t}, started at {@code startNs}, got its first answer now. */
    void answered(Target t, long startNs, long nowNs) {
        t.waiting--;
        long d = Math.max(0, nowNs - startNs);
        t.samples++;
        t.sumNs += d;
        if (nowNs - t.windowStartNs >= WINDOW_NS) {
            endWindow(t, nowNs);
        }
    }

    /** The call of ticket {@code t} ended without an answer (failed, cancelled). */
    void released(Target t) {
        t.waiting--;
    }

    private void endWindow(Target t, long nowNs) {
        if (t.samples >= MIN_SAMPLES) {
            long mean = t.sumNs / t.samples;
            t.lastMeanNs = mean;
            if (t.usualNs == 0) {
                t.usualNs = mean;
            }
            double tolerated = 2.0 * t.usualNs + SLACK_NS;
            if (mean > tolerated) {
                double gradient = Math.max(0.5, tolerated / mean);
                t.limit = Math.max(MIN_LIMIT, Math.min(t.limit, t.peakWaiting) * gradient);
                t.usualNs *= DRIFT;
            } else {
                t.usualNs += AVERAGING * (mean - t.usualNs);
                if (t.peakWaiting >= 0.8 * t.limit) {
                    t.limit = Math.min(maxLimit, t.limit + Math.sqrt(t.limit));
                }
            }
        }
        t.windowStartNs = nowNs;
        t.samples = 0;
        t.sumNs = 0;
        t.peakWaiting = t.waiting;
    }

    /** @return calls refused so far */
    long shed() {
        return shed;
    }

    /** @return the current limit of {@code target}, or -1 when not tracked (tests, status) */
    double limitOf(String target) {
        Target t = targets.get(target);
        return t == null ? -1 : t.limit;
    }

    /** @return targets tracked */
    int size() {
        return targets.size();
    }

    private static String ms(long ns) {
        return ns == Long.MAX_VALUE || ns == 0 ? "?" : String.format(java.util.Locale.ROOT, "%.1f", ns / 1e6);
    }
}
