package io.dmsc.routing;

import io.dmsc.wire.link.LinkStatePdu;

/**
 * Signs the LSP fragments a node originates (and the purges it makes) and verifies those it
 * receives: the port through which node identity reaches the link-state protocol. The crypto
 * lives outside {@code dmsc-routing}; implementations must be fast enough for the protocol's
 * thread (results are cached by the implementation) and thread-safe.
 */
public interface LspAuthenticator {
    /**
     * @param pdu an LSP this node originates, or a purge it makes
     * @return the same LSP carrying this node's signature
     */
    LinkStatePdu sign(LinkStatePdu pdu);

    /**
     * Checks a received LSP: a live LSP must be signed by its origin, a purge by any node of the
     * mesh.
     *
     * @param pdu   the LSP as received
     * @param nowNs the protocol's clock
     * @return null if it may be installed, else why not
     */
    LspRejection verify(LinkStatePdu pdu, long nowNs);

    /**
     * @return bytes each fragment must leave free for the signature and certificate
     */
    int overheadBytes();

    /**
     * @param pdu an LSP that {@link #verify} accepted
     * @return the node that signed it, or null when LSPs are not signed
     */
    default String signer(LinkStatePdu pdu) {
        return null;
    }

    /** Why a received LSP was not installed. */
    enum LspRejection {
        /** No signature in a secured mesh. */
        UNSIGNED,
        /** The certificate is not one of the mesh CA's, or not valid now. */
        UNTRUSTED_CERTIFICATE,
        /** The certificate is for another node than the LSP's origin. */
        WRONG_SIGNER,
        /** The signature does not match the content. */
        BAD_SIGNATURE;

        /** @return the name in lower case with dashes, for metrics and status */
        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
        }
    }

    /** Unsigned LSPs, everything accepted: a mesh without node identity. */
    LspAuthenticator NONE = new LspAuthenticator() {
        @Override
        public LinkStatePdu sign(LinkStatePdu pdu) {
            return pdu;
        }

        @Override
        public LspRejection verify(LinkStatePdu pdu, long nowNs) {
            return null;
        }

        @Override
        public int overheadBytes() {
            return 0;
        }
    };
}
