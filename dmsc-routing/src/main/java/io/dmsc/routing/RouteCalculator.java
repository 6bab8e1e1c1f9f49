package io.dmsc.routing;

import io.dmsc.wire.ServicePrefix;
import java.util.ArrayList;
import java.util.Map;
import java.util.TreeSet;

/**
 * Route calculation as a pure function (NLSR's routing-table calculation, FRR's
 * {@code isis_route}): the shortest-path tree and the installable advertisements of a prefix
 * (already filtered by their authorization verdicts) give its RIB entry: the nearest origins
 * (anycast: every origin at the least total cost) and the next hops towards them.
 */
final class RouteCalculator {
    private RouteCalculator() {
    }

    /**
     * @param prefix     the prefix
     * @param costByOrigin installable advertisements: advertised cost by origin
     * @param spf        the last shortest-path tree, or null before the first SPF
     * @param self       this node
     * @return the route, or null if no origin is reachable
     */
    static RibEntry route(ServicePrefix prefix, Map<String, Integer> costByOrigin, SpfResult spf, String self) {
        if (costByOrigin.isEmpty()) {
            return null;
        }
        long best = SpfResult.UNREACHABLE;
        TreeSet<String> egress = new TreeSet<>();
        for (Map.Entry<String, Integer> ad : costByOrigin.entrySet()) {
            String origin = ad.getKey();
            long d = origin.equals(self) ? 0 : spf == null ? SpfResult.UNREACHABLE : spf.distance(origin);
            if (d == SpfResult.UNREACHABLE) {
                continue;
            }
            long total = d + ad.getValue();
            if (total < best) {
                best = total;
                egress.clear();
                egress.add(origin);
            } else if (total == best) {
                egress.add(origin);
            }
        }
        if (egress.isEmpty()) {
            return null;
        }
        TreeSet<String> hops = new TreeSet<>();
        boolean local = false;
        for (String e : egress) {
            if (e.equals(self)) {
                local = true;
            } else {
                hops.addAll(spf.nextHops(e));
            }
        }
        return new RibEntry(prefix, best, new ArrayList<>(egress), new ArrayList<>(hops), local);
    }
}
