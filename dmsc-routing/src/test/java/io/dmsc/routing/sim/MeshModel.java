package io.dmsc.routing.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.dmsc.routing.FibEntry;
import io.dmsc.routing.LinkStateProtocol;
import io.dmsc.routing.LsdbEntry;
import io.dmsc.routing.RoutingConfig;
import io.dmsc.wire.ServicePrefix;
import io.dmsc.wire.link.LspId;
import io.dmsc.wire.link.NodeRole;
import io.dmsc.wire.link.PrefixEntry;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.jgrapht.Graph;
import org.jgrapht.alg.connectivity.ConnectivityInspector;
import org.jgrapht.alg.interfaces.ShortestPathAlgorithm.SingleSourcePaths;
import org.jgrapht.alg.shortestpath.DijkstraShortestPath;
import org.jgrapht.graph.DefaultWeightedEdge;
import org.jgrapht.graph.SimpleDirectedWeightedGraph;
import org.jgrapht.graph.SimpleGraph;
import org.jgrapht.graph.DefaultEdge;

/**
 * A {@link SimulatedNetwork} plus the test's own record of what it was told (nodes, prefixes,
 * overload flags, links and whether they are up), from which the expected FIB of every node is
 * computed independently of the code under test: jgrapht's Dijkstra for distances and the ECMP
 * definition (neighbour n is a next hop to v iff metric(s,n) + dist(n,v) == dist(s,v)).
 */
final class MeshModel {
    static final long SECOND_NS = TimeUnit.SECONDS.toNanos(1);

    /** One configured link. */
    static final class Link {
        final String a;
        final String b;
        final int metric;
        boolean up = true;

        Link(String a, String b, int metric) {
            this.a = a;
            this.b = b;
            this.metric = metric;
        }
    }

    final SimulatedNetwork net;
    final Map<String, List<PrefixEntry>> prefixes = new TreeMap<>();
    final Set<String> overloaded = new HashSet<>();
    final List<Link> links = new ArrayList<>();

    MeshModel(long seed) {
        this(seed, id -> RoutingConfig.defaults(id, NodeRole.SR));
    }

    MeshModel(long seed, Function<String, RoutingConfig> base) {
        this.net = new SimulatedNetwork(id -> base.apply(id).withOverload(overloaded.contains(id)), seed);
    }

    void addNode(String id, List<PrefixEntry> ps) {
        prefixes.put(id, List.copyOf(ps));
        net.addNode(id, ps);
    }

    void addLink(String a, String b, int metric) {
        links.add(new Link(a, b, metric));
        net.addLink(a, b, metric);
    }

    Link link(String a, String b) {
        for (Link l : links) {
            if ((l.a.equals(a) && l.b.equals(b)) || (l.a.equals(b) && l.b.equals(a))) {
                return l;
            }
        }
        throw new IllegalArgumentException(a + "-" + b);
    }

    void linkDown(String a, String b) {
        link(a, b).up = false;
        net.linkDown(a, b);
    }

    void linkUp(String a, String b) {
        Link l = link(a, b);
        if (!l.up) {
            l.up = true;
            net.linkUp(a, b);
        }
    }

    /** Fails every link of a node: as far as the rest is concerned, it is gone. */
    void isolate(String id) {
        for (Link l : links) {
            if (l.up && (l.a.equals(id) || l.b.equals(id))) {
                linkDown(l.a, l.b);
            }
        }
    }

    void setPrefixes(String id, List<PrefixEntry> ps) {
        prefixes.put(id, List.copyOf(ps));
        net.setPrefixes(id, ps);
    }

    LinkStateProtocol protocol(String id) {
        return net.protocol(id);
    }

    Collection<String> nodes() {
        return prefixes.keySet();
    }

    void converge() {
        net.runUntilQuiet(600 * SECOND_NS, 5 * SECOND_NS);
    }

    // ------------------------------------------------------------------------------------
    // Random meshes

    /**
     * Adds {@code n} nodes with random prefixes (some announced by several nodes, as anycast
     * replicas are) and a random connected graph of metrics 1..maxMetric.
     */
    static MeshModel random(long seed, int n, int maxMetric, double extraDegree,
                            Function<String, RoutingConfig> base) {
        Random random = new Random(seed);
        MeshModel m = new MeshModel(seed, base);
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            ids.add((random.nextBoolean() ? "sg-" : "sr-") + i);
        }
        for (String id : ids) {
            List<PrefixEntry> ps = new ArrayList<>();
            Set<ServicePrefix> seen = new HashSet<>();
            for (int k = random.nextInt(4); k > 0; k--) {
                ServicePrefix p = random.nextInt(3) == 0
                        ? ServicePrefix.parse("/shared/svc-" + random.nextInt(3))
                        : ServicePrefix.parse("/" + id + "/svc-" + k);
                if (seen.add(p)) {
                    ps.add(PrefixEntry.of(p, random.nextInt(3)));
                }
            }
            m.addNode(id, ps);
        }
        Set<String> linked = new HashSet<>();
        for (int i = 1; i < n; i++) {
            int j = random.nextInt(i);
            linked.add(j + "|" + i);
            m.addLink(ids.get(j), ids.get(i), 1 + random.nextInt(maxMetric));
        }
        for (int k = (int) (extraDegree * n / 2); k > 0; k--) {
            int i = random.nextInt(n);
            int j = random.nextInt(n);
            if (i != j && linked.add(Math.min(i, j) + "|" + Math.max(i, j))) {
                m.addLink(ids.get(i), ids.get(j), 1 + random.nextInt(maxMetric));
            }
        }
        return m;
    }

    // ------------------------------------------------------------------------------------
    // The reference

    private Graph<String, DefaultWeightedEdge> graphFor(String source) {
        Graph<String, DefaultWeightedEdge> g = new SimpleDirectedWeightedGraph<>(DefaultWeightedEdge.class);
        nodes().forEach(g::addVertex);
        for (Link l : links) {
            if (!l.up) {
                continue;
            }
            if (!overloaded.contains(l.a) || l.a.equals(source)) {
                g.setEdgeWeight(g.addEdge(l.a, l.b), l.metric);
            }
            if (!overloaded.contains(l.b) || l.b.equals(source)) {
                g.setEdgeWeight(g.addEdge(l.b, l.a), l.metric);
            }
        }
        return g;
    }

    /** The FIB node {@code s} must end up with, sorted by prefix. */
    List<FibEntry> expectedFib(String s) {
        Graph<String, DefaultWeightedEdge> g = graphFor(s);
        DijkstraShortestPath<String, DefaultWeightedEdge> dijkstra = new DijkstraShortestPath<>(g);
        SingleSourcePaths<String, DefaultWeightedEdge> fromS = dijkstra.getPaths(s);
        Map<String, SingleSourcePaths<String, DefaultWeightedEdge>> fromNeighbor = new HashMap<>();
        for (DefaultWeightedEdge e : g.outgoingEdgesOf(s)) {
            fromNeighbor.put(g.getEdgeTarget(e), dijkstra.getPaths(g.getEdgeTarget(e)));
        }
        Map<ServicePrefix, Map<String, Integer>> announced = new TreeMap<>();
        for (Map.Entry<String, List<PrefixEntry>> e : prefixes.entrySet()) {
            announced.computeIfAbsent(ServicePrefix.nodePrefix(e.getKey()), k -> new TreeMap<>()).put(e.getKey(), 0);
            for (PrefixEntry p : e.getValue()) {
                announced.computeIfAbsent(p.prefix(), k -> new TreeMap<>()).merge(e.getKey(), p.cost(), Math::min);
            }
        }
        List<FibEntry> fib = new ArrayList<>();
        for (Map.Entry<ServicePrefix, Map<String, Integer>> a : announced.entrySet()) {
            long best = Long.MAX_VALUE;
            Set<String> egress = new TreeSet<>();
            for (Map.Entry<String, Integer> o : a.getValue().entrySet()) {
                double d = fromS.getWeight(o.getKey());
                if (Double.isInfinite(d)) {
                    continue;
                }
                long total = (long) d + o.getValue();
                if (total < best) {
                    best = total;
                    egress.clear();
                }
                if (total == best) {
                    egress.add(o.getKey());
                }
            }
            if (egress.isEmpty()) {
                continue;
            }
            TreeSet<String> hops = new TreeSet<>();
            for (String e : egress) {
                if (e.equals(s)) {
                    continue;
                }
                long dist = (long) fromS.getWeight(e);
                for (DefaultWeightedEdge out : g.outgoingEdgesOf(s)) {
                    String n = g.getEdgeTarget(out);
                    double viaN = fromNeighbor.get(n).getWeight(e);
                    if (!Double.isInfinite(viaN) && (long) g.getEdgeWeight(out) + (long) viaN == dist) {
                        hops.add(n);
                    }
                }
            }
            fib.add(new FibEntry(a.getKey(), new ArrayList<>(hops), egress.contains(s), best));
        }
        return fib;
    }

    /** Nodes connected to {@code id} over up links, itself included. */
    Set<String> partitionOf(String id) {
        Graph<String, DefaultEdge> g = new SimpleGraph<>(DefaultEdge.class);
        nodes().forEach(g::addVertex);
        for (Link l : links) {
            if (l.up) {
                g.addEdge(l.a, l.b);
            }
        }
        return new ConnectivityInspector<>(g).connectedSetOf(id);
    }

    // ------------------------------------------------------------------------------------
    // Checks

    /** Live LSPs of a node's database as "origin-fragment@sequence", lifetimes ignored. */
    static Set<String> liveView(LinkStateProtocol p) {
        Set<String> view = new TreeSet<>();
        for (LsdbEntry e : p.lsdb().entries()) {
            if (!e.purged()) {
                view.add(e.pdu().id() + "@" + Long.toUnsignedString(e.pdu().sequence()));
            }
        }
        return view;
    }

    /**
     * Every database of a partition holds the same live LSPs, among them each member's own, and
     * each copy has the content its originator gave it (not an older LSP with the same number).
     */
    void assertDatabasesAgree(Collection<String> members) {
        String first = members.iterator().next();
        Set<String> reference = liveView(protocol(first));
        for (String id : members) {
            assertThat(liveView(protocol(id))).as("LSDB of %s vs %s", id, first).isEqualTo(reference);
            long ownSeq = protocol(id).lsdb().get(new LspId(id, 0)).pdu().sequence();
            assertThat(reference).as("fragment 0 of %s", id).contains(id + "-00@" + Long.toUnsignedString(ownSeq));
        }
        for (String id : members) {
            for (LsdbEntry e : protocol(id).lsdb().entries()) {
                LsdbEntry atOrigin = protocol(e.pdu().id().origin()).lsdb().get(e.pdu().id());
                if (!e.purged() && members.contains(e.pdu().id().origin())) {
                    assertThat(e.pdu().withLifetime(0)).as("content of %s at %s", e.pdu().id(), id)
                            .isEqualTo(atOrigin.pdu().withLifetime(0));
                }
            }
        }
    }

    void assertDatabasesAgree() {
        assertDatabasesAgree(nodes());
    }

    void assertFibsMatchReference(Collection<String> which) {
        for (String id : which) {
            assertThat(protocol(id).fib().entries()).as("FIB of %s", id).containsExactlyElementsOf(expectedFib(id));
        }
    }

    void assertFibsMatchReference() {
        assertFibsMatchReference(nodes());
    }
}
