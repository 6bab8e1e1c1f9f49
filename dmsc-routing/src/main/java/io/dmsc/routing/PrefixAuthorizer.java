package io.dmsc.routing;

import io.dmsc.wire.link.PrefixEntry;

/**
 * The port through which route installation asks whether a prefix entry of an LSP carries a
 * valid authorization (signal type 3). The signature check lives outside this module (in the
 * node runtime); this module stays pure and hands the time in. Called on the protocol's owner
 * thread, only for entries that are new or changed: an unchanged entry in a refreshed or
 * re-flooded LSP keeps its earlier verdict.
 */
@FunctionalInterface
public interface PrefixAuthorizer {
    /**
     * Installs every prefix without looking at authorizations: a mesh without SPA.
     */
    PrefixAuthorizer OPEN = new PrefixAuthorizer() {
        @Override
        public AuthorizationVerdict verify(String origin, PrefixEntry entry, long nowNs) {
            return AuthorizationVerdict.OPEN;
        }

        @Override
        public boolean required() {
            return false;
        }
    };

    /**
     * Verifies the authorization of one entry. Must not block for long (it runs on the control
     * thread); must not throw.
     *
     * @param origin the origin of the LSP carrying the entry
     * @param entry  the prefix entry with its authorization bytes
     * @param nowNs  current time of the protocol's clock; the verdict's validity is in this timebase
     * @return the verdict
     */
    AuthorizationVerdict verify(String origin, PrefixEntry entry, long nowNs);

    /** @return true if prefixes need a valid authorization (mode {@code required}) */
    default boolean required() {
        return true;
    }
}
