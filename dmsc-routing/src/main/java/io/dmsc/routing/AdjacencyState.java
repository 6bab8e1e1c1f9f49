package io.dmsc.routing;

/** States of one adjacency (point-to-point, three-way in spirit of RFC 5303). */
public enum AdjacencyState {
    /** Nothing heard within the hold time. */
    DOWN,
    /** The neighbour's hellos arrive but do not list us yet. */
    INIT,
    /** Both sides hear each other: the adjacency counts in SPF. */
    UP
}
