package io.dmsc.node.config;

import java.util.List;

/**
 * A whole mesh in one file: its nodes and links. Each node's own {@link NodeConfig} is derived
 * from it, so one file describes a mesh run in one JVM ({@code dmsc up}) or as one process per
 * node ({@code dmsc run --topology FILE --node ID}).
 *
 * @param file  where it was read from
 * @param name  optional name
 * @param nodes the nodes' settings, neighbours derived from the links
 * @param links the links
 */
public record TopologyConfig(String file, String name, List<NodeConfig> nodes, List<Link> links) {
    /**
     * One link.
     *
     * @param a      one end
     * @param b      other end
     * @param metric metric in both directions
     */
    public record Link(String a, String b, int metric) {
    }

    /** Copies the lists. */
    public TopologyConfig {
        nodes = List.copyOf(nodes);
        links = List.copyOf(links);
    }

    /**
     * @param id a node id
     * @return its settings
     * @throws ConfigException if the file has no such node
     */
    public NodeConfig node(String id) {
        for (NodeConfig n : nodes) {
            if (n.id().equals(id)) {
                return n;
            }
        }
        throw new ConfigException(file + ": nodes: no node '" + id + "' (expected one of: "
                + String.join(", ", nodes.stream().map(NodeConfig::id).toList()) + ")");
    }
}
