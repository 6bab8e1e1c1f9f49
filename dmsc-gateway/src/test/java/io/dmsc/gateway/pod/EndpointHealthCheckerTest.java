package io.dmsc.gateway.pod;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dmsc.gateway.pod.AttachHarness.PodClient;
import io.dmsc.wire.proto.attach.v1.AnnounceResult;
import io.dmsc.wire.proto.attach.v1.EndpointHealth;
import io.dmsc.wire.proto.attach.v1.GatewayMessage;
import io.grpc.Server;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.protobuf.services.HealthStatusManager;
import java.net.ServerSocket;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Health checks of pod endpoints, seen through the attach API (100 ms interval, threshold 2). */
class EndpointHealthCheckerTest {
    private static final Duration WAIT = Duration.ofSeconds(10);

    private AttachHarness sg;

    @BeforeEach
    void start() throws Exception {
        sg = new AttachHarness();
    }

    @AfterEach
    void stop() throws Exception {
        sg.close();
    }

    @Test
    void shouldStopRoutingToNotServingEndpointAndResumeWhenServing() throws Exception {
        HealthStatusManager health = new HealthStatusManager();
        Server backend = sg.startEndpoint(health.getHealthService());
        String address = AttachHarness.address(backend);
        PodClient pod = sg.attach("pod-1");
        announce(pod, "/shop", address);
        await().atMost(WAIT).until(() -> detailOf("/shop").contains("SERVING"));

        health.setStatus("", ServingStatus.NOT_SERVING);

        EndpointHealth down = nextHealth(pod);
        assertThat(down.getEndpoint()).isEqualTo(address);
        assertThat(down.getHealthy()).isFalse();
        assertThat(down.getDetail()).isEqualTo("grpc.health.v1 NOT_SERVING");
        assertThat(sg.select("/shop/x")).isNull();
        assertThat(sg.lastPublished()).isEmpty();
        assertThat(sg.registry.pods().get(0).announcements().get(0).healthy()).isFalse();

        health.setStatus("", ServingStatus.SERVING);

        EndpointHealth up = nextHealth(pod);
        assertThat(up.getHealthy()).isTrue();
        assertThat(up.getDetail()).isEqualTo("grpc.health.v1 SERVING");
        assertThat(sg.select("/shop/x").endpoint()).isEqualTo(address);
        assertThat(sg.lastPublished()).containsExactly("/shop");
    }

    @Test
    void shouldKeepABusyEndpointInServiceWhileItStillAnswersCalls() throws Exception {
        io.grpc.BindableService hanging = new io.grpc.health.v1.HealthGrpc.HealthImplBase() {
            @Override
            public void check(io.grpc.health.v1.HealthCheckRequest request,
                              io.grpc.stub.StreamObserver<io.grpc.health.v1.HealthCheckResponse> out) {
                // Too busy to answer: the check times out.
            }
        };
        Server backend = sg.startEndpoint(hanging);
        String address = AttachHarness.address(backend);
        PodClient pod = sg.attach("pod-1");
        announce(pod, "/shop", address);
        java.util.concurrent.ScheduledExecutorService calls = java.util.concurrent.Executors
                .newSingleThreadScheduledExecutor();
        try {
            calls.scheduleAtFixedRate(() -> sg.registry.answered(address), 0, 50,
                    java.util.concurrent.TimeUnit.MILLISECONDS);
            // Checks time out every interval (deadline 1 s), yet calls are answered: still routed.
            await().atMost(WAIT).during(Duration.ofMillis(3000)).until(() -> sg.select("/shop/x") != null);
        } finally {
            calls.shutdownNow();
        }
        EndpointHealth down = nextHealth(pod);
        assertThat(down.getHealthy()).isFalse();
        assertThat(down.getDetail()).startsWith("DEADLINE_EXCEEDED");
        assertThat(sg.select("/shop/x")).isNull();
    }

    @Test
    void shouldMarkEndpointUnhealthyWhenItsServerStops() throws Exception {
        Server backend = sg.startEndpoint(new HealthStatusManager().getHealthService());
        String address = AttachHarness.address(backend);
        PodClient pod = sg.attach("pod-1");
        announce(pod, "/shop", address);
        await().atMost(WAIT).until(() -> detailOf("/shop").contains("SERVING"));

        backend.shutdownNow();

        EndpointHealth down = nextHealth(pod);
        assertThat(down.getHealthy()).isFalse();
        assertThat(down.getDetail()).startsWith("UNAVAILABLE");
        assertThat(sg.select("/shop/x")).isNull();
        assertThat(sg.lastPublished()).isEmpty();
        // The pod is still attached and still holds the announcement.
        assertThat(sg.registry.pods().get(0).announcements()).hasSize(1);
    }

    @Test
    void shouldCountServerWithoutHealthServiceAsHealthy() throws Exception {
        Server plain = sg.startEndpoint();
        PodClient pod = sg.attach("pod-1");

        announce(pod, "/plain", AttachHarness.address(plain));

        await().atMost(WAIT).until(() -> detailOf("/plain").contains("UNIMPLEMENTED"));
        assertThat(sg.registry.pods().get(0).announcements().get(0).healthy()).isTrue();
        assertThat(sg.select("/plain/x")).isNotNull();
        assertThat(sg.lastPublished()).containsExactly("/plain");
        assertThat(pod.received).isEmpty();
    }

    @Test
    void shouldCountNewEndpointHealthyUntilItsFirstCheckFails() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        PodClient pod = sg.attach("pod-1");

        announce(pod, "/gone", "127.0.0.1:" + closedPort);

        // Published at once, withdrawn after the first failed check without waiting for a second.
        assertThat(sg.published.get(0)).extracting(e -> e.prefix().toString()).containsExactly("/gone");
        EndpointHealth down = nextHealth(pod);
        assertThat(down.getHealthy()).isFalse();
        assertThat(down.getDetail()).startsWith("UNAVAILABLE");
        assertThat(sg.lastPublished()).isEmpty();
    }

    private static void announce(PodClient pod, String prefix, String endpoint) throws Exception {
        pod.announce(1, prefix, endpoint, 1);
        AnnounceResult result = pod.next().getAnnounceResult();
        assertThat(result.getAccepted()).as(result.getMessage()).isTrue();
    }

    private static EndpointHealth nextHealth(PodClient pod) throws Exception {
        GatewayMessage m = pod.next();
        assertThat(m.getKindCase()).isEqualTo(GatewayMessage.KindCase.ENDPOINT_HEALTH);
        return m.getEndpointHealth();
    }

    private String detailOf(String prefix) {
        return sg.registry.pods().stream().flatMap(p -> p.announcements().stream())
                .filter(a -> a.endpoint().prefix().toString().equals(prefix))
                .map(PodInfo.Announcement::healthDetail).findFirst().orElse("");
    }
}
