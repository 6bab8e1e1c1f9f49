package io.dmsc.gateway;

import io.dmsc.routing.Fib;
import io.dmsc.wire.ServicePrefix;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The ingress SG's choice of replica without a policy: the only egress SG of a prefix, or one of
 * its best-cost egress SGs by smooth weighted round robin over the weights they advertise (as for
 * the endpoints of one SG): every pick adds each weight to its current value, takes the largest
 * and subtracts the total from it, spreading picks evenly in proportion to the weights.
 *
 * <p>Thread: the gateway's data-plane loop.
 */
final class ReplicaSelector {
    /** Most prefixes with turns kept; bounded by the FIB's anycast prefixes anyway. */
    static final int MAX_PREFIXES = 10_000;

    private final Map<ServicePrefix, Turns> turns = new HashMap<>();

    /**
     * @param fib      the FIB in force
     * @param prefix   a prefix of it
     * @param replicas its best-cost egress SGs ({@link Fib#egress})
     * @return the egress SG for the next call, or null when the prefix has none
     */
    String select(Fib fib, ServicePrefix prefix, List<String> replicas) {
        if (replicas.isEmpty()) {
            return null;
        }
        if (replicas.size() == 1) {
            return replicas.get(0);
        }
        List<Integer> weights = fib.egressWeights(prefix);
        Turns t = turns.get(prefix);
        if (t == null || !t.egress.equals(replicas) || !t.announced.equals(weights)) {
            if (turns.size() >= MAX_PREFIXES) {
                turns.clear(); // start their turns again
            }
            t = new Turns(replicas, weights);
            turns.put(prefix, t);
        }
        return t.next();
    }

    private static final class Turns {
        final List<String> egress;
        /** The weights as the FIB gave them (to notice a change). */
        final List<Integer> announced;
        final List<Integer> weights;
        final long[] current;
        final long total;

        Turns(List<String> egress, List<Integer> weights) {
            this.egress = egress;
            this.announced = weights;
            this.weights = weights.size() == egress.size() ? weights
                    : java.util.Collections.nCopies(egress.size(), 1);
            this.current = new long[egress.size()];
            long t = 0;
            for (int w : this.weights) {
                t += w;
            }
            this.total = t;
        }

        String next() {
            int best = 0;
            for (int i = 0; i < current.length; i++) {
                current[i] += weights.get(i);
                if (current[i] > current[best]) {
                    best = i;
                }
            }
            current[best] -= total;
            return egress.get(best);
        }
    }
}
