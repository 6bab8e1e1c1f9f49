package io.dmsc.gateway.pod;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dmsc.gateway.pod.AttachHarness.PodClient;
import io.dmsc.wire.proto.attach.v1.AnnounceResult;
import io.dmsc.wire.proto.attach.v1.GatewayMessage;
import io.dmsc.wire.proto.attach.v1.PodGatewayGrpc;
import io.dmsc.wire.proto.attach.v1.PodMessage;
import io.dmsc.wire.proto.attach.v1.RejectReason;
import io.dmsc.wire.proto.attach.v1.WithdrawResult;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.protobuf.services.HealthStatusManager;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class AttachServiceTest {
    private static final Duration WAIT = Duration.ofSeconds(10);

    private AttachHarness sg;

    @BeforeEach
    void start() throws Exception {
        sg = new AttachHarness();
    }

    @AfterEach
    void stop() throws Exception {
        if (sg != null) {
            sg.close();
        }
    }

    private Server healthyEndpoint() throws Exception {
        return sg.startEndpoint(new HealthStatusManager().getHealthService());
    }

    @Test
    void shouldWelcomePodThatSaysHello() throws Exception {
        PodClient pod = sg.openPod();
        pod.hello("pod-1", "secret");

        GatewayMessage welcome = pod.next();

        assertThat(welcome.getKindCase()).isEqualTo(GatewayMessage.KindCase.WELCOME);
        assertThat(welcome.getWelcome().getGatewayId()).isEqualTo(AttachHarness.GATEWAY_ID);
        assertThat(sg.registry.pods()).singleElement().satisfies(info -> {
            assertThat(info.podId()).isEqualTo("pod-1");
            assertThat(info.remoteAddress()).startsWith("127.0.0.1:");
            assertThat(info.announcements()).isEmpty();
        });
    }

    @Test
    void shouldPublishAcceptedPrefixAndSelectItsEndpoint() throws Exception {
        Server backend = healthyEndpoint();
        PodClient pod = sg.attach("pod-1");

        pod.announce(7, "/shop/payment", AttachHarness.address(backend), 0);

        AnnounceResult result = pod.next().getAnnounceResult();
        assertThat(result.getAccepted()).isTrue();
        assertThat(result.getRequestId()).isEqualTo(7);
        assertThat(result.getPrefix()).isEqualTo("/shop/payment");
        assertThat(result.getMessage()).isEmpty();
        assertThat(sg.lastPublished()).containsExactly("/shop/payment");
        PodEndpoint selected = sg.select("/shop/payment/shop.Payment/Pay");
        assertThat(selected).isNotNull();
        assertThat(selected.endpoint()).isEqualTo(AttachHarness.address(backend));
        assertThat(selected.podId()).isEqualTo("pod-1");
        assertThat(selected.weight()).isEqualTo(1);
        assertThat(sg.select("/shop/pay/shop.Payment/Pay")).isNull();
        assertThat(sg.registry.channels().channel(AttachHarness.address(backend))).isNotNull();
        assertThat(sg.registry.pods().get(0).announcements()).singleElement()
                .satisfies(a -> assertThat(a.endpoint().prefix().toString()).isEqualTo("/shop/payment"));
    }

    @Test
    void shouldRejectBadAnnouncementsWithReasonAndMessage() throws Exception {
        PodClient pod = sg.attach("pod-1");

        pod.announce(1, "/shop//payment", "127.0.0.1:5000", 1);
        pod.announce(2, "/_dmsc/node/x", "127.0.0.1:5000", 1);
        pod.announce(3, "/shop", "no-port", 1);
        pod.announce(4, "/shop", "127.0.0.1:0", 1);

        AnnounceResult invalidName = pod.next().getAnnounceResult();
        assertThat(invalidName.getAccepted()).isFalse();
        assertThat(invalidName.getRequestId()).isEqualTo(1);
        assertThat(invalidName.getReason()).isEqualTo(RejectReason.INVALID_NAME);
        assertThat(invalidName.getMessage()).contains("component 2 is empty").contains("expected");
        AnnounceResult reserved = pod.next().getAnnounceResult();
        assertThat(reserved.getReason()).isEqualTo(RejectReason.RESERVED_NAMESPACE);
        assertThat(reserved.getMessage()).contains("/_dmsc").contains("reserved").contains("expected");
        AnnounceResult noPort = pod.next().getAnnounceResult();
        assertThat(noPort.getReason()).isEqualTo(RejectReason.INVALID_ENDPOINT);
        assertThat(noPort.getMessage()).contains("no-port").contains("HOST:PORT");
        AnnounceResult portZero = pod.next().getAnnounceResult();
        assertThat(portZero.getReason()).isEqualTo(RejectReason.INVALID_ENDPOINT);
        assertThat(portZero.getMessage()).contains("port 0");

        pod.send(io.dmsc.wire.proto.attach.v1.PodMessage.newBuilder().setAnnounce(
                io.dmsc.wire.proto.attach.v1.Announce.newBuilder().setRequestId(5).setPrefix("/shop")
                        .setEndpoint("127.0.0.1:5000").setZone("z".repeat(300))).build());
        AnnounceResult longLabel = pod.next().getAnnounceResult();
        assertThat(longLabel.getReason()).isEqualTo(RejectReason.INVALID_LABEL);
        assertThat(longLabel.getMessage()).contains("label").contains("256");
        assertThat(sg.published).isEmpty();
        assertThat(sg.registry.endpoints().all()).isEmpty();
    }

    @Test
    void shouldEndStreamWhenAnnounceComesBeforeHello() throws Exception {
        PodClient pod = sg.openPod();

        pod.announce(1, "/shop", "127.0.0.1:5000", 1);

        Status status = pod.awaitClose();
        assertThat(status.getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
        assertThat(status.getDescription()).contains("Announce before Hello").contains("expected");
        assertThat(pod.received).isEmpty();
    }

    @Test
    void shouldEndStreamOnSecondHello() throws Exception {
        PodClient pod = sg.attach("pod-1");

        pod.hello("pod-1", "again");

        Status status = pod.awaitClose();
        assertThat(status.getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
        assertThat(status.getDescription()).contains("second Hello");
        await().atMost(WAIT).until(() -> sg.registry.pods().isEmpty());
    }

    @Test
    void shouldEndStreamOnInvalidPodId() throws Exception {
        PodClient pod = sg.openPod();

        pod.hello("pod 1", "secret");

        Status status = pod.awaitClose();
        assertThat(status.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(status.getDescription()).contains("pod id 'pod 1'").contains("a space").contains("expected");
    }

    @Test
    void shouldRefusePodIdAttachedOnLiveStream() throws Exception {
        sg.attach("pod-1");
        PodClient twin = sg.openPod();

        twin.hello("pod-1", "secret");

        Status status = twin.awaitClose();
        assertThat(status.getCode()).isEqualTo(Status.Code.ALREADY_EXISTS);
        assertThat(status.getDescription()).contains("pod id 'pod-1' is already attached");
        assertThat(sg.registry.pods()).hasSize(1);
    }

    @Test
    void shouldAnswerMessageWithoutKindWithErrorAndKeepServing() throws Exception {
        PodClient garbage = sg.attach("pod-1");

        garbage.send(PodMessage.getDefaultInstance());

        Status status = garbage.awaitClose();
        assertThat(status.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(status.getDescription()).contains("no kind set").contains("expected");
        // The SG lives on, and the pod id is free again.
        await().atMost(WAIT).until(() -> sg.registry.pods().isEmpty());
        sg.attach("pod-1");
    }

    @Test
    void shouldEndStreamWithInvalidArgumentOnBytesThatAreNoPodMessage() throws Exception {
        MethodDescriptor.Marshaller<byte[]> bytes = new MethodDescriptor.Marshaller<>() {
            @Override
            public InputStream stream(byte[] value) {
                return new ByteArrayInputStream(value);
            }

            @Override
            public byte[] parse(InputStream stream) {
                try {
                    return stream.readAllBytes();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        };
        MethodDescriptor<byte[], byte[]> raw = PodGatewayGrpc.getAttachMethod().toBuilder(bytes, bytes).build();
        ClientCall<byte[], byte[]> call = sg.channel.newCall(raw, CallOptions.DEFAULT);
        CompletableFuture<Status> closed = new CompletableFuture<>();
        call.start(new ClientCall.Listener<>() {
            @Override
            public void onClose(Status status, Metadata trailers) {
                closed.complete(status);
            }
        }, new Metadata());
        call.request(1);

        call.sendMessage(new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, 0x01, 0x02});

        Status status = closed.get(10, TimeUnit.SECONDS);
        assertThat(status.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(status.getDescription()).contains("not a valid dmsc.attach.v1.PodMessage").contains("expected");
        sg.attach("pod-1");
    }

    @Test
    void shouldWithdrawAllPrefixesWhenPodCancelsStream() throws Exception {
        Server backend = healthyEndpoint();
        PodClient pod = sg.attach("pod-1");
        announceAccepted(pod, "/a", AttachHarness.address(backend));
        announceAccepted(pod, "/b", AttachHarness.address(backend));
        assertThat(sg.lastPublished()).containsExactly("/a", "/b");
        int before = sg.published.size();

        pod.cancel();

        await().atMost(WAIT).until(() -> sg.lastPublished().isEmpty());
        // At once: one publication takes both prefixes away.
        assertThat(sg.published).hasSize(before + 1);
        assertThat(sg.registry.pods()).isEmpty();
        assertThat(sg.select("/a/x")).isNull();
        await().atMost(WAIT).until(() -> sg.registry.channels().channel(AttachHarness.address(backend)) == null);
    }

    @Test
    void shouldWithdrawAllPrefixesWhenPodHalfCloses() throws Exception {
        Server backend = healthyEndpoint();
        PodClient pod = sg.attach("pod-1");
        announceAccepted(pod, "/a", AttachHarness.address(backend));
        announceAccepted(pod, "/b", AttachHarness.address(backend));
        int before = sg.published.size();

        pod.halfClose();

        assertThat(pod.awaitClose().getCode()).isEqualTo(Status.Code.OK);
        await().atMost(WAIT).until(() -> sg.lastPublished().isEmpty());
        assertThat(sg.published).hasSize(before + 1);
        assertThat(sg.registry.pods()).isEmpty();
        assertThat(sg.registry.endpoints().all()).isEmpty();
    }

    @Test
    void shouldWithdrawOneAnnouncement() throws Exception {
        Server backend = healthyEndpoint();
        String address = AttachHarness.address(backend);
        PodClient pod = sg.attach("pod-1");
        announceAccepted(pod, "/a", address);
        announceAccepted(pod, "/b", address);

        pod.withdraw(9, "/a", address);

        WithdrawResult result = pod.next().getWithdrawResult();
        assertThat(result.getRequestId()).isEqualTo(9);
        assertThat(result.getWithdrawn()).isTrue();
        assertThat(sg.lastPublished()).containsExactly("/b");
        assertThat(sg.select("/a/x")).isNull();
        assertThat(sg.select("/b/x")).isNotNull();

        pod.withdraw(10, "/a", "");

        WithdrawResult nothing = pod.next().getWithdrawResult();
        assertThat(nothing.getWithdrawn()).isFalse();
        assertThat(nothing.getMessage()).contains("no announcement of /a");

        pod.withdraw(11, "/b", "");

        assertThat(pod.next().getWithdrawResult().getWithdrawn()).isTrue();
        assertThat(sg.lastPublished()).isEmpty();
        await().atMost(WAIT).until(() -> sg.registry.channels().channel(address) == null);
    }

    @Test
    void shouldPublishAnycastPrefixOnceAndSpreadCallsOverPods() throws Exception {
        Server first = healthyEndpoint();
        Server second = healthyEndpoint();
        PodClient pod1 = sg.attach("pod-1");
        PodClient pod2 = sg.attach("pod-2");
        announceAccepted(pod1, "/B", AttachHarness.address(first));
        announceAccepted(pod2, "/B", AttachHarness.address(second));

        assertThat(sg.lastPublished()).containsExactly("/B");
        Map<String, Integer> picks = new ConcurrentHashMap<>();
        for (int i = 0; i < 10; i++) {
            picks.merge(sg.select("/B/helloworld.Greeter/SayHello").podId(), 1, Integer::sum);
        }
        assertThat(picks).containsEntry("pod-1", 5).containsEntry("pod-2", 5);

        pod1.cancel();

        await().atMost(WAIT).until(() -> sg.registry.pods().size() == 1);
        assertThat(sg.lastPublished()).containsExactly("/B");
        assertThat(sg.select("/B/x").podId()).isEqualTo("pod-2");
    }

    @Test
    void shouldSelectByWeightedRoundRobinAndLongestPrefix() throws Exception {
        Server heavy = healthyEndpoint();
        Server light = healthyEndpoint();
        PodClient pod = sg.attach("pod-1");
        announceAccepted(pod, "/B", AttachHarness.address(heavy), 3);
        announceAccepted(pod, "/B", AttachHarness.address(light), 1);
        announceAccepted(pod, "/B/4", AttachHarness.address(light), 1);

        Map<String, Integer> picks = new ConcurrentHashMap<>();
        for (int i = 0; i < 8; i++) {
            picks.merge(sg.select("/B/helloworld.Greeter/SayHello").endpoint(), 1, Integer::sum);
        }
        assertThat(picks).containsEntry(AttachHarness.address(heavy), 6).containsEntry(AttachHarness.address(light), 2);
        assertThat(sg.select("/B/4/helloworld.Greeter/SayHello").prefix().toString()).isEqualTo("/B/4");
        assertThat(sg.lastPublished()).containsExactly("/B", "/B/4");
    }

    @Test
    void shouldAskAdmissionWithCredentialAndReportDenialAndUnreachable() throws Exception {
        sg.close();
        Map<String, String> credentials = new ConcurrentHashMap<>();
        Map<String, Boolean> ownEndpoint = new ConcurrentHashMap<>();
        PrefixAdmission admission = request -> {
            credentials.put(request.podId(), request.credential());
            ownEndpoint.put(request.prefix().toString(), request.endpointIsOwn());
            return switch (request.prefix().toString()) {
                case "/denied" -> CompletableFuture.completedFuture(
                        PrefixAdmission.Decision.deny(RejectReason.SPA_DENIED, "pod-1 may not own /denied"));
                case "/down" -> CompletableFuture.failedFuture(new IllegalStateException("no SPA answered"));
                default -> CompletableFuture.supplyAsync(PrefixAdmission.Decision::grant);
            };
        };
        sg = new AttachHarness(admission, AttachService.DEFAULT_MAX_ANNOUNCEMENTS_PER_POD);
        Server backend = healthyEndpoint();
        PodClient pod = sg.attach("pod-1");

        pod.announce(1, "/denied", AttachHarness.address(backend), 1);
        AnnounceResult denied = pod.next().getAnnounceResult();
        pod.announce(2, "/down", AttachHarness.address(backend), 1);
        AnnounceResult down = pod.next().getAnnounceResult();
        pod.announce(3, "/ok", AttachHarness.address(backend), 1);
        AnnounceResult ok = pod.next().getAnnounceResult();

        assertThat(denied.getReason()).isEqualTo(RejectReason.SPA_DENIED);
        assertThat(denied.getMessage()).isEqualTo("pod-1 may not own /denied");
        assertThat(down.getReason()).isEqualTo(RejectReason.SPA_UNREACHABLE);
        assertThat(down.getMessage()).contains("no SPA answered");
        assertThat(down.getRetrying()).as("the gateway keeps asking while no SPA answers").isTrue();
        assertThat(ok.getAccepted()).isTrue();
        assertThat(ownEndpoint).as("a loopback endpoint of a pod attached over loopback is its own")
                .containsEntry("/ok", true);
        assertThat(credentials).containsEntry("pod-1", "token-of-pod-1");
        assertThat(sg.lastPublished()).containsExactly("/ok");
    }

    @Test
    void shouldRejectAnnouncementsAboveThePerPodLimit() throws Exception {
        sg.close();
        sg = new AttachHarness(PrefixAdmission.allowAll(), 2);
        Server backend = healthyEndpoint();
        PodClient pod = sg.attach("pod-1");
        announceAccepted(pod, "/a", AttachHarness.address(backend));
        announceAccepted(pod, "/b", AttachHarness.address(backend));

        pod.announce(3, "/c", AttachHarness.address(backend), 1);
        AnnounceResult third = pod.next().getAnnounceResult();
        // Announcing a held prefix again updates it and needs no room.
        pod.announce(4, "/a", AttachHarness.address(backend), 5);
        AnnounceResult again = pod.next().getAnnounceResult();

        assertThat(third.getReason()).isEqualTo(RejectReason.LIMIT_EXCEEDED);
        assertThat(third.getMessage()).contains("at most 2");
        assertThat(again.getAccepted()).isTrue();
        assertThat(sg.select("/a").weight()).isEqualTo(5);
        assertThat(sg.lastPublished()).containsExactly("/a", "/b");
    }

    private static void announceAccepted(PodClient pod, String prefix, String endpoint) throws Exception {
        announceAccepted(pod, prefix, endpoint, 1);
    }

    private static void announceAccepted(PodClient pod, String prefix, String endpoint, int weight) throws Exception {
        pod.announce(prefix.hashCode(), prefix, endpoint, weight);
        AnnounceResult result = pod.next().getAnnounceResult();
        assertThat(result.getAccepted()).as("announce %s at %s: %s", prefix, endpoint, result.getMessage()).isTrue();
    }

}
