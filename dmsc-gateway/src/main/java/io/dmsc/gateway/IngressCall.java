package io.dmsc.gateway;

import io.dmsc.node.config.RetryPolicyConfig;
import io.dmsc.node.data.FlowHandle;
import io.dmsc.node.data.LocalStream;
import io.dmsc.wire.ServicePrefix;
import io.dmsc.wire.data.DataFrames;
import io.dmsc.wire.link.MalformedFrameException;
import io.dmsc.wire.proto.data.v1.Cancel;
import io.dmsc.wire.proto.data.v1.Close;
import io.dmsc.wire.proto.data.v1.OpenTail;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.Status;
import io.netty.buffer.ByteBuf;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * One call from a pod, carried into the fabric: the ingress half of the forwarding plane.
 * Turns the gRPC call into an OPEN, MESSAGE chunks, HALF_CLOSE (and CANCEL), and the frames
 * coming back into response headers, messages and the final status. Keeps the request messages
 * (up to a bound) until the call commits, so that a call that failed inside the fabric before a
 * pod got it is re-sent transparently on the new path, and a call the retry policy marks
 * idempotent is retried after a retryable failure.
 *
 * <p>Flow control: a request message is asked of the pod only while end-to-end credit remains;
 * response credit is granted back as the pod's connection drains.
 *
 * <p>Thread: the gateway's data-plane event loop (the server runs with a direct executor on it).
 */
final class IngressCall extends ServerCall.Listener<byte[]> implements LocalStream {
    /** Request bytes kept for a retry; a call that sends more is not retried. */
    static final int REPLAY_LIMIT = 1 << 20;

    private final GatewayContext gw;
    private final ServerCall<byte[], byte[]> call;
    private final Metadata requestHeaders;
    private final ServicePrefix target;
    private final String method;
    private final String name;
    private final long deadlineNs;
    private final RetryPolicyConfig policy;
    private final Calls.Reassembly reassembly;

    private FlowHandle flow;
    /** Counted as waiting for a first answer until one comes (or the call ends); then null. */
    private AdmissionLimiter.Target ticket;
    private final long startNs;
    private int attempt;
    /** Counts the current attempt's traffic towards its egress SG, or null when not measured. */
    private EgressTraffic egressTraffic;
    private int transparentRetries;
    private boolean accepted;
    private boolean committed;
    private boolean headersSent;
    private boolean clientHalfClosed;
    private boolean requestOutstanding;
    private boolean done;
    private List<byte[]> replay = new ArrayList<>();
    private long replayBytes;
    private final StreamWindow credit;

    IngressCall(GatewayContext gw, ServerCall<byte[], byte[]> call, Metadata headers, ServicePrefix target,
                String name, long deadlineNs, AdmissionLimiter.Target ticket, long startNs) {
        this.gw = gw;
        this.ticket = ticket;
        this.startNs = startNs;
        this.call = call;
        this.requestHeaders = headers;
        this.target = target;
        this.method = call.getMethodDescriptor().getFullMethodName();
        this.name = name;
        this.deadlineNs = deadlineNs;
        this.policy = gw.retryPolicies().find(target, method);
        this.reassembly = new Calls.Reassembly(gw.config().maxMessageBytes());
        this.credit = new StreamWindow(gw.config().streamWindowBytes());
    }

    /** Opens the first attempt and asks the pod for the first request message. */
    void start() {
        openAttempt();
        requestOutstanding = true;
        call.request(1);
    }

    private void openAttempt() {
        attempt++;
        accepted = false;
        credit.resetSendCredit();
        long timeoutNs = 0;
        if (deadlineNs != 0) {
            timeoutNs = deadlineNs - System.nanoTime();
            if (timeoutNs <= 0) {
                finish(Status.DEADLINE_EXCEEDED.withDescription("deadline exceeded at " + gw.nodeId()
                        + " before the call could be sent to " + name), new Metadata());
                return;
            }
        }
        OpenTail tail = OpenTail.newBuilder().setMethod(method).setTarget(target.toString())
                .addAllHeaders(Calls.toHeaders(requestHeaders)).setOrigin(gw.nodeId()).setAttempt(attempt).build();
        GatewayContext.EgressChoice egress = gw.chooseEgress(name);
        egressTraffic = egress.traffic();
        if (egressTraffic != null) {
            egressTraffic.calls++;
        }
        ByteBuf open = egress.policy() != null
                ? DataFrames.open(gw.alloc(), 0, DataFrames.DEFAULT_HOP_LIMIT, timeoutNs, name, egress.egress(),
                        egress.policy().path(), egress.policy().id(), tail)
                : DataFrames.open(gw.alloc(), 0, DataFrames.DEFAULT_HOP_LIMIT, timeoutNs, name,
                        egress.pin() ? egress.egress() : null, tail);
        flow = gw.forwarder().open(open, this);
        if (replay != null) {
            for (byte[] m : replay) {
                sendChunks(m);
            }
        }
        if (clientHalfClosed) {
            flow.send(DataFrames.empty(gw.alloc(), DataFrames.HALF_CLOSE, 0));
        }
    }

    private void sendChunks(byte[] message) {
        FlowHandle f = flow;
        if (egressTraffic != null) {
            egressTraffic.bytesSent += message.length;
        }
        Calls.chunks(gw.alloc(), message, f::send);
        credit.sent(message.length);
    }

    // ----------------------------------------------------------------------------------------
    // From the pod (gRPC server call)

    @Override
    public void onMessage(byte[] message) {
        requestOutstanding = false;
        if (done) {
            return;
        }
        if (replay != null) {
            if (committed || replayBytes + message.length > REPLAY_LIMIT) {
                replay = null;
            } else {
                replay.add(message);
                replayBytes += message.length;
            }
        }
        sendChunks(message);
        maybeRequest();
    }

    private void maybeRequest() {
        if (!done && !clientHalfClosed && !requestOutstanding && credit.canSend()) {
            requestOutstanding = true;
            call.request(1);
        }
    }

    @Override
    public void onHalfClose() {
        if (done) {
            return;
        }
        clientHalfClosed = true;
        flow.send(DataFrames.empty(gw.alloc(), DataFrames.HALF_CLOSE, 0));
    }

    @Override
    public void onCancel() {
        if (done) {
            return;
        }
        done = true;
        gw.callEnded();
        releaseTicket();
        replay = null;
        boolean expired = deadlineNs != 0 && System.nanoTime() - deadlineNs >= 0;
        flow.send(DataFrames.cancel(gw.alloc(), 0, Cancel.newBuilder()
                .setCode(expired ? Status.Code.DEADLINE_EXCEEDED.value() : Status.Code.CANCELLED.value())
                .setMessage(expired ? "deadline exceeded at the caller" : "cancelled by the caller")
                .setNode(gw.nodeId()).build()));
        gw.metrics().ingressEnded(expired ? Status.Code.DEADLINE_EXCEEDED : Status.Code.CANCELLED);
    }

    @Override
    public void onReady() {
        grant();
    }

    // ----------------------------------------------------------------------------------------
    // From the fabric

    @Override
    public void onFrame(ByteBuf frame) {
        try {
            if (done) {
                return;
            }
            switch (DataFrames.type(frame)) {
                case DataFrames.ACCEPT:
                    accepted = true;
                    break;
                case DataFrames.HEADERS:
                    commit();
                    if (!headersSent) {
                        headersSent = true;
                        call.sendHeaders(Calls.toMetadata(DataFrames.headers(frame).getHeadersList()));
                    }
                    break;
                case DataFrames.MESSAGE:
                    commit();
                    if (egressTraffic != null) {
                        egressTraffic.bytesReceived += frame.readableBytes() - DataFrames.HEADER_LENGTH;
                    }
                    onResponseChunk(frame);
                    break;
                case DataFrames.WINDOW_UPDATE:
                    credit.granted(DataFrames.credit(frame));
                    maybeRequest();
                    break;
                case DataFrames.CLOSE:
                    onClose(DataFrames.close(frame));
                    break;
                case DataFrames.CANCEL:
                    Cancel c = DataFrames.cancel(frame);
                    onClose(Close.newBuilder().setCode(c.getCode()).setMessage(c.getMessage()).setFabric(true)
                            .setNode(c.getNode()).build());
                    break;
                default:
                    gw.forwarderMetrics().dropped("unexpected_at_ingress");
                    break;
            }
        } catch (MalformedFrameException e) {
            fail(Status.INTERNAL.withDescription("malformed frame from the fabric at " + gw.nodeId() + ": "
                    + e.getMessage()));
        } finally {
            frame.release();
        }
    }

    private void commit() {
        committed = true;
        replay = null;
        if (ticket != null) {
            gw.limiter().answered(ticket, startNs, System.nanoTime());
            ticket = null;
        }
    }

    /** The call ends: a ticket still held never saw an answer. */
    private void releaseTicket() {
        if (ticket != null) {
            gw.limiter().released(ticket);
            ticket = null;
        }
    }

    private void onResponseChunk(ByteBuf frame) {
        if (!headersSent) {
            headersSent = true;
            call.sendHeaders(new Metadata());
        }
        byte[] whole;
        try {
            whole = reassembly.add(frame);
        } catch (IllegalStateException e) {
            fail(Status.RESOURCE_EXHAUSTED.withDescription("response " + e.getMessage() + " (limit of " + gw.nodeId()
                    + ")"));
            return;
        }
        credit.consumed(DataFrames.payload(frame).readableBytes());
        if (whole != null) {
            call.sendMessage(whole);
        }
        if (call.isReady()) {
            grant();
        }
    }

    private void grant() {
        // Batched: one update per half window keeps the sender busy without a frame per message.
        int grant = done ? 0 : credit.takeGrant();
        if (grant > 0) {
            flow.send(DataFrames.windowUpdate(gw.alloc(), 0, grant));
        }
    }

    private void onClose(Close close) {
        Status.Code code = Status.fromCodeValue(close.getCode()).getCode();
        if (close.getFabric() && code == Status.Code.UNAVAILABLE && !accepted && !committed && replay != null
                && transparentRetries < gw.config().maxTransparentRetries()) {
            transparentRetries++;
            gw.metrics().retried("transparent");
            // Short growing pauses give the routing a moment to converge after a failure. When
            // this SG itself had no usable next hop (a link of its own just went down), its FIB
            // is about to change: the attempt waits for the new FIB (at most ROUTE_WAIT_MS)
            // instead of failing again on the old one within the same few milliseconds.
            long pauseMs = Math.min(200, 2L << (2 * (transparentRetries - 1)));
            io.dmsc.routing.Fib routes = gw.fib();
            if (gw.nodeId().equals(close.getNode()) && routes.lookup(name) != null) {
                retryOnNewRoutes(routes, pauseMs, System.nanoTime());
            } else {
                retryAfter(pauseMs);
            }
            return;
        }
        if (policy != null) {
            gw.retryPolicies().record(code, policy);
        }
        if (policy != null && !committed && replay != null && attempt < policy.maxAttempts()
                && policy.retryableCodes().contains(code.name()) && gw.retryPolicies().budgetAllows()) {
            gw.metrics().retried("policy");
            long base = Math.min(policy.maxBackoffMs(), policy.initialBackoffMs() << Math.min(20, attempt - 1));
            retryAfter(ThreadLocalRandom.current().nextLong(base + 1));
            return;
        }
        // proto3 cannot tell an absent message from an empty one; gRPC's "no message" is null.
        Status status = Status.fromCodeValue(close.getCode())
                .withDescription(close.getMessage().isEmpty() ? null : close.getMessage());
        finish(status, Calls.toMetadata(close.getTrailersList()));
    }

    /** Longest wait for a new FIB before a transparent retry of a call this SG could not route. */
    static final long ROUTE_WAIT_MS = 300;

    private void retryOnNewRoutes(io.dmsc.routing.Fib failedOn, long pauseMs, long sinceNs) {
        long waitedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - sinceNs);
        if (gw.fib() != failedOn || waitedMs >= ROUTE_WAIT_MS) {
            retryAfter(Math.max(0, pauseMs - waitedMs));
            return;
        }
        if (deadlineNs != 0 && deadlineNs - System.nanoTime() < TimeUnit.MILLISECONDS.toNanos(5)) {
            retryAfter(5); // ends it with DEADLINE_EXCEEDED
            return;
        }
        flow = DETACHED;
        gw.loop().schedule(() -> {
            if (!done) {
                retryOnNewRoutes(failedOn, pauseMs, sinceNs);
            }
        }, 5, TimeUnit.MILLISECONDS);
    }

    private void retryAfter(long delayMs) {
        if (deadlineNs != 0 && deadlineNs - System.nanoTime() < TimeUnit.MILLISECONDS.toNanos(delayMs)) {
            finish(Status.DEADLINE_EXCEEDED.withDescription("deadline exceeded while retrying " + name
                    + " after a failure in the fabric"), new Metadata());
            return;
        }
        flow = DETACHED;
        if (delayMs <= 0) {
            openAttempt();
        } else {
            gw.loop().schedule(() -> {
                if (!done) {
                    openAttempt();
                }
            }, delayMs, TimeUnit.MILLISECONDS);
        }
    }

    private void fail(Status status) {
        if (done) {
            return;
        }
        flow.send(DataFrames.cancel(gw.alloc(), 0, Cancel.newBuilder().setCode(status.getCode().value())
                .setMessage(String.valueOf(status.getDescription())).setNode(gw.nodeId()).build()));
        finish(status, new Metadata());
    }

    private void finish(Status status, Metadata trailers) {
        if (done) {
            return;
        }
        done = true;
        gw.callEnded();
        releaseTicket();
        replay = null;
        gw.metrics().ingressEnded(status.getCode());
        call.close(status, trailers);
    }

    /** Where frames go between a failed attempt and its retry: nowhere. */
    private static final FlowHandle DETACHED = new FlowHandle() {
        @Override
        public boolean send(ByteBuf frame) {
            frame.release();
            return false;
        }

        @Override
        public boolean isWritable() {
            return true;
        }

        @Override
        public String peer() {
            return "none";
        }

        @Override
        public boolean isClosed() {
            return true;
        }
    };
}
