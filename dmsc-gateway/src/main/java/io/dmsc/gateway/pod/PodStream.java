package io.dmsc.gateway.pod;

import io.dmsc.node.link.HostPort;
import io.dmsc.wire.InvalidNameException;
import io.dmsc.wire.ServicePrefix;
import io.dmsc.wire.proto.attach.v1.Announce;
import io.dmsc.wire.proto.attach.v1.AnnounceResult;
import io.dmsc.wire.proto.attach.v1.EndpointHealth;
import io.dmsc.wire.proto.attach.v1.GatewayMessage;
import io.dmsc.wire.proto.attach.v1.Hello;
import io.dmsc.wire.proto.attach.v1.PodMessage;
import io.dmsc.wire.proto.attach.v1.PrefixRevoked;
import io.dmsc.wire.proto.attach.v1.RejectReason;
import io.dmsc.wire.proto.attach.v1.Welcome;
import io.dmsc.wire.proto.attach.v1.Withdraw;
import io.dmsc.wire.proto.attach.v1.WithdrawResult;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One pod's attach stream: the signal type 1 protocol state machine (Hello, then Announce and
 * Withdraw in any order) and the pod's announcements.
 *
 * <p>Threading: gRPC calls the {@link StreamObserver} methods on its own threads, one at a time;
 * each call hops onto the {@link PodRegistry}'s event loop, which owns every field below and is
 * the only thread that writes to the response stream. Inbound flow control is manual: the next
 * pod message is requested once the previous one was handled and the response stream is ready,
 * so a pod that floods without reading its answers is slowed down instead of filling memory.
 */
final class PodStream implements StreamObserver<PodMessage> {
    private static final Logger log = LoggerFactory.getLogger(PodStream.class);
    /** Rejections and failed streams: one line per gateway, pod (or peer host) and reason every 10 s. */
    private static final io.dmsc.node.logging.RateLimitedLog LIMITED = new io.dmsc.node.logging.RateLimitedLog(log);

    /** Longest pod id. */
    static final int MAX_POD_ID_LENGTH = 64;
    /** Longest zone or version label. */
    static final int MAX_LABEL_LENGTH = 256;
    /**
     * Longest endpoint, in its canonical form: what the SPA takes in a request (docs/PROTOCOL.md,
     * signal type 3), so a longer one is refused here as INVALID_ENDPOINT, not by the SPA.
     */
    static final int MAX_ENDPOINT_LENGTH = 300;

    /**
     * Stands for a message whose bytes were no PodMessage at all (see
     * {@code AttachService.serviceDefinition()}); recognized by identity.
     */
    static final PodMessage MALFORMED = PodMessage.newBuilder().build();

    /** A pod's announcement is identified by prefix and endpoint. */
    record Key(ServicePrefix prefix, String endpoint) {
    }

    private enum StreamState { AWAITING_HELLO, ATTACHED, CLOSED }

    /** An announcement waiting for {@link PrefixAdmission}. */
    private static final class Pending {
        final Announce announce;
        final PodEndpoint endpoint;
        /** Times no SPA could be reached for it. */
        int unreachable;

        Pending(Announce announce, PodEndpoint endpoint) {
            this.announce = announce;
            this.endpoint = endpoint;
        }
    }

    private final PodRegistry registry;
    private final PrefixAdmission admission;
    private final String gatewayId;
    private final int maxAnnouncements;
    private final ServerCallStreamObserver<GatewayMessage> out;
    private final String remoteAddress;
    /** The peer's IP address, or null if unknown. */
    private final java.net.InetAddress peer;

    // All below: accessed on the registry's loop only.
    private StreamState state = StreamState.AWAITING_HELLO;
    private String podId;
    /** Secret: never logged, never in an exception or a toString. */
    private String credential;
    /** What the pod's TLS client certificate proved. */
    private final AttachService.PodCertificate certificate;
    private Instant attachedSince;
    private final Map<Key, PodEndpoint> announcements = new LinkedHashMap<>();
    private final Set<Pending> pending = new LinkedHashSet<>();
    private boolean awaitingReady;

    PodStream(PodRegistry registry, PrefixAdmission admission, String gatewayId, int maxAnnouncements,
            ServerCallStreamObserver<GatewayMessage> out, String remoteAddress, java.net.InetAddress peer,
            AttachService.PodCertificate certificate) {
        this.peer = peer;
        this.certificate = certificate;
        this.registry = registry;
        this.admission = admission;
        this.gatewayId = gatewayId;
        this.maxAnnouncements = maxAnnouncements;
        this.out = out;
        this.remoteAddress = remoteAddress;
        // Called on the gRPC thread in the service method, before the call starts.
        out.disableAutoRequest();
        // With a cancel handler, writing to a cancelled call is a no-op instead of an exception.
        out.setOnCancelHandler(() -> registry.execute(() -> end("the stream was cancelled")));
        out.setOnReadyHandler(() -> registry.execute(this::requestNextIfReady));
        out.request(1);
    }

    // ---- StreamObserver, called by gRPC on its threads

    @Override
    public void onNext(PodMessage message) {
        registry.execute(() -> {
            try {
                handle(message);
            } catch (RuntimeException | Error e) {
                log.error("pod {}: failed to handle a {} message; ending its stream", displayId(),
                        message.getKindCase(), e);
                fail(Status.INTERNAL.withDescription("the gateway failed to handle the "
                        + message.getKindCase() + " message: " + e + " (expected: this is a gateway bug; "
                        + "attach again)"));
            }
            requestNext();
        });
    }

    @Override
    public void onError(Throwable t) {
        registry.execute(() -> end("the stream broke: " + EndpointHealthChecker.describe(Status.fromThrowable(t))));
    }

    @Override
    public void onCompleted() {
        registry.execute(() -> {
            if (state != StreamState.CLOSED) {
                end("the pod closed the stream");
                try {
                    out.onCompleted();
                } catch (RuntimeException e) {
                    log.debug("pod {}: could not complete the response stream", displayId(), e);
                }
            }
        });
    }

    // ---- protocol, on the loop

    private void handle(PodMessage message) {
        if (state == StreamState.CLOSED) {
            return;
        }
        if (message == MALFORMED) {
            fail(Status.INVALID_ARGUMENT.withDescription("a message that is not a valid dmsc.attach.v1.PodMessage "
                    + "(protobuf parsing failed) (expected: a PodMessage as defined in dmsc/attach/v1/attach.proto)"));
            return;
        }
        switch (message.getKindCase()) {
            case HELLO -> onHello(message.getHello());
            case ANNOUNCE -> {
                if (requireAttached("Announce")) {
                    onAnnounce(message.getAnnounce());
                }
            }
            case WITHDRAW -> {
                if (requireAttached("Withdraw")) {
                    onWithdraw(message.getWithdraw());
                }
            }
            default -> fail(Status.INVALID_ARGUMENT.withDescription("PodMessage with no kind set (expected: exactly one "
                    + "of hello, announce, withdraw; a kind unknown to this gateway also arrives as none)"));
        }
    }

    private boolean requireAttached(String what) {
        if (state == StreamState.ATTACHED) {
            return true;
        }
        fail(Status.FAILED_PRECONDITION.withDescription(what + " before Hello (expected: Hello with the pod id and "
                + "credential as the first message of the stream)"));
        return false;
    }

    private void onHello(Hello hello) {
        if (state == StreamState.ATTACHED) {
            fail(Status.FAILED_PRECONDITION.withDescription("second Hello on the stream of pod '" + podId
                    + "' (expected: Hello only as the first message of the stream)"));
            return;
        }
        String id = hello.getPodId();
        String problem = checkPodId(id);
        if (problem != null) {
            fail(Status.INVALID_ARGUMENT.withDescription(problem));
            return;
        }
        if (certificate.problem() != null) {
            fail(Status.UNAUTHENTICATED.withDescription(certificate.problem()));
            return;
        }
        if (certificate.identity() != null && !certificate.identity().id().equals(id)) {
            fail(Status.UNAUTHENTICATED.withDescription("the client certificate is for pod '"
                    + certificate.identity().id() + "', the Hello says '" + id + "' (expected: the pod id of the "
                    + "certificate)"));
            return;
        }
        PodStream other = registry.attached(id);
        if (other != null) {
            fail(Status.ALREADY_EXISTS.withDescription("pod id '" + id + "' is already attached from "
                    + other.remoteAddress + " since " + other.attachedSince
                    + " (expected: one attach stream per pod; end the other stream or use another pod id)"));
            return;
        }
        String full = registry.podRefusal();
        if (full != null) {
            fail(Status.RESOURCE_EXHAUSTED.withDescription(full));
            return;
        }
        podId = id;
        credential = hello.getCredential();
        attachedSince = Instant.now();
        if (!registry.attach(this)) {
            fail(Status.UNAVAILABLE.withDescription("the gateway is shutting down (expected: attach again when it is back)"));
            return;
        }
        state = StreamState.ATTACHED;
        log.info("pod {} attached from {}{}", podId, remoteAddress,
                certificate.identity() == null ? "" : " with certificate " + certificate.identity());
        send(GatewayMessage.newBuilder().setWelcome(Welcome.newBuilder().setGatewayId(gatewayId)).build());
    }

    private void onAnnounce(Announce a) {
        ServicePrefix prefix;
        try {
            prefix = ServicePrefix.parse(a.getPrefix());
        } catch (InvalidNameException e) {
            reject(a, RejectReason.INVALID_NAME, e.getMessage());
            return;
        }
        if (prefix.isReserved()) {
            reject(a, RejectReason.RESERVED_NAMESPACE, "service prefix '" + prefix + "': the /"
                    + ServicePrefix.RESERVED_COMPONENT + " namespace is reserved for the mesh's own nodes (expected: "
                    + "a prefix whose first component is not " + ServicePrefix.RESERVED_COMPONENT + ")");
            return;
        }
        String endpoint;
        try {
            endpoint = normalizeEndpoint(a.getEndpoint());
        } catch (IllegalArgumentException e) {
            reject(a, RejectReason.INVALID_ENDPOINT, e.getMessage());
            return;
        }
        if (a.getZone().length() > MAX_LABEL_LENGTH || a.getVersion().length() > MAX_LABEL_LENGTH) {
            // The proto has no reason for a bad label; the message says what is wrong.
            reject(a, RejectReason.INVALID_LABEL, "zone or version label of " + Math.max(
                    a.getZone().length(), a.getVersion().length()) + " characters (expected: at most "
                    + MAX_LABEL_LENGTH + ")");
            return;
        }
        Key key = new Key(prefix, endpoint);
        if (!announcements.containsKey(key) && announcements.size() + pending.size() >= maxAnnouncements) {
            reject(a, RejectReason.LIMIT_EXCEEDED, "pod '" + podId + "' holds " + announcements.size()
                    + " announcements and " + pending.size() + " awaiting authorization (expected: at most "
                    + maxAnnouncements + " per pod; withdraw some first)");
            return;
        }
        String waiting = announcements.containsKey(key) ? null : registry.pendingRefusal();
        if (waiting != null) {
            reject(a, RejectReason.LIMIT_EXCEEDED, waiting);
            return;
        }
        // uint32 on the wire: a weight above 2^31-1 arrives negative.
        int weight = a.getWeight() == 0 ? 1 : a.getWeight() < 0 ? Integer.MAX_VALUE : a.getWeight();
        Pending p = new Pending(a, new PodEndpoint(prefix, endpoint, podId, weight, a.getZone(), a.getVersion()));
        pending.add(p);
        ask(p);
    }

    private PrefixAdmission.Request request(PodEndpoint e) {
        return new PrefixAdmission.Request(podId, credential, e.prefix(), e.endpoint(), isOwnAddress(e.endpoint(), peer),
                certificate.identity() == null ? "" : certificate.identity().uri());
    }

    private CompletableFuture<PrefixAdmission.Decision> admit(PodEndpoint e) {
        CompletableFuture<PrefixAdmission.Decision> decision;
        try {
            decision = admission.admit(request(e));
        } catch (RuntimeException ex) {
            decision = CompletableFuture.failedFuture(ex);
        }
        return decision == null
                ? CompletableFuture.failedFuture(new IllegalStateException("admission returned no future")) : decision;
    }

    private void ask(Pending p) {
        admit(p.endpoint).whenComplete((d, t) -> registry.execute(() -> onDecision(p, d, t)));
    }

    private void onDecision(Pending p, PrefixAdmission.Decision decision, Throwable failure) {
        if (!pending.contains(p) || state != StreamState.ATTACHED) {
            return; // the stream ended, or the pod withdrew the prefix meanwhile
        }
        Announce a = p.announce;
        if (failure != null || decision == null) {
            // No SPA answered: keep the announcement and ask again, telling the pod once.
            p.unreachable++;
            if (p.unreachable == 1) {
                log.info("pod {} announced {} at {}: no prefix authority reachable ({}); retrying", podId,
                        p.endpoint.prefix(), p.endpoint.endpoint(), describe(failure));
                send(GatewayMessage.newBuilder().setAnnounceResult(AnnounceResult.newBuilder()
                        .setRequestId(a.getRequestId())
                        .setPrefix(a.getPrefix())
                        .setEndpoint(a.getEndpoint())
                        .setAccepted(false)
                        .setReason(RejectReason.SPA_UNREACHABLE)
                        .setRetrying(true)
                        .setMessage("prefix authority unreachable: " + describe(failure) + " (the gateway keeps "
                                + "retrying and sends another result for request " + a.getRequestId()
                                + " once a Service Prefix Authentication entity answers)")).build());
            }
            registry.schedule(() -> {
                if (pending.contains(p) && state == StreamState.ATTACHED) {
                    ask(p);
                }
            }, Renewals.retryDelayMs(p.unreachable));
            return;
        }
        pending.remove(p);
        if (!decision.granted()) {
            reject(a, decision.reason(), decision.message());
            return;
        }
        PodEndpoint granted = p.endpoint.withAuthorization(decision.authorization(), decision.authorizedUntilMs());
        String full = registry.roomRefusal(this, granted);
        if (full != null) {
            reject(a, RejectReason.LIMIT_EXCEEDED, full);
            return;
        }
        try {
            registry.put(this, granted);
        } catch (IllegalArgumentException e) {
            reject(a, RejectReason.INVALID_ENDPOINT, "endpoint '" + p.endpoint.endpoint()
                    + "': gRPC cannot build a channel to it: " + e.getMessage() + " (expected: HOST:PORT)");
            return;
        }
        log.info("pod {} announced {} at {} (weight {}): accepted{}", podId, p.endpoint.prefix(),
                p.endpoint.endpoint(), p.endpoint.weight(), decision.authorizedUntilMs() == 0 ? ""
                        : ", authorized until " + Instant.ofEpochMilli(decision.authorizedUntilMs()));
        send(GatewayMessage.newBuilder().setAnnounceResult(AnnounceResult.newBuilder()
                .setRequestId(a.getRequestId())
                .setPrefix(a.getPrefix())
                .setEndpoint(a.getEndpoint())
                .setAccepted(true)
                .setAuthorizedUntilMs(decision.authorizedUntilMs())).build());
        scheduleRenewal(granted);
    }

    /** Renews a grant at half-life, and withdraws it when it expires unrenewed. On the loop. */
    private void scheduleRenewal(PodEndpoint granted) {
        if (granted.authorizedUntilMs() == 0) {
            return; // a mesh without SPA: nothing expires
        }
        long now = System.currentTimeMillis();
        registry.schedule(() -> renew(granted, 0), Renewals.renewDelayMs(now, granted.authorizedUntilMs()));
        registry.schedule(() -> {
            if (current(granted)) {
                revoke(granted, RejectReason.SPA_UNREACHABLE, "the authorization of " + granted.prefix()
                        + " expired at " + Instant.ofEpochMilli(granted.authorizedUntilMs())
                        + " and no prefix authority could renew it (expected: announce again once an SPA is reachable)");
            }
        }, Math.max(0, granted.authorizedUntilMs() - now));
    }

    /** @return true if the grant is still the one the pod's announcement holds */
    private boolean current(PodEndpoint granted) {
        return state == StreamState.ATTACHED
                && announcements.get(new Key(granted.prefix(), granted.endpoint())) == granted;
    }

    private void renew(PodEndpoint granted, int failures) {
        if (!current(granted)) {
            return; // withdrawn, re-announced or revoked meanwhile
        }
        admit(granted).whenComplete((d, t) -> registry.execute(() -> {
            if (!current(granted)) {
                return;
            }
            if (t != null || d == null) {
                long left = granted.authorizedUntilMs() - System.currentTimeMillis();
                log.warn("pod {}: renewal of {} at {} failed ({}); {} ms of validity left, retrying", podId,
                        granted.prefix(), granted.endpoint(), describe(t), Math.max(0, left));
                if (left > 0) {
                    registry.schedule(() -> renew(granted, failures + 1),
                            Math.min(left, Renewals.retryDelayMs(failures + 1)));
                }
                return;
            }
            if (!d.granted()) {
                revoke(granted, d.reason(), d.message());
                return;
            }
            PodEndpoint renewed = granted.withAuthorization(d.authorization(), d.authorizedUntilMs());
            registry.put(this, renewed);
            log.debug("pod {}: {} at {} renewed until {}", podId, granted.prefix(), granted.endpoint(),
                    Instant.ofEpochMilli(d.authorizedUntilMs()));
            scheduleRenewal(renewed);
        }));
    }

    /** Withdraws a granted announcement mesh-wide and tells the pod why. On the loop. */
    private void revoke(PodEndpoint granted, RejectReason reason, String message) {
        registry.remove(this, granted.prefix(), granted.endpoint());
        log.warn("pod {}: {} at {} withdrawn: {}: {}", podId, granted.prefix(), granted.endpoint(), reason, message);
        send(GatewayMessage.newBuilder().setPrefixRevoked(PrefixRevoked.newBuilder()
                .setPrefix(granted.prefix().toString())
                .setEndpoint(granted.endpoint())
                .setReason(reason)
                .setMessage(message)).build());
    }

    private static String describe(Throwable failure) {
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                ? failure.getCause() : failure;
        return cause == null ? "no decision" : cause.getMessage() == null ? cause.toString() : cause.getMessage();
    }

    /**
     * Is the endpoint's host the pod's own address? Only IP literals and {@code localhost} count
     * (the gateway never resolves a name on a pod's word): equal to the stream's peer address, or
     * loopback when the peer is loopback (the pod shares the SG's host).
     */
    static boolean isOwnAddress(String endpoint, java.net.InetAddress peer) {
        if (peer == null) {
            return false;
        }
        String host = HostPort.parse(endpoint).host();
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        java.net.InetAddress address = host.equalsIgnoreCase("localhost") ? java.net.InetAddress.getLoopbackAddress()
                : literalAddress(host);
        return address != null && (address.equals(peer) || (address.isLoopbackAddress() && peer.isLoopbackAddress()));
    }

    /**
     * The address an IP literal stands for, without any name lookup: this runs on the data-plane
     * event loop, with text a pod chose. {@code InetAddress.getByName} resolves, through DNS, any
     * text that does not start like a literal ({@code zz:1}) or only looks like one
     * ({@code 999.1.1.1}), so it is called only for text it parses as an IPv6 literal or refuses.
     *
     * @return the address, or null if the text is not an IPv4 or IPv6 literal
     */
    static java.net.InetAddress literalAddress(String host) {
        byte[] v4 = ipv4(host);
        try {
            if (v4 != null) {
                return java.net.InetAddress.getByAddress(v4);
            }
            if (host.indexOf(':') >= 0 && (host.charAt(0) == ':' || Character.digit(host.charAt(0), 16) >= 0)) {
                // Starts like an IPv6 literal and has a colon: parsed as one, or refused; never resolved.
                return java.net.InetAddress.getByName(host);
            }
        } catch (java.net.UnknownHostException e) {
            return null;
        }
        return null;
    }

    /** @return the four bytes of a dotted-quad IPv4 literal (each part 0 to 255, no leading zero), or null */
    private static byte[] ipv4(String host) {
        byte[] out = new byte[4];
        int part = 0;
        int value = 0;
        int digits = 0;
        for (int i = 0; i <= host.length(); i++) {
            char c = i < host.length() ? host.charAt(i) : '.';
            if (c >= '0' && c <= '9' && digits < 3 && !(digits > 0 && value == 0)) {
                // No leading zero: 010 reads as octal to some parsers, so it is no literal here.
                value = value * 10 + (c - '0');
                digits++;
            } else if (c == '.' && digits > 0 && value <= 255 && part < 4) {
                out[part++] = (byte) value;
                value = 0;
                digits = 0;
            } else {
                return null;
            }
        }
        return part == 4 ? out : null;
    }

    private void reject(Announce a, RejectReason reason, String message) {
        LIMITED.info(gatewayId + " reject " + podId + " " + reason, "pod {} announced {} at {}: rejected ({}): {}",
                podId, printable(a.getPrefix(), 100), printable(a.getEndpoint(), 100), reason, printable(message, 400));
        send(GatewayMessage.newBuilder().setAnnounceResult(AnnounceResult.newBuilder()
                .setRequestId(a.getRequestId())
                .setPrefix(a.getPrefix())
                .setEndpoint(a.getEndpoint())
                .setAccepted(false)
                .setReason(reason)
                .setMessage(message)).build());
    }

    private void onWithdraw(Withdraw w) {
        WithdrawResult.Builder result = WithdrawResult.newBuilder()
                .setRequestId(w.getRequestId())
                .setPrefix(w.getPrefix())
                .setEndpoint(w.getEndpoint());
        ServicePrefix prefix;
        String endpoint = null;
        try {
            prefix = ServicePrefix.parse(w.getPrefix());
            if (!w.getEndpoint().isEmpty()) {
                endpoint = normalizeEndpoint(w.getEndpoint());
            }
        } catch (IllegalArgumentException e) {
            send(GatewayMessage.newBuilder().setWithdrawResult(result.setWithdrawn(false)
                    .setMessage(e.getMessage())).build());
            return;
        }
        int removed = registry.remove(this, prefix, endpoint);
        int cancelled = cancelPending(prefix, endpoint, w.getRequestId());
        String where = endpoint == null ? "" : " at " + endpoint;
        if (removed + cancelled == 0) {
            send(GatewayMessage.newBuilder().setWithdrawResult(result.setWithdrawn(false)
                    .setMessage("pod '" + podId + "' has no announcement of " + prefix + where
                            + " (nothing withdrawn)")).build());
            return;
        }
        log.info("pod {} withdrew {}{}: {} announcement(s)", podId, prefix, where, removed + cancelled);
        send(GatewayMessage.newBuilder().setWithdrawResult(result.setWithdrawn(true)).build());
    }

    /** Answers the announcements of the prefix still awaiting authorization: withdrawn first. */
    private int cancelPending(ServicePrefix prefix, String endpoint, long withdrawRequestId) {
        List<Pending> cancelled = new ArrayList<>();
        for (Iterator<Pending> it = pending.iterator(); it.hasNext();) {
            Pending p = it.next();
            if (p.endpoint.prefix().equals(prefix) && (endpoint == null || p.endpoint.endpoint().equals(endpoint))) {
                it.remove();
                cancelled.add(p);
            }
        }
        for (Pending p : cancelled) {
            reject(p.announce, RejectReason.WITHDRAWN, "withdrawn by request " + withdrawRequestId
                    + " before its authorization completed (expected: announce again to serve it)");
        }
        return cancelled.size();
    }

    /** Ends the stream with an error status and withdraws everything. On the loop. */
    void fail(Status status) {
        if (state == StreamState.CLOSED) {
            return;
        }
        String cause = gatewayId + " fail " + io.dmsc.node.logging.RateLimitedLog.hostOf(remoteAddress) + " "
                + status.getCode();
        LIMITED.warn(cause,
                "pod {} from {}: ending its stream with {}: {}", displayId(), remoteAddress, status.getCode(),
                printable(String.valueOf(status.getDescription()), 400));
        try {
            out.onError(status.asRuntimeException());
        } catch (RuntimeException e) {
            log.debug("pod {}: could not close the response stream", displayId(), e);
        }
        end("ended by the gateway with " + status.getCode());
    }

    /** Forgets the stream and withdraws all the pod's announcements at once. On the loop. */
    private void end(String why) {
        if (state == StreamState.CLOSED) {
            return;
        }
        boolean attached = state == StreamState.ATTACHED;
        state = StreamState.CLOSED;
        pending.clear();
        if (attached) {
            int withdrawn = registry.detach(this);
            log.info("pod {} detached ({}); withdrew {} announcement(s)", podId, why, withdrawn);
        }
    }

    void sendHealth(String endpoint, boolean healthy, String detail) {
        send(GatewayMessage.newBuilder().setEndpointHealth(EndpointHealth.newBuilder()
                .setEndpoint(endpoint).setHealthy(healthy).setDetail(detail)).build());
    }

    private void send(GatewayMessage message) {
        if (state == StreamState.CLOSED) {
            return;
        }
        try {
            out.onNext(message);
        } catch (RuntimeException e) {
            // The call ended under us (cancelled, or closed by the transport).
            end("the stream broke on write: " + e);
        }
    }

    private void requestNext() {
        if (state == StreamState.CLOSED) {
            return;
        }
        if (out.isReady()) {
            out.request(1);
        } else {
            awaitingReady = true;
        }
    }

    private void requestNextIfReady() {
        if (awaitingReady && state != StreamState.CLOSED && out.isReady()) {
            awaitingReady = false;
            out.request(1);
        }
    }

    // ---- accessors for the registry, on the loop

    String podId() {
        return podId;
    }

    String remoteAddress() {
        return remoteAddress;
    }

    /** @return how the pod proves itself: its certificate identity, "token", or "none" (never the token) */
    String provenBy() {
        if (certificate.identity() != null) {
            return certificate.identity().uri();
        }
        return credential == null || credential.isEmpty() ? "none" : "token";
    }

    Instant attachedSince() {
        return attachedSince;
    }

    /** @return announcements awaiting authorization. On the loop. */
    int pendingCount() {
        return pending.size();
    }

    Map<Key, PodEndpoint> announcements() {
        return announcements;
    }

    boolean servesEndpoint(String endpoint) {
        for (PodEndpoint e : announcements.values()) {
            if (e.endpoint().equals(endpoint)) {
                return true;
            }
        }
        return false;
    }

    private String displayId() {
        return podId == null ? "(before Hello)" : podId;
    }

    // ---- input checks

    /** @return what is wrong with a pod id, or null if it is valid */
    static String checkPodId(String id) {
        String expected = " (expected: 1 to " + MAX_POD_ID_LENGTH + " of letters, digits and . _ -)";
        if (id.isEmpty()) {
            return "pod id: empty" + expected;
        }
        if (id.length() > MAX_POD_ID_LENGTH) {
            return "pod id '" + printable(id) + "': " + id.length() + " characters" + expected;
        }
        for (int i = 0; i < id.length(); i++) {
            char c = id.charAt(i);
            if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.'
                    || c == '_' || c == '-')) {
                return "pod id '" + printable(id) + "': contains " + describe(c) + " at position "
                        + (i + 1) + expected;
            }
        }
        return null;
    }

    /**
     * @return the endpoint as {@code host:port} in canonical form
     * @throws IllegalArgumentException saying what is wrong and what is expected
     */
    static String normalizeEndpoint(String text) {
        String expected = " (expected: HOST:PORT of the pod's gRPC server, e.g. 127.0.0.1:50051)";
        if (text.length() > MAX_ENDPOINT_LENGTH) {
            throw new IllegalArgumentException("endpoint of " + text.length() + " characters (expected: HOST:PORT, at "
                    + "most " + MAX_ENDPOINT_LENGTH + ")");
        }
        HostPort hp;
        try {
            hp = HostPort.parse(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("endpoint: " + e.getMessage(), e);
        }
        if (hp.port() == 0) {
            throw new IllegalArgumentException("endpoint '" + printable(text) + "': port 0" + expected);
        }
        String host = hp.host();
        for (int i = 0; i < host.length(); i++) {
            char c = host.charAt(i);
            if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.'
                    || c == '-' || c == '_' || c == ':' || c == '%')) {
                throw new IllegalArgumentException("endpoint '" + printable(text) + "': host contains "
                        + describe(c) + expected);
            }
        }
        String canonical = hp.toString();
        if (canonical.length() > MAX_ENDPOINT_LENGTH) {
            // An IPv6 host gains its brackets.
            throw new IllegalArgumentException("endpoint '" + printable(canonical) + "' of " + canonical.length()
                    + " characters as HOST:PORT (expected: at most " + MAX_ENDPOINT_LENGTH + ")");
        }
        return canonical;
    }

    /** Names a character for an error message. */
    static String describe(char c) {
        if (c == ' ') {
            return "a space";
        }
        if (c < 0x20 || (c >= 0x7f && c < 0xa0) || Character.isSurrogate(c)) {
            return String.format("character U+%04X", (int) c);
        }
        return "'" + c + "'";
    }

    /** Pod input made safe for a message or a log line: control characters escaped, at most 100 characters. */
    static String printable(String s) {
        return printable(s, 100);
    }

    /** Pod input made safe for a message or a log line: control characters escaped, cut at {@code max}. */
    static String printable(String s, int max) {
        StringBuilder sb = new StringBuilder(Math.min(s.length(), max) + 8);
        for (int i = 0; i < s.length() && sb.length() < max; i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                sb.append(String.format("\\u%04x", (int) c));
            } else {
                sb.append(c);
            }
        }
        if (sb.length() >= max && s.length() > max) {
            sb.append("...");
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        return "PodStream{" + displayId() + " from " + remoteAddress + '}';
    }
}
