package io.dmsc.gateway;

import com.google.protobuf.ByteString;
import io.dmsc.node.data.Forwarder;
import io.dmsc.node.data.ProbeListener;
import io.dmsc.wire.InvalidNameException;
import io.dmsc.wire.ServicePrefix;
import io.dmsc.wire.data.DataFrames;
import io.dmsc.wire.proto.data.v1.Probe;
import io.dmsc.wire.proto.gateway.v1.DiagnosticsGrpc;
import io.dmsc.wire.proto.gateway.v1.PingReply;
import io.dmsc.wire.proto.gateway.v1.PingRequest;
import io.dmsc.wire.proto.gateway.v1.ProbeOutcome;
import io.dmsc.wire.proto.gateway.v1.TraceHop;
import io.dmsc.wire.proto.gateway.v1.TraceRequest;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Ping and trace by name ({@code dmsc ping}, {@code dmsc trace}): sends stateless probes through
 * the fabric and matches their replies. Thread: the data-plane loop.
 */
final class DiagnosticsService extends DiagnosticsGrpc.DiagnosticsImplBase implements ProbeListener {
    private static final int MAX_PAYLOAD = 65_536;
    private static final int MAX_PENDING = 10_000;

    private final Forwarder forwarder;
    private final Map<Long, Pending> pending = new HashMap<>();
    private long nextId = System.nanoTime();

    /** A probe waiting for its reply. */
    private record Pending(long sentNs, Consumer<Probe> onReply, io.netty.util.concurrent.ScheduledFuture<?> timeout) {
    }

    DiagnosticsService(Forwarder forwarder) {
        this.forwarder = forwarder;
    }

    @Override
    public void ping(PingRequest request, StreamObserver<PingReply> out) {
        String name = checkName(request.getName(), out);
        if (name == null) {
            return;
        }
        if (request.getPayloadBytes() > MAX_PAYLOAD) {
            out.onError(Status.INVALID_ARGUMENT.withDescription("payload_bytes " + request.getPayloadBytes()
                    + " (expected: at most " + MAX_PAYLOAD + ")").asRuntimeException());
            return;
        }
        long timeoutMs = request.getTimeoutMs() == 0 ? 2000 : request.getTimeoutMs();
        send(name, DataFrames.DEFAULT_HOP_LIMIT, request.getPayloadBytes(), timeoutMs, (reply, rttNs) -> {
            PingReply.Builder b = PingReply.newBuilder();
            if (reply == null) {
                b.setOutcome(ProbeOutcome.TIMEOUT).setMessage("no reply within " + timeoutMs + " ms");
            } else {
                b.setOutcome(outcome(reply.getKind())).setNode(reply.getResponder()).setRttNs(rttNs)
                        .setHops(reply.getHops()).setMessage(reply.getMessage());
            }
            out.onNext(b.build());
            out.onCompleted();
        });
    }

    @Override
    public void trace(TraceRequest request, StreamObserver<TraceHop> out) {
        String name = checkName(request.getName(), out);
        if (name == null) {
            return;
        }
        int maxHops = request.getMaxHops() == 0 ? 16 : Math.min(64, request.getMaxHops());
        long timeoutMs = request.getTimeoutMs() == 0 ? 2000 : request.getTimeoutMs();
        out.onNext(TraceHop.newBuilder().setHop(0).setNode(forwarder.nodeId()).setOutcome(ProbeOutcome.TIME_EXCEEDED)
                .setMessage("this gateway").build());
        traceHop(name, 1, maxHops, timeoutMs, (ServerCallStreamObserver<TraceHop>) out);
    }

    private void traceHop(String name, int hop, int maxHops, long timeoutMs, ServerCallStreamObserver<TraceHop> out) {
        if (out.isCancelled()) {
            return;
        }
        send(name, hop, 0, timeoutMs, (reply, rttNs) -> {
            TraceHop.Builder b = TraceHop.newBuilder().setHop(hop);
            if (reply == null) {
                b.setOutcome(ProbeOutcome.TIMEOUT).setMessage("no reply within " + timeoutMs + " ms");
            } else {
                b.setOutcome(outcome(reply.getKind())).setNode(reply.getResponder()).setRttNs(rttNs)
                        .setMessage(reply.getMessage());
            }
            out.onNext(b.build());
            boolean end = reply != null && reply.getKind() != Probe.Kind.TIME_EXCEEDED;
            if (end || hop >= maxHops) {
                out.onCompleted();
            } else {
                traceHop(name, hop + 1, maxHops, timeoutMs, out);
            }
        });
    }

    /** Receives a reply, or null and 0 after the timeout. */
    interface ReplyHandler {
        void onReply(Probe reply, long rttNs);
    }

    /**
     * Sends one echo probe (the path measurement of {@link QosMonitor}).
     *
     * @param name      the name to probe, e.g. {@code /_dmsc/node/sg-4}
     * @param timeoutMs how long to wait for the reply
     * @param handler   told the reply, or null after the timeout; on the data-plane loop
     */
    void probe(String name, long timeoutMs, ReplyHandler handler) {
        send(name, DataFrames.DEFAULT_HOP_LIMIT, 0, timeoutMs, handler);
    }

    private void send(String name, int hopLimit, int padding, long timeoutMs, ReplyHandler handler) {
        forwarder.loop().execute(() -> {
            if (pending.size() >= MAX_PENDING) {
                handler.onReply(null, 0);
                return;
            }
            long id = nextId++;
            long sentNs = System.nanoTime();
            io.netty.util.concurrent.ScheduledFuture<?> timeout = forwarder.loop().schedule(() -> {
                if (pending.remove(id) != null) {
                    handler.onReply(null, 0);
                }
            }, timeoutMs, TimeUnit.MILLISECONDS);
            pending.put(id, new Pending(sentNs, p -> handler.onReply(p, System.nanoTime() - sentNs), timeout));
            Probe probe = Probe.newBuilder().setKind(Probe.Kind.ECHO_REQUEST).setProbeId(id)
                    .setOrigin(forwarder.nodeId()).setName(name).setSentAtNs(sentNs).setInitialHopLimit(hopLimit)
                    .setPadding(ByteString.copyFrom(new byte[padding])).build();
            forwarder.sendProbe(hopLimit, probe);
        });
    }

    @Override
    public void onProbeReply(Probe reply, long nowNs) {
        Pending p = pending.remove(reply.getProbeId());
        if (p != null) {
            p.timeout().cancel(false);
            p.onReply().accept(reply);
        }
    }

    private static ProbeOutcome outcome(Probe.Kind kind) {
        switch (kind) {
            case ECHO_REPLY: return ProbeOutcome.ECHO_REPLY;
            case TIME_EXCEEDED: return ProbeOutcome.TIME_EXCEEDED;
            case UNREACHABLE: return ProbeOutcome.UNREACHABLE;
            default: return ProbeOutcome.PROBE_OUTCOME_UNSPECIFIED;
        }
    }

    private static String checkName(String text, StreamObserver<?> out) {
        try {
            return ServicePrefix.parse(text).toString();
        } catch (InvalidNameException e) {
            out.onError(Status.INVALID_ARGUMENT.withDescription("name '" + text + "': " + e.getMessage())
                    .asRuntimeException());
            return null;
        }
    }
}
