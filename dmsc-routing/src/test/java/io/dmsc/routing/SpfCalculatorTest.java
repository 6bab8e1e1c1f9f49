package io.dmsc.routing;

import static org.assertj.core.api.Assertions.assertThat;

import io.dmsc.wire.link.NeighborEntry;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.jgrapht.Graph;
import org.jgrapht.alg.interfaces.ShortestPathAlgorithm.SingleSourcePaths;
import org.jgrapht.alg.shortestpath.DijkstraShortestPath;
import org.jgrapht.graph.DefaultWeightedEdge;
import org.jgrapht.graph.SimpleDirectedWeightedGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class SpfCalculatorTest {
    private final SpfCalculator calculator = new SpfCalculator();

    // -------------------------------------------------------------------------------------
    // Small hand-made graphs

    /** Builds the advertised state from "a-b:m" (two-way, metric m both ways) and "a>b:m" (a lists b only). */
    private static Map<String, SpfTopology.NodeLinks> graph(Set<String> overloaded, String... links) {
        Map<String, List<NeighborEntry>> lists = new TreeMap<>();
        for (String l : links) {
            String[] lm = l.split(":");
            int metric = Integer.parseInt(lm[1]);
            boolean twoWay = lm[0].contains("-");
            String[] ends = lm[0].split(twoWay ? "-" : ">");
            lists.computeIfAbsent(ends[0], k -> new ArrayList<>()).add(new NeighborEntry(ends[1], metric));
            lists.computeIfAbsent(ends[1], k -> new ArrayList<>());
            if (twoWay) {
                lists.get(ends[1]).add(new NeighborEntry(ends[0], metric));
            }
        }
        Map<String, SpfTopology.NodeLinks> nodes = new HashMap<>();
        lists.forEach((id, ns) -> nodes.put(id, new SpfTopology.NodeLinks(ns, overloaded.contains(id))));
        return nodes;
    }

    @Test
    void shouldFindEqualCostNextHops() {
        // a-b-d and a-c-d both cost 2; a-d direct costs 5.
        SpfResult r = calculator.compute(SpfTopology.build(graph(Set.of(), "a-b:1", "a-c:1", "b-d:1", "c-d:1",
                "a-d:5")), "a");

        assertThat(r.distance("d")).isEqualTo(2);
        assertThat(r.nextHops("d")).containsExactly("b", "c");
        assertThat(r.nextHops("b")).containsExactly("b");
        assertThat(r.nextHops("a")).isEmpty();
        assertThat(r.distance("a")).isZero();
        assertThat(r.reachableCount()).isEqualTo(4);
    }

    @Test
    void shouldExcludeOneWayLinks() {
        // a lists b, b does not list a: no edge either way.
        SpfResult r = calculator.compute(SpfTopology.build(graph(Set.of(), "a>b:1", "a-c:1", "c-b:5")), "a");

        assertThat(r.distance("b")).isEqualTo(6);
        assertThat(r.nextHops("b")).containsExactly("c");
        assertThat(SpfTopology.build(graph(Set.of(), "a>b:1")).edgeCount()).isZero();
    }

    @Test
    void shouldUseEachSidesOwnMetric() {
        SpfTopology t = SpfTopology.build(Map.of(
                "a", new SpfTopology.NodeLinks(List.of(new NeighborEntry("b", 3)), false),
                "b", new SpfTopology.NodeLinks(List.of(new NeighborEntry("a", 7)), false)));

        assertThat(calculator.compute(t, "a").distance("b")).isEqualTo(3);
        assertThat(calculator.compute(t, "b").distance("a")).isEqualTo(7);
    }

    @Test
    void shouldIgnoreNeighboursWithoutFragmentZeroAndSelfLinks() {
        SpfTopology t = SpfTopology.build(Map.of(
                "a", new SpfTopology.NodeLinks(List.of(new NeighborEntry("ghost", 1), new NeighborEntry("a", 1),
                        new NeighborEntry("b", 2)), false),
                "b", new SpfTopology.NodeLinks(List.of(new NeighborEntry("a", 2)), false)));
        SpfResult r = calculator.compute(t, "a");

        assertThat(t.size()).isEqualTo(2);
        assertThat(t.edgeCount()).isEqualTo(2);
        assertThat(t.indexOf("ghost")).isEqualTo(-1);
        assertThat(r.distance("ghost")).isEqualTo(SpfResult.UNREACHABLE);
        assertThat(r.nextHops("ghost")).isEmpty();
        assertThat(r.distance("b")).isEqualTo(2);
    }

    @Test
    void shouldReachOverloadedNodeButNotTransitIt() {
        // a-o-c is the short way, but o is overloaded: c is reached over a-b-c.
        SpfResult r = calculator.compute(SpfTopology.build(graph(Set.of("o"), "a-o:1", "o-c:1", "a-b:5", "b-c:5")),
                "a");

        assertThat(r.distance("o")).isEqualTo(1);
        assertThat(r.nextHops("o")).containsExactly("o");
        assertThat(r.distance("c")).isEqualTo(10);
        assertThat(r.nextHops("c")).containsExactly("b");
    }

    @Test
    void shouldTransitOverloadedSourceItself() {
        SpfResult r = calculator.compute(SpfTopology.build(graph(Set.of("a"), "a-b:1", "b-c:1")), "a");

        assertThat(r.distance("c")).isEqualTo(2);
        assertThat(r.nextHops("c")).containsExactly("b");
    }

    @Test
    void shouldLeaveDisconnectedNodesUnreachable() {
        SpfResult r = calculator.compute(SpfTopology.build(graph(Set.of(), "a-b:1", "c-d:1")), "a");

        assertThat(r.distance("c")).isEqualTo(SpfResult.UNREACHABLE);
        assertThat(r.nextHops("d")).isEmpty();
        assertThat(r.nextHopIndices(r.topology().indexOf("d"))).isEmpty();
        assertThat(r.reachableCount()).isEqualTo(2);
    }

    @Test
    void shouldReportEverythingUnreachableWhenSourceIsUnknown() {
        SpfResult r = calculator.compute(SpfTopology.build(graph(Set.of(), "a-b:1")), "zz");

        assertThat(r.distance("a")).isEqualTo(SpfResult.UNREACHABLE);
        assertThat(r.nextHops("b")).isEmpty();
        assertThat(r.reachableCount()).isZero();
    }

    @Test
    void shouldAddLargeMetricsWithoutOverflow() {
        List<String> links = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            links.add("n" + i + "-n" + (i + 1) + ":" + NeighborEntry.MAX_METRIC);
        }
        SpfResult r = calculator.compute(SpfTopology.build(graph(Set.of(), links.toArray(new String[0]))), "n0");

        assertThat(r.distance("n300")).isEqualTo(300L * NeighborEntry.MAX_METRIC);
    }

    // -------------------------------------------------------------------------------------
    // Property: random graphs against jgrapht's Dijkstra and the ECMP definition

    /** One random scenario: what each node advertises, and the source. */
    private record Scenario(long seed, Map<String, SpfTopology.NodeLinks> nodes, String source) {
        @Override
        public String toString() {
            return "seed " + seed + ", " + nodes.size() + " nodes, source " + source;
        }
    }

    static Stream<Scenario> randomGraphs() {
        return IntStream.range(0, 320).mapToObj(SpfCalculatorTest::randomScenario);
    }

    private static Scenario randomScenario(int seed) {
        Random random = new Random(seed * 7919L + 13);
        int n = 2 + random.nextInt(199);
        boolean connected = random.nextInt(3) != 0;
        // Small metric ranges make many equal-cost paths.
        int maxMetric = switch (random.nextInt(3)) {
            case 0 -> 1;
            case 1 -> 3;
            default -> 20;
        };
        double extraDegree = random.nextDouble() * 4;
        double overloadRate = random.nextInt(3) == 0 ? 0.15 : 0;
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            ids.add("n" + Integer.toString(random.nextInt(1 << 20), 36) + "-" + i);
        }
        Map<String, List<NeighborEntry>> lists = new HashMap<>();
        for (String id : ids) {
            lists.put(id, new ArrayList<>());
        }
        Set<Long> linked = new HashSet<>();
        List<int[]> pairs = new ArrayList<>();
        if (connected) {
            for (int i = 1; i < n; i++) {
                pairs.add(new int[] {i, random.nextInt(i)});
            }
        }
        int extra = (int) (extraDegree * n / 2);
        for (int k = 0; k < extra; k++) {
            pairs.add(new int[] {random.nextInt(n), random.nextInt(n)});
        }
        for (int[] p : pairs) {
            if (p[0] == p[1] || !linked.add((long) Math.min(p[0], p[1]) << 32 | Math.max(p[0], p[1]))) {
                continue;
            }
            String u = ids.get(p[0]);
            String v = ids.get(p[1]);
            int muv = 1 + random.nextInt(maxMetric);
            int mvu = random.nextInt(4) == 0 ? 1 + random.nextInt(maxMetric) : muv;
            int kind = random.nextInt(20);
            if (kind == 0) {
                lists.get(u).add(new NeighborEntry(v, muv));
            } else if (kind == 1) {
                lists.get(v).add(new NeighborEntry(u, mvu));
            } else {
                lists.get(u).add(new NeighborEntry(v, muv));
                lists.get(v).add(new NeighborEntry(u, mvu));
                if (kind == 2) {
                    // A duplicate entry with another metric: the smaller one counts.
                    lists.get(u).add(new NeighborEntry(v, 1 + random.nextInt(maxMetric)));
                }
            }
        }
        for (int k = random.nextInt(3); k > 0; k--) {
            String u = ids.get(random.nextInt(n));
            lists.get(u).add(new NeighborEntry(random.nextBoolean() ? u : "ghost-" + k, 1));
        }
        Map<String, SpfTopology.NodeLinks> nodes = new HashMap<>();
        for (String id : ids) {
            nodes.put(id, new SpfTopology.NodeLinks(lists.get(id), random.nextDouble() < overloadRate));
        }
        return new Scenario(seed, nodes, ids.get(random.nextInt(n)));
    }

    /**
     * The reference graph: an edge u→v for each two-way pair with u's smallest metric for v,
     * without the out-edges of overloaded nodes other than the source.
     */
    private static Graph<String, DefaultWeightedEdge> reference(Map<String, SpfTopology.NodeLinks> nodes, String source) {
        Graph<String, DefaultWeightedEdge> g = new SimpleDirectedWeightedGraph<>(DefaultWeightedEdge.class);
        nodes.keySet().forEach(g::addVertex);
        for (Map.Entry<String, SpfTopology.NodeLinks> e : nodes.entrySet()) {
            String u = e.getKey();
            if (e.getValue().overload() && !u.equals(source)) {
                continue;
            }
            for (NeighborEntry n : e.getValue().neighbors()) {
                String v = n.nodeId();
                if (v.equals(u) || !nodes.containsKey(v)
                        || nodes.get(v).neighbors().stream().noneMatch(x -> x.nodeId().equals(u))) {
                    continue;
                }
                DefaultWeightedEdge edge = g.getEdge(u, v);
                if (edge == null) {
                    g.setEdgeWeight(g.addEdge(u, v), n.metric());
                } else if (n.metric() < g.getEdgeWeight(edge)) {
                    g.setEdgeWeight(edge, n.metric());
                }
            }
        }
        return g;
    }

    private static long asDistance(double w) {
        return Double.isInfinite(w) ? SpfResult.UNREACHABLE : (long) w;
    }

    @ParameterizedTest
    @MethodSource("randomGraphs")
    void shouldMatchReferenceDistancesAndEqualCostNextHops(Scenario s) {
        SpfTopology topology = SpfTopology.build(s.nodes());
        SpfResult result = calculator.compute(topology, s.source());
        Graph<String, DefaultWeightedEdge> ref = reference(s.nodes(), s.source());
        DijkstraShortestPath<String, DefaultWeightedEdge> dijkstra = new DijkstraShortestPath<>(ref);
        SingleSourcePaths<String, DefaultWeightedEdge> fromSource = dijkstra.getPaths(s.source());
        Map<String, SingleSourcePaths<String, DefaultWeightedEdge>> fromNeighbor = new HashMap<>();
        for (DefaultWeightedEdge e : ref.outgoingEdgesOf(s.source())) {
            String n = ref.getEdgeTarget(e);
            fromNeighbor.put(n, dijkstra.getPaths(n));
        }

        int reachable = 0;
        for (String v : s.nodes().keySet()) {
            long expected = asDistance(fromSource.getWeight(v));
            assertThat(result.distance(v)).as("distance to %s", v).isEqualTo(expected);
            TreeSet<String> expectedHops = new TreeSet<>();
            if (expected != SpfResult.UNREACHABLE) {
                reachable++;
                if (!v.equals(s.source())) {
                    for (DefaultWeightedEdge e : ref.outgoingEdgesOf(s.source())) {
                        String n = ref.getEdgeTarget(e);
                        long viaN = asDistance(fromNeighbor.get(n).getWeight(v));
                        if (viaN != SpfResult.UNREACHABLE && (long) ref.getEdgeWeight(e) + viaN == expected) {
                            expectedHops.add(n);
                        }
                    }
                    assertThat(expectedHops).as("reference next hops to %s", v).isNotEmpty();
                }
            }
            assertThat(result.nextHops(v)).as("next hops to %s", v).containsExactlyElementsOf(expectedHops);
            int[] indices = result.nextHopIndices(topology.indexOf(v));
            assertThat(IntStream.of(indices).mapToObj(topology::id).sorted().toList())
                    .containsExactlyElementsOf(expectedHops);
        }
        assertThat(result.reachableCount()).isEqualTo(reachable);
    }

    @Test
    void shouldProduceManyTiesAcrossTheRandomGraphs() {
        // Guards the property test above: it must actually exercise multipath.
        long multipath = randomGraphs().limit(60).mapToLong(s -> {
            SpfResult r = new SpfCalculator().compute(SpfTopology.build(s.nodes()), s.source());
            return s.nodes().keySet().stream().filter(v -> r.nextHops(v).size() > 1).count();
        }).sum();
        long disconnected = randomGraphs().limit(60).filter(s -> new SpfCalculator()
                .compute(SpfTopology.build(s.nodes()), s.source()).reachableCount() < s.nodes().size()).count();

        assertThat(multipath).isGreaterThan(500);
        assertThat(disconnected).isGreaterThan(10);
    }
}
