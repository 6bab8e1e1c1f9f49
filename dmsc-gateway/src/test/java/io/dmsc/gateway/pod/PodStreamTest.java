package io.dmsc.gateway.pod;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The input checks of the attach protocol. */
class PodStreamTest {

    @Test
    void shouldAcceptValidPodIds() {
        assertThat(PodStream.checkPodId("pod-1")).isNull();
        assertThat(PodStream.checkPodId("A.b_c-9")).isNull();
        assertThat(PodStream.checkPodId("x".repeat(64))).isNull();
    }

    @Test
    void shouldExplainInvalidPodIds() {
        assertThat(PodStream.checkPodId("")).isEqualTo("pod id: empty (expected: 1 to 64 of letters, digits and . _ -)");
        assertThat(PodStream.checkPodId("x".repeat(65))).contains("65 characters");
        assertThat(PodStream.checkPodId("a/b")).contains("contains '/' at position 2");
        assertThat(PodStream.checkPodId("a\nb")).contains("\\u000a").contains("character U+000A").doesNotContain("\n");
    }

    @Test
    void shouldNormalizeEndpoints() {
        assertThat(PodStream.normalizeEndpoint("127.0.0.1:50051")).isEqualTo("127.0.0.1:50051");
        assertThat(PodStream.normalizeEndpoint("[::1]:50051")).isEqualTo("[::1]:50051");
        assertThat(PodStream.normalizeEndpoint("pod-1.svc:80")).isEqualTo("pod-1.svc:80");
    }

    @Test
    void shouldExplainInvalidEndpoints() {
        assertThatThrownBy(() -> PodStream.normalizeEndpoint("")).hasMessageContaining("empty");
        assertThatThrownBy(() -> PodStream.normalizeEndpoint("host")).hasMessageContaining("no port");
        assertThatThrownBy(() -> PodStream.normalizeEndpoint("host:http")).hasMessageContaining("not a number");
        assertThatThrownBy(() -> PodStream.normalizeEndpoint("host:70000")).hasMessageContaining("0..65535");
        assertThatThrownBy(() -> PodStream.normalizeEndpoint("host:0")).hasMessageContaining("port 0");
        assertThatThrownBy(() -> PodStream.normalizeEndpoint("a b:80")).hasMessageContaining("host contains a space")
                .hasMessageContaining("expected");
    }

    @Test
    void shouldRefuseEndpointsLongerThanTheSpaTakes() {
        String host = "h".repeat(PodStream.MAX_ENDPOINT_LENGTH - 3);
        assertThat(PodStream.normalizeEndpoint(host + ":80")).hasSize(PodStream.MAX_ENDPOINT_LENGTH);
        assertThatThrownBy(() -> PodStream.normalizeEndpoint(host + "h:80"))
                .hasMessageContaining("301 characters").hasMessageContaining("at most 300");
        // Canonical form adds the brackets of an IPv6 host: 299 characters become 301.
        String v6 = "1:" + "0".repeat(PodStream.MAX_ENDPOINT_LENGTH - 6) + ":80";
        assertThat(v6).hasSize(PodStream.MAX_ENDPOINT_LENGTH - 1);
        assertThatThrownBy(() -> PodStream.normalizeEndpoint(v6)).hasMessageContaining("as HOST:PORT")
                .hasMessageContaining("at most 300");
    }

    @Test
    void shouldTakeOnlyIpLiteralsForThePodsOwnAddressWithoutResolvingNames() throws Exception {
        java.net.InetAddress pod = java.net.InetAddress.getByAddress(new byte[] {10, 0, 0, 7});
        java.net.InetAddress loopback = java.net.InetAddress.getLoopbackAddress();
        assertThat(PodStream.isOwnAddress("10.0.0.7:80", pod)).isTrue();
        assertThat(PodStream.isOwnAddress("[::ffff:10.0.0.7]:80", pod)).isTrue();
        assertThat(PodStream.isOwnAddress("localhost:80", loopback)).isTrue();
        assertThat(PodStream.isOwnAddress("[::1]:80", loopback)).isTrue();
        assertThat(PodStream.isOwnAddress("127.0.0.2:80", loopback)).isTrue();
        assertThat(PodStream.isOwnAddress("10.0.0.8:80", pod)).isFalse();
        assertThat(PodStream.isOwnAddress("pod-1.svc:80", pod)).isFalse();
        // Texts that InetAddress.getByName would have sent to DNS, on the SG's data-plane loop.
        for (String name : new String[] {"999.1.1.1", "10.0.0.256", "010.0.0.7", "10.0.0.7.", "1.2.3", "zz:1",
            "g::1", "pod:7"}) {
            assertThat(PodStream.literalAddress(name)).as(name).isNull();
            assertThat(PodStream.isOwnAddress("[" + name + "]:80", pod)).as(name).isFalse();
        }
        assertThat(PodStream.literalAddress("10.0.0.7")).isEqualTo(pod);
        assertThat(PodStream.literalAddress("::1").isLoopbackAddress()).isTrue();
        assertThat(PodStream.literalAddress("1:2")).as("refused as an IPv6 literal, not looked up").isNull();
    }
}
