package io.dmsc.sdk;

/** Where a {@link DmscMesh}'s attach stream to its Service Gateway stands. */
public enum AttachState {
    /** {@link DmscMesh#connect()} has not been called yet. */
    IDLE,
    /** A stream is open and the Hello is sent; no Welcome yet. */
    CONNECTING,
    /** The gateway answered Welcome; announcements are live. */
    ATTACHED,
    /** The stream ended; the gateway withdrew every prefix; a reconnect is scheduled. */
    DETACHED,
    /** {@link DmscMesh#close()} was called. Terminal. */
    CLOSED
}
