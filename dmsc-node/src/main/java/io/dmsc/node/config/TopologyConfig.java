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
 * @param spas  the Service Prefix Authentication entities ({@code role: spa} entries)
 */
public record TopologyConfig(String file, String name, List<NodeConfig> nodes, List<Link> links, List<SpaConfig> spas) {
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
        spas = List.copyOf(spas);
    }

    /**
     * The same mesh without prefix authorization: no SPAs, no SG asks one, every node in mode
     * open. For tests and baselines that use pods and prefixes no policy lists.
     *
     * @return the open variant
     */
    public TopologyConfig withoutAuthorization() {
        List<NodeConfig> open = new java.util.ArrayList<>();
        for (NodeConfig n : nodes) {
            NodeConfig o = n.withAuthorization(AuthorizationConfig.OPEN);
            open.add(o.gateway() == null ? o : o.withGateway(o.gateway().withSpa(null)));
        }
        return new TopologyConfig(file, name, open, links, List.of());
    }

    /**
     * @param id an id
     * @return the SPA with that id, or null if it is not an SPA of this file
     */
    public SpaConfig spa(String id) {
        for (SpaConfig s : spas) {
            if (s.id().equals(id)) {
                return s;
            }
        }
        return null;
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
        List<String> ids = new java.util.ArrayList<>(nodes.stream().map(NodeConfig::id).toList());
        ids.addAll(spas.stream().map(SpaConfig::id).toList());
        throw new ConfigException(file + ": nodes: no node '" + id + "' (expected one of: " + String.join(", ", ids)
                + ")");
    }
}
