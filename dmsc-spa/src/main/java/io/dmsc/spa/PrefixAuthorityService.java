package io.dmsc.spa;

import io.dmsc.wire.InvalidNameException;
import io.dmsc.wire.NodeIds;
import io.dmsc.wire.ServicePrefix;
import io.dmsc.wire.auth.PrefixAuthorization;
import io.dmsc.wire.auth.SpaKeys;
import io.dmsc.wire.proto.spa.v1.AuthorizeRequest;
import io.dmsc.wire.proto.spa.v1.AuthorizeResponse;
import io.dmsc.wire.proto.spa.v1.DenyReason;
import io.dmsc.wire.proto.spa.v1.PrefixAuthorityGrpc;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.security.SecureRandom;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The PrefixAuthority gRPC service: validates a request, decides it with the policy in force
 * and signs a grant with the key in force. Stateless apart from those two, so any replica
 * answers any SG. Logs one line per decision and never the credential. Thread-safe.
 */
final class PrefixAuthorityService extends PrefixAuthorityGrpc.PrefixAuthorityImplBase {
    private static final Logger LOG = LoggerFactory.getLogger(PrefixAuthorityService.class);
    /** A grant is valid from this long before it was issued, for clocks a little behind the SPA's. */
    static final long CLOCK_SKEW_MS = 30_000;
    /** Longest endpoint text accepted. */
    static final int MAX_ENDPOINT_LENGTH = 300;

    private final String spaId;
    private final Supplier<SpaState> state;
    private final long lifetimeMs;
    private final SpaMetrics metrics;
    private final LongSupplier wallClockMs;
    private final SecureRandom random = new SecureRandom();

    PrefixAuthorityService(String spaId, Supplier<SpaState> state, long lifetimeMs, SpaMetrics metrics,
                           LongSupplier wallClockMs) {
        this.spaId = spaId;
        this.state = state;
        this.lifetimeMs = lifetimeMs;
        this.metrics = metrics;
        this.wallClockMs = wallClockMs;
    }

    /** The node identity the caller proved with its TLS client certificate (none on plaintext). */
    static final io.grpc.Context.Key<CallerIdentity> CALLER = io.grpc.Context.key("dmsc-spa-caller");

    /**
     * Who called: the node its certificate names, or why its certificate names none.
     *
     * @param identity the identity, or null
     * @param problem  why the certificate is not a node of this mesh, or null
     */
    record CallerIdentity(io.dmsc.node.security.MeshIdentity identity, String problem) {
        static final CallerIdentity NONE = new CallerIdentity(null, null);
    }

    /**
     * @param mesh the mesh whose node certificates identify SGs
     * @return an interceptor that puts the caller's identity into the call's context
     */
    static io.grpc.ServerInterceptor callerInterceptor(String mesh) {
        return new io.grpc.ServerInterceptor() {
            @Override
            public <Q, R> io.grpc.ServerCall.Listener<Q> interceptCall(io.grpc.ServerCall<Q, R> call,
                    io.grpc.Metadata headers, io.grpc.ServerCallHandler<Q, R> next) {
                CallerIdentity caller;
                try {
                    io.dmsc.node.security.MeshIdentity id = io.dmsc.node.security.GrpcTls.peer(
                            call.getAttributes().get(io.grpc.Grpc.TRANSPORT_ATTR_SSL_SESSION));
                    caller = id == null ? CallerIdentity.NONE
                            : id.kind() == io.dmsc.node.security.MeshIdentity.Kind.NODE && id.mesh().equals(mesh)
                            ? new CallerIdentity(id, null)
                            : new CallerIdentity(null, "the caller's certificate is for " + id + " (expected: an SG's "
                                    + "node certificate spiffe://" + mesh + "/node/ID)");
                } catch (IllegalArgumentException e) {
                    caller = new CallerIdentity(null, "the caller's certificate names no mesh identity: "
                            + e.getMessage());
                }
                return io.grpc.Contexts.interceptCall(io.grpc.Context.current().withValue(CALLER, caller), call,
                        headers, next);
            }
        };
    }

    @Override
    public void authorize(AuthorizeRequest request, StreamObserver<AuthorizeResponse> response) {
        String problem = validate(request);
        if (problem != null) {
            metrics.invalidRequest();
            LOG.info("{}: invalid request from sg '{}': {}", spaId, printable(request.getSgId()), problem);
            response.onError(Status.INVALID_ARGUMENT.withDescription(problem).asRuntimeException());
            return;
        }
        CallerIdentity caller = CALLER.get();
        response.onNext(decide(request, caller == null ? CallerIdentity.NONE : caller));
        response.onCompleted();
    }

    AuthorizeResponse decide(AuthorizeRequest request) {
        return decide(request, CallerIdentity.NONE);
    }

    AuthorizeResponse decide(AuthorizeRequest request, CallerIdentity caller) {
        ServicePrefix prefix = ServicePrefix.parse(request.getPrefix());
        String who = request.getPodId().isEmpty() ? "node " + request.getSgId() : "pod " + request.getPodId();
        SpaState s = state.get();
        SpaPolicy.Decision d;
        if (caller.problem() != null) {
            d = SpaPolicy.Decision.deny(DenyReason.BAD_CREDENTIAL, caller.problem());
        } else if (caller.identity() != null && !caller.identity().id().equals(request.getSgId())) {
            d = SpaPolicy.Decision.deny(DenyReason.BAD_CREDENTIAL, "the caller's certificate is for node "
                    + caller.identity().id() + ", the request is for SG " + request.getSgId() + " (expected: an SG "
                    + "asks for itself)");
        } else if (request.getCredential().hasCertificateIdentity() && caller.identity() == null) {
            d = SpaPolicy.Decision.deny(DenyReason.BAD_CREDENTIAL, "a certificate identity is taken only from an SG "
                    + "that proves its own node identity over TLS (expected: the SG connects with its node "
                    + "certificate, or the pod presents a token)");
        } else {
            d = s.policy().decide(request.getSgId(), request.getPodId(), request.getCredential().getToken(),
                    request.getCredential().getCertificateIdentity(), prefix, request.getEndpoint(),
                    request.getEndpointIsOwn());
        }
        if (!d.granted()) {
            metrics.denied(d.reason());
            LOG.info("{}: denied {} of {} via {}: {}: {}", spaId, prefix, who, request.getSgId(), d.reason(),
                    d.message());
            return AuthorizeResponse.newBuilder().setGranted(false).setReason(d.reason()).setMessage(d.message())
                    .build();
        }
        long now = wallClockMs.getAsLong();
        byte[] keyId = SpaKeys.keyId(s.key().getPublic());
        PrefixAuthorization unsigned = new PrefixAuthorization(keyId, now - CLOCK_SKEW_MS, now + lifetimeMs,
                random.nextLong(), prefix, request.getPodId(), request.getSgId(), null);
        PrefixAuthorization signed = unsigned.withSignature(SpaKeys.sign(s.key().getPrivate(), unsigned.signedBytes()));
        metrics.granted();
        LOG.info("{}: granted {} to {} via {} until {} (key {}, serial {})", spaId, prefix, who, request.getSgId(),
                java.time.Instant.ofEpochMilli(signed.notAfterMs()), signed.keyIdHex(),
                Long.toUnsignedString(signed.serial(), 16));
        return AuthorizeResponse.newBuilder().setGranted(true)
                .setAuthorization(com.google.protobuf.ByteString.copyFrom(signed.encode()))
                .setNotBeforeMs(signed.notBeforeMs()).setNotAfterMs(signed.notAfterMs())
                .setKeyId(signed.keyIdHex()).build();
    }

    /** @return what is wrong with the request, or null if it can be decided */
    static String validate(AuthorizeRequest r) {
        if (!NodeIds.isValid(r.getSgId())) {
            return "sg_id '" + printable(r.getSgId()) + "' (expected: the asking SG's node id, 1 to 64 of letters, "
                    + "digits, . _ -)";
        }
        if (!r.getPodId().isEmpty() && !NodeIds.isValid(r.getPodId())) {
            return "pod_id '" + printable(r.getPodId()) + "' (expected: empty for the SG's own prefixes, or 1 to 64 "
                    + "of letters, digits, . _ -)";
        }
        try {
            ServicePrefix.parse(r.getPrefix());
        } catch (InvalidNameException e) {
            return "prefix: " + e.getMessage();
        }
        if (r.getEndpoint().length() > MAX_ENDPOINT_LENGTH) {
            return "endpoint of " + r.getEndpoint().length() + " characters (expected: HOST:PORT, at most "
                    + MAX_ENDPOINT_LENGTH + ")";
        }
        // A missing credential is not malformed: the policy denies it as BAD_CREDENTIAL.
        return null;
    }

    private static String printable(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length() && b.length() < 80; i++) {
            char c = s.charAt(i);
            b.append(c < 0x20 || c == 0x7f ? '?' : c);
        }
        return s.length() > 80 ? b + "..." : b.toString();
    }
}
