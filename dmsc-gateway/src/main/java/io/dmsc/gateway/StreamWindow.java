package io.dmsc.gateway;

/**
 * End-to-end credit of one end of a stream: how many MESSAGE payload bytes it may still send
 * before the other end grants more, and how many it has consumed and not yet granted back.
 * Grants are batched by half a window, so a stream of small messages costs no update per
 * message. Data-plane loop only.
 */
final class StreamWindow {
    private final int window;
    private long sendCredit;
    private long consumedUngranted;

    /** @param window initial credit in each direction, bytes */
    StreamWindow(int window) {
        this.window = window;
        this.sendCredit = window;
    }

    /** A new attempt of the call starts with a fresh window at the new egress. */
    void resetSendCredit() {
        sendCredit = window;
    }

    /** @param bytes payload just sent */
    void sent(int bytes) {
        sendCredit -= bytes;
    }

    /** @param bytes credit the other end granted */
    void granted(int bytes) {
        sendCredit += bytes;
    }

    /** @return true while credit remains (a message may overdraw it once) */
    boolean canSend() {
        return sendCredit > 0;
    }

    /** @param bytes payload handed on (to gRPC, or into a message being reassembled) */
    void consumed(int bytes) {
        consumedUngranted += bytes;
    }

    /** @return bytes to grant back now, 0 if not yet worth an update; counted as granted */
    int takeGrant() {
        if (consumedUngranted == 0 || consumedUngranted < window / 2) {
            return 0;
        }
        int g = (int) consumedUngranted;
        consumedUngranted = 0;
        return g;
    }
}
