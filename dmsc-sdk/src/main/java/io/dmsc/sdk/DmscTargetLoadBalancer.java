package io.dmsc.sdk;

import io.grpc.ClientStreamTracer;
import io.grpc.ConnectivityState;
import io.grpc.ConnectivityStateInfo;
import io.grpc.LoadBalancer;
import io.grpc.Metadata;
import io.grpc.Status;

/**
 * One subchannel to the gateway; every pick attaches a stream tracer factory that writes
 * {@code dmsc-target} into the call's outgoing headers (the headers handed to
 * {@link ClientStreamTracer.Factory#newClientStreamTracer} are the ones sent on the wire).
 *
 * <p>Threading: every method is called from the channel's synchronization context; pickers are
 * immutable and called from any thread.
 */
final class DmscTargetLoadBalancer extends LoadBalancer {
    private final Helper helper;
    // Must be accessed from the helper's synchronization context.
    private Subchannel subchannel;
    private TargetStamp stamp;
    private ConnectivityState state;

    DmscTargetLoadBalancer(Helper helper) {
        this.helper = helper;
    }

    @Override
    public Status acceptResolvedAddresses(ResolvedAddresses resolved) {
        if (resolved.getAddresses().isEmpty()) {
            Status error = Status.UNAVAILABLE.withDescription("name resolver returned no gateway address");
            handleNameResolutionError(error);
            return error;
        }
        Object config = resolved.getLoadBalancingPolicyConfig();
        if (!(config instanceof Config c)) {
            Status error = Status.INTERNAL.withDescription(DmscTargetLoadBalancerProvider.POLICY_NAME
                    + " has no target config");
            handleNameResolutionError(error);
            return error;
        }
        TargetStamp previous = stamp;
        stamp = new TargetStamp(c.target());
        if (subchannel == null) {
            subchannel = helper.createSubchannel(CreateSubchannelArgs.newBuilder()
                    .setAddresses(resolved.getAddresses())
                    .build());
            Subchannel created = subchannel;
            created.start(info -> onSubchannelState(created, info));
            update(ConnectivityState.CONNECTING, new FixedPicker(PickResult.withNoResult()));
            created.requestConnection();
        } else {
            subchannel.updateAddresses(resolved.getAddresses());
            if (state == ConnectivityState.READY && !stamp.target.equals(previous.target)) {
                update(ConnectivityState.READY, new ReadyPicker(subchannel, stamp));
            }
        }
        return Status.OK;
    }

    @Override
    public void handleNameResolutionError(Status error) {
        if (state != ConnectivityState.READY) {
            update(ConnectivityState.TRANSIENT_FAILURE, new FixedPicker(PickResult.withError(error)));
        }
    }

    @Override
    public void requestConnection() {
        if (subchannel != null) {
            subchannel.requestConnection();
        }
    }

    @Override
    public void shutdown() {
        if (subchannel != null) {
            subchannel.shutdown();
            subchannel = null;
        }
    }

    private void onSubchannelState(Subchannel owner, ConnectivityStateInfo info) {
        if (owner != subchannel) {
            return;
        }
        switch (info.getState()) {
            case READY -> update(ConnectivityState.READY, new ReadyPicker(owner, stamp));
            case CONNECTING -> update(ConnectivityState.CONNECTING, new FixedPicker(PickResult.withNoResult()));
            case TRANSIENT_FAILURE -> {
                update(ConnectivityState.TRANSIENT_FAILURE, new FixedPicker(PickResult.withError(info.getStatus())));
                helper.refreshNameResolution();
            }
            case IDLE -> update(ConnectivityState.IDLE, new ReconnectPicker(owner));
            default -> {
                // SHUTDOWN: this balancer shut the subchannel down itself.
            }
        }
    }

    private void update(ConnectivityState next, SubchannelPicker picker) {
        state = next;
        helper.updateBalancingState(next, picker);
    }

    /** The validated {@code {"target": ...}} of the policy. */
    record Config(String target) {
    }

    /** Writes the target into each stream's headers; keeps no per-stream state. */
    private static final class TargetStamp extends ClientStreamTracer.Factory {
        private static final ClientStreamTracer NOOP = new ClientStreamTracer() {
        };
        final String target;

        TargetStamp(String target) {
            this.target = target;
        }

        @Override
        public ClientStreamTracer newClientStreamTracer(ClientStreamTracer.StreamInfo info, Metadata headers) {
            DmscTarget.stamp(headers, target);
            return NOOP;
        }
    }

    private static final class ReadyPicker extends SubchannelPicker {
        private final PickResult result;

        ReadyPicker(Subchannel subchannel, TargetStamp stamp) {
            this.result = PickResult.withSubchannel(subchannel, stamp);
        }

        @Override
        public PickResult pickSubchannel(PickSubchannelArgs args) {
            return result;
        }
    }

    private static final class FixedPicker extends SubchannelPicker {
        private final PickResult result;

        FixedPicker(PickResult result) {
            this.result = result;
        }

        @Override
        public PickResult pickSubchannel(PickSubchannelArgs args) {
            return result;
        }
    }

    /** After the connection went idle, the next call reconnects. */
    private final class ReconnectPicker extends SubchannelPicker {
        private final Subchannel subchannel;

        ReconnectPicker(Subchannel subchannel) {
            this.subchannel = subchannel;
        }

        @Override
        public PickResult pickSubchannel(PickSubchannelArgs args) {
            helper.getSynchronizationContext().execute(subchannel::requestConnection);
            return PickResult.withNoResult();
        }
    }
}
