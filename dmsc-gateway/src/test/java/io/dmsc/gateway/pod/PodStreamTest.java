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
}
