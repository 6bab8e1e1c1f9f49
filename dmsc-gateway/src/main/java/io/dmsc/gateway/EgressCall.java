package io.dmsc.gateway;

import io.dmsc.node.data.FlowHandle;
import io.dmsc.node.data.LocalStream;
import io.dmsc.wire.data.DataFrames;
import io.dmsc.wire.link.MalformedFrameException;
import io.dmsc.wire.proto.data.v1.Close;
import io.dmsc.wire.proto.data.v1.Headers;
import io.dmsc.wire.proto.data.v1.OpenTail;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.Metadata;
import io.grpc.Status;
import io.netty.buffer.ByteBuf;
import java.util.concurrent.TimeUnit;

/**
 * One stream this gateway is the egress of, turned back into a gRPC call to a local pod
 * endpoint: the egress half of the forwarding plane. Sends ACCEPT as soon as the call is handed
 * to the pod (from then on a retry could repeat work), then response headers, message chunks and
 * the final status back through the flow.
 *
 * <p>Flow control: a response message is asked of the pod only while end-to-end credit towards
 * the caller remains; request credit is granted back as the pod's connection drains.
 *
 * <p>Thread: the gateway's data-plane event loop (channels to pods run with a direct executor on it).
 */
final class EgressCall extends ClientCall.Listener<byte[]> implements LocalStream {
    private final GatewayContext gw;
    private final FlowHandle upstream;
    private final Calls.Reassembly reassembly;
    private ClientCall<byte[], byte[]> call;
    private String endpoint;
    /** When the call was handed to the endpoint. */
    private long startedNs;
    private boolean done;
    private boolean requestOutstanding;
    private final StreamWindow credit;

    private EgressCall(GatewayContext gw, FlowHandle upstream) {
        this.gw = gw;
        this.upstream = upstream;
        this.reassembly = new Calls.Reassembly(gw.config().maxMessageBytes());
        this.credit = new StreamWindow(gw.config().streamWindowBytes());
    }

    /**
     * Starts the call to a pod for an OPEN.
     *
     * @param gw       the gateway
     * @param open     the OPEN frame; released by this method
     * @param upstream sends towards the caller
     * @return the stream receiving the flow's later frames
     */
    static LocalStream accept(GatewayContext gw, ByteBuf open, FlowHandle upstream) {
        EgressCall e = new EgressCall(gw, upstream);
        try {
            e.start(open);
        } finally {
            open.release();
        }
        return e;
    }

    private void start(ByteBuf open) {
        String name = DataFrames.openName(open);
        OpenTail tail;
        try {
            tail = DataFrames.openTail(open);
        } catch (MalformedFrameException ex) {
            gw.forwarderMetrics().dropped("malformed_open");
            closeUpstream(Status.INTERNAL.withDescription("malformed open frame at " + gw.nodeId() + ": "
                    + ex.getMessage()), new Metadata(), true);
            return;
        }
        endpoint = gw.selectEndpoint(name);
        startedNs = System.nanoTime();
        if (endpoint == null) {
            // Nothing was delivered: the ingress may retry on another path (the prefix may be moving).
            closeUpstream(Status.UNAVAILABLE.withDescription("no healthy pod serves " + name + " at " + gw.nodeId()),
                    new Metadata(), true);
            return;
        }
        // The channel to the pod would otherwise refuse replies over grpc-java's 4 MiB default.
        CallOptions options = CallOptions.DEFAULT.withMaxInboundMessageSize(gw.config().maxMessageBytes())
                .withMaxOutboundMessageSize(gw.config().maxMessageBytes());
        long timeoutNs = DataFrames.timeoutNs(open);
        if (timeoutNs > 0) {
            options = options.withDeadlineAfter(timeoutNs, TimeUnit.NANOSECONDS);
        }
        io.grpc.Channel channel = gw.endpointChannel(endpoint);
        if (channel == null) {
            closeUpstream(Status.UNAVAILABLE.withDescription("pod endpoint " + endpoint + " for " + name
                    + " was just withdrawn at " + gw.nodeId()), new Metadata(), true);
            return;
        }
        call = channel.newCall(gw.method(tail.getMethod()), options);
        upstream.send(DataFrames.empty(gw.alloc(), DataFrames.ACCEPT, 0));
        call.start(this, Calls.toMetadata(tail.getHeadersList()));
        if (!done) {
            requestOutstanding = true;
            call.request(1);
        }
    }

    // ----------------------------------------------------------------------------------------
    // From the fabric (the caller's side)

    @Override
    public void onFrame(ByteBuf frame) {
        try {
            if (done || call == null) {
                return;
            }
            switch (DataFrames.type(frame)) {
                case DataFrames.MESSAGE:
                    byte[] whole;
                    try {
                        whole = reassembly.add(frame);
                    } catch (IllegalStateException e) {
                        abort(Status.RESOURCE_EXHAUSTED.withDescription("request " + e.getMessage() + " (limit of "
                                + gw.nodeId() + ")"));
                        return;
                    }
                    credit.consumed(DataFrames.payload(frame).readableBytes());
                    if (whole != null) {
                        call.sendMessage(whole);
                    }
                    if (call.isReady()) {
                        grant();
                    }
                    break;
                case DataFrames.HALF_CLOSE:
                    call.halfClose();
                    break;
                case DataFrames.WINDOW_UPDATE:
                    credit.granted(DataFrames.credit(frame));
                    maybeRequest();
                    break;
                case DataFrames.CANCEL:
                case DataFrames.CLOSE:
                    done = true;
                    String why = DataFrames.type(frame) == DataFrames.CANCEL ? DataFrames.cancel(frame).getMessage()
                            : "closed by the caller";
                    call.cancel(why, null);
                    gw.metrics().egressEnded(Status.Code.CANCELLED);
                    break;
                default:
                    gw.forwarderMetrics().dropped("unexpected_at_egress");
                    break;
            }
        } catch (MalformedFrameException e) {
            abort(Status.INTERNAL.withDescription("malformed frame from the fabric at " + gw.nodeId() + ": "
                    + e.getMessage()));
        } finally {
            frame.release();
        }
    }

    private void grant() {
        int grant = done ? 0 : credit.takeGrant();
        if (grant > 0) {
            upstream.send(DataFrames.windowUpdate(gw.alloc(), 0, grant));
        }
    }

    private void maybeRequest() {
        if (!done && !requestOutstanding && credit.canSend()) {
            requestOutstanding = true;
            call.request(1);
        }
    }

    private void abort(Status status) {
        if (done) {
            return;
        }
        call.cancel(status.getDescription(), null);
        closeUpstream(status, new Metadata(), false);
    }

    // ----------------------------------------------------------------------------------------
    // From the pod

    @Override
    public void onHeaders(Metadata headers) {
        if (!done) {
            upstream.send(DataFrames.headers(gw.alloc(), 0,
                    Headers.newBuilder().addAllHeaders(Calls.toHeaders(headers)).build()));
        }
    }

    @Override
    public void onMessage(byte[] message) {
        requestOutstanding = false;
        if (done) {
            return;
        }
        Calls.chunks(gw.alloc(), message, upstream::send);
        credit.sent(message.length);
        maybeRequest();
    }

    @Override
    public void onClose(Status status, Metadata trailers) {
        gw.endpointCallEnded(endpoint, status.isOk(), System.nanoTime() - startedNs);
        if (status.getCode() != Status.Code.UNAVAILABLE && status.getCode() != Status.Code.CANCELLED
                && status.getCode() != Status.Code.DEADLINE_EXCEEDED) {
            gw.endpointAnswered(endpoint);
        }
        if (!done) {
            closeUpstream(status, trailers, false);
        }
    }

    @Override
    public void onReady() {
        grant();
    }

    private void closeUpstream(Status status, Metadata trailers, boolean fabric) {
        done = true;
        gw.metrics().egressEnded(status.getCode());
        Close.Builder b = Close.newBuilder().setCode(status.getCode().value()).setFabric(fabric).setNode(gw.nodeId())
                .addAllTrailers(Calls.toHeaders(trailers));
        if (status.getDescription() != null) {
            b.setMessage(status.getDescription());
        }
        upstream.send(DataFrames.close(gw.alloc(), 0, b.build()));
    }

}
