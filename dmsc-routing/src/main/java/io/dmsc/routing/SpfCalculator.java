package io.dmsc.routing;

import java.util.Arrays;

/**
 * Dijkstra from one source with equal-cost multipath, over an {@link SpfTopology}. An
 * overloaded node is reached but never used for transit (ISO 10589 overload bit). A pure
 * function; instances hold reusable scratch arrays, so one instance must not be used by two
 * threads at once.
 */
public final class SpfCalculator {
    private static final int[] EMPTY = new int[0];

    private long[] heapKey = new long[16];
    private int[] heapNode = new int[16];
    private int heapSize;

    /**
     * Computes the shortest-path tree.
     *
     * @param topology the graph
     * @param sourceId the computing node
     * @return the tree; every node unreachable if the source is not in the graph
     */
    public SpfResult compute(SpfTopology topology, String sourceId) {
        int n = topology.size();
        long[] dist = new long[n];
        Arrays.fill(dist, SpfResult.UNREACHABLE);
        int[][] nextHops = new int[n][];
        int source = topology.indexOf(sourceId);
        if (source < 0) {
            return new SpfResult(topology, -1, dist, nextHops);
        }
        boolean[] settled = new boolean[n];
        dist[source] = 0;
        nextHops[source] = EMPTY;
        heapSize = 0;
        push(0, source);
        while (heapSize > 0) {
            long d = heapKey[0];
            int u = pop();
            if (settled[u] || d != dist[u]) {
                continue;
            }
            settled[u] = true;
            if (u != source && topology.overloaded(u)) {
                continue;
            }
            int[] viaU = nextHops[u];
            for (int e = topology.edgeStart(u), end = topology.edgeEnd(u); e < end; e++) {
                int v = topology.target(e);
                if (settled[v]) {
                    continue;
                }
                long nd = d + topology.metric(e);
                int[] hops = u == source ? new int[] {v} : viaU;
                if (nd < dist[v]) {
                    dist[v] = nd;
                    nextHops[v] = hops;
                    push(nd, v);
                } else if (nd == dist[v]) {
                    nextHops[v] = union(nextHops[v], hops);
                }
            }
        }
        return new SpfResult(topology, source, dist, nextHops);
    }

    /** Sorted-set union of two sorted int arrays; returns an input when it already holds both. */
    private static int[] union(int[] a, int[] b) {
        if (a == b) {
            return a;
        }
        int[] out = new int[a.length + b.length];
        int i = 0;
        int j = 0;
        int k = 0;
        while (i < a.length && j < b.length) {
            if (a[i] < b[j]) {
                out[k++] = a[i++];
            } else if (a[i] > b[j]) {
                out[k++] = b[j++];
            } else {
                out[k++] = a[i++];
                j++;
            }
        }
        while (i < a.length) {
            out[k++] = a[i++];
        }
        while (j < b.length) {
            out[k++] = b[j++];
        }
        if (k == a.length) {
            return a;
        }
        if (k == b.length) {
            return b;
        }
        return k == out.length ? out : Arrays.copyOf(out, k);
    }

    private void push(long key, int node) {
        if (heapSize == heapKey.length) {
            heapKey = Arrays.copyOf(heapKey, heapSize * 2);
            heapNode = Arrays.copyOf(heapNode, heapSize * 2);
        }
        int i = heapSize++;
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            if (heapKey[parent] <= key) {
                break;
            }
            heapKey[i] = heapKey[parent];
            heapNode[i] = heapNode[parent];
            i = parent;
        }
        heapKey[i] = key;
        heapNode[i] = node;
    }

    private int pop() {
        int top = heapNode[0];
        int size = --heapSize;
        if (size > 0) {
            long key = heapKey[size];
            int node = heapNode[size];
            int i = 0;
            while (true) {
                int child = 2 * i + 1;
                if (child >= size) {
                    break;
                }
                if (child + 1 < size && heapKey[child + 1] < heapKey[child]) {
                    child++;
                }
                if (heapKey[child] >= key) {
                    break;
                }
                heapKey[i] = heapKey[child];
                heapNode[i] = heapNode[child];
                i = child;
            }
            heapKey[i] = key;
            heapNode[i] = node;
        }
        return top;
    }
}
