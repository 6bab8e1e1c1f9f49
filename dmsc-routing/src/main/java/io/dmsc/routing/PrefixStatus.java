package io.dmsc.routing;

import io.dmsc.wire.ServicePrefix;

/**
 * One advertisement of a prefix as route installation sees it: who advertises it, who owns it,
 * until when, and whether it is installed. Immutable.
 *
 * @param prefix          the prefix
 * @param origin          the advertising node
 * @param cost            the advertised cost
 * @param owner           the owner named by its authorization (pod id, or the SG), empty if none
 * @param notAfterEpochMs end of validity, ms since the epoch (0: no expiry)
 * @param rejection       why it is not installed, or null if it is installable
 * @param detail          a sentence about the rejection, empty if installable
 */
public record PrefixStatus(ServicePrefix prefix, String origin, int cost, String owner, long notAfterEpochMs,
                           PrefixRejection rejection, String detail) {
    /** @return "installed", or "rejected: REASON" */
    public String state() {
        return rejection == null ? "installed" : "rejected: " + rejection.label();
    }
}
