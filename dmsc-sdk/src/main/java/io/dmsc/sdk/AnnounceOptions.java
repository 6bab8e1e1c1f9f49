package io.dmsc.sdk;

import java.util.Objects;

/**
 * Optional attributes of an announcement: weight among the gateway's local endpoints of the same
 * prefix, zone and version labels. Immutable; {@code with*} methods return a copy.
 */
public final class AnnounceOptions {
    private static final AnnounceOptions DEFAULTS = new AnnounceOptions(0, "", "");

    private final int weight;
    private final String zone;
    private final String version;

    private AnnounceOptions(int weight, String zone, String version) {
        this.weight = weight;
        this.zone = zone;
        this.version = version;
    }

    /**
     * No weight (the gateway treats it as 1), no zone, no version.
     *
     * @return the default options
     */
    public static AnnounceOptions defaults() {
        return DEFAULTS;
    }

    /**
     * Sets the relative share of calls among the gateway's local endpoints of the same prefix.
     *
     * @param weight 0 (meaning 1) or more
     * @return a copy with the weight
     * @throws IllegalArgumentException if the weight is negative
     */
    public AnnounceOptions withWeight(int weight) {
        if (weight < 0) {
            throw new IllegalArgumentException("weight: " + weight + " (expected: >= 0)");
        }
        return new AnnounceOptions(weight, zone, version);
    }

    /**
     * Sets the placement label (zone, rack).
     *
     * @param zone the label, empty for none
     * @return a copy with the zone
     */
    public AnnounceOptions withZone(String zone) {
        return new AnnounceOptions(weight, Objects.requireNonNull(zone, "zone"), version);
    }

    /**
     * Sets the version label of the service.
     *
     * @param version the label, empty for none
     * @return a copy with the version
     */
    public AnnounceOptions withVersion(String version) {
        return new AnnounceOptions(weight, zone, Objects.requireNonNull(version, "version"));
    }

    /**
     * Returns the weight.
     *
     * @return the weight; 0 means 1
     */
    public int weight() {
        return weight;
    }

    /**
     * Returns the zone label.
     *
     * @return the zone, empty for none
     */
    public String zone() {
        return zone;
    }

    /**
     * Returns the version label.
     *
     * @return the version, empty for none
     */
    public String version() {
        return version;
    }

    @Override
    public String toString() {
        return "AnnounceOptions{weight=" + weight + ", zone='" + zone + "', version='" + version + "'}";
    }
}
