package io.dmsc.gateway.pod;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import org.junit.jupiter.api.Test;

/** Which endpoints count as a pod's own address (the SPA must allow every other host explicitly). */
class EndpointOwnershipTest {
    private static InetAddress ip(String literal) throws Exception {
        return InetAddress.getByName(literal);
    }

    @Test
    void shouldTreatThePeerAddressAndLoopbackOfALocalPodAsOwn() throws Exception {
        assertThat(PodStream.isOwnAddress("10.0.0.5:50051", ip("10.0.0.5"))).isTrue();
        assertThat(PodStream.isOwnAddress("127.0.0.1:50051", ip("127.0.0.1"))).isTrue();
        assertThat(PodStream.isOwnAddress("localhost:50051", ip("127.0.0.1"))).isTrue();
        assertThat(PodStream.isOwnAddress("127.0.0.2:50051", ip("::1"))).as("both loopback").isTrue();
        assertThat(PodStream.isOwnAddress("[::1]:50051", ip("127.0.0.1"))).isTrue();
    }

    @Test
    void shouldTreatOtherHostsAndNamesAsNotOwn() throws Exception {
        assertThat(PodStream.isOwnAddress("10.0.0.6:50051", ip("10.0.0.5"))).isFalse();
        assertThat(PodStream.isOwnAddress("127.0.0.1:50051", ip("10.0.0.5"))).as("a remote pod naming loopback")
                .isFalse();
        assertThat(PodStream.isOwnAddress("payments.internal:50051", ip("10.0.0.5"))).as("names are never resolved")
                .isFalse();
        assertThat(PodStream.isOwnAddress("10.0.0.5:50051", null)).as("unknown peer").isFalse();
    }

    @Test
    void shouldRenewAtHalfLifeAndBackOffWhileNoSpaAnswers() {
        assertThat(Renewals.renewDelayMs(1_000, 601_000)).isEqualTo(300_000);
        assertThat(Renewals.renewDelayMs(1_000, 1_050)).isEqualTo(Renewals.MIN_DELAY_MS);
        assertThat(Renewals.retryDelayMs(1)).isEqualTo(250);
        assertThat(Renewals.retryDelayMs(2)).isEqualTo(500);
        assertThat(Renewals.retryDelayMs(50)).isEqualTo(Renewals.MAX_RETRY_DELAY_MS);
    }
}
