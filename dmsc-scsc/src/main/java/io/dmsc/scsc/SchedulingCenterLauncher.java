package io.dmsc.scsc;

import io.dmsc.node.SchedulerLauncher;
import io.dmsc.node.config.NodeConfig;

/** Creates the {@link SchedulingCenter} of an SCSC node; found by the node runtime with the ServiceLoader. */
public final class SchedulingCenterLauncher implements SchedulerLauncher {
    @Override
    public Scheduler create(NodeConfig config) {
        return new SchedulingCenter(config);
    }
}
