package io.dmsc.gateway.spa;

import io.dmsc.gateway.pod.PrefixAdmission;
import io.dmsc.wire.proto.attach.v1.RejectReason;
import io.dmsc.wire.proto.spa.v1.AuthorizeRequest;
import io.dmsc.wire.proto.spa.v1.AuthorizeResponse;
import io.dmsc.wire.proto.spa.v1.Credential;
import io.dmsc.wire.proto.spa.v1.DenyReason;
import java.util.concurrent.CompletableFuture;

/**
 * {@link PrefixAdmission} through the SPAs: each announcement (and each renewal) is one
 * Authorize call; a grant carries the signed authorization the SG advertises. The SPA's deny
 * reason becomes the pod's reject reason. Thread-safe; never logs a credential.
 */
public final class SpaAdmission implements PrefixAdmission {
    private final String sgId;
    private final SpaClient client;

    /**
     * @param sgId   the SG's node id (the authorization is bound to it)
     * @param client the SPA client
     */
    public SpaAdmission(String sgId, SpaClient client) {
        this.sgId = sgId;
        this.client = client;
    }

    @Override
    public CompletableFuture<Decision> admit(Request r) {
        AuthorizeRequest request = AuthorizeRequest.newBuilder()
                .setSgId(sgId)
                .setPodId(r.podId())
                .setCredential(r.certificateIdentity().isEmpty() ? Credential.newBuilder().setToken(r.credential())
                        : Credential.newBuilder().setCertificateIdentity(r.certificateIdentity()))
                .setPrefix(r.prefix().toString())
                .setEndpoint(r.endpoint())
                .setEndpointIsOwn(r.endpointIsOwn())
                .build();
        return client.authorize(request).handle((response, failure) -> {
            if (failure == null) {
                return decision(response);
            }
            Throwable cause = failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null
                    ? failure.getCause() : failure;
            if (cause instanceof io.grpc.StatusRuntimeException e
                    && e.getStatus().getCode() == io.grpc.Status.Code.INVALID_ARGUMENT) {
                // Final: asking again would get the same answer.
                return Decision.deny(RejectReason.SPA_DENIED, "the prefix authority refused the request as malformed: "
                        + e.getStatus().getDescription());
            }
            throw failure instanceof java.util.concurrent.CompletionException c ? c
                    : new java.util.concurrent.CompletionException(failure);
        });
    }

    static Decision decision(AuthorizeResponse a) {
        if (a.getGranted()) {
            return Decision.grant(a.getAuthorization().toByteArray(), a.getNotAfterMs());
        }
        return Decision.deny(reason(a.getReason()), a.getMessage().isEmpty() ? "denied by the prefix authority ("
                + a.getReason() + ")" : a.getMessage());
    }

    /**
     * @param r the SPA's deny reason
     * @return the pod's reject reason
     */
    public static RejectReason reason(DenyReason r) {
        return switch (r) {
            case UNKNOWN_IDENTITY -> RejectReason.UNKNOWN_POD;
            case BAD_CREDENTIAL -> RejectReason.BAD_CREDENTIAL;
            case PREFIX_NOT_ALLOWED -> RejectReason.PREFIX_NOT_ALLOWED;
            case RESERVED_NAMESPACE -> RejectReason.RESERVED_NAMESPACE;
            case GATEWAY_NOT_ALLOWED -> RejectReason.GATEWAY_NOT_ALLOWED;
            case ENDPOINT_NOT_ALLOWED -> RejectReason.ENDPOINT_NOT_ALLOWED;
            default -> RejectReason.SPA_DENIED;
        };
    }

    /** @return the client */
    public SpaClient client() {
        return client;
    }
}
