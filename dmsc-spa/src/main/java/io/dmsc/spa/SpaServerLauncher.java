package io.dmsc.spa;

import io.dmsc.node.SpaLauncher;
import io.dmsc.node.config.SpaConfig;

/** Starts {@link SpaServer}s for {@link io.dmsc.node.Mesh} and the CLI; found with the ServiceLoader. */
public final class SpaServerLauncher implements SpaLauncher {
    @Override
    public Running start(SpaConfig config) {
        SpaServer server;
        try {
            server = SpaServer.start(config);
        } catch (PolicyException e) {
            throw new IllegalArgumentException(config.id() + ": " + e.getMessage(), e);
        }
        return new Running() {
            @Override
            public String address() {
                return server.address();
            }

            @Override
            public String adminAddress() {
                return server.adminAddress();
            }

            @Override
            public void close() {
                server.close();
            }
        };
    }
}
