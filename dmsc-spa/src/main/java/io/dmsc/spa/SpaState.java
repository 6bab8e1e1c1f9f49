package io.dmsc.spa;

import java.security.KeyPair;
import java.util.Objects;

/**
 * What an SPA decides and signs with: one policy and one signing key, replaced together or one
 * at a time on reload. Immutable.
 *
 * @param policy the policy in force
 * @param key    the signing key pair in force
 */
record SpaState(SpaPolicy policy, KeyPair key) {
    SpaState {
        Objects.requireNonNull(policy, "policy");
        Objects.requireNonNull(key, "key");
    }
}
