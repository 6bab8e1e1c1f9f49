package io.dmsc.spa;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.google.protobuf.InvalidProtocolBufferException;
import io.dmsc.node.security.MeshIdentity;
import io.dmsc.wire.auth.PrefixAuthorization;
import io.dmsc.wire.auth.SpaKeys;
import io.dmsc.wire.proto.spa.v1.AuthorizeRequest;
import io.dmsc.wire.proto.spa.v1.AuthorizeResponse;
import io.dmsc.wire.proto.spa.v1.DenyReason;
import java.nio.file.Path;
import java.security.KeyPair;

/**
 * Fuzz target of the SPA's handling of an authorization request: {@link PrefixAuthorityService#validate}
 * (what is answered INVALID_ARGUMENT) and, for a request it passes, the decision under the
 * example policy ({@code examples/spa/policy.yaml}) with each kind of caller. Without
 * {@code JAZZER_FUZZ=1} it replays the seed corpus in
 * {@code AuthorizeRequestFuzzTestInputs/authorizeArbitraryRequest}.
 *
 * <p>The input is the bytes of one {@link AuthorizeRequest}. Properties: validation returns null
 * or a sentence saying what was expected; a validated request is always decided, never throws;
 * a denial has a concrete reason and a message; a grant carries an authorization that decodes,
 * verifies with the SPA's key and names the requested prefix, pod and SG.
 */
class AuthorizeRequestFuzzTest {
    private static final KeyPair KEY = SpaKeys.generate();
    private static final SpaPolicy POLICY = SpaPolicy.load(Path.of("../examples/spa/policy.yaml"));
    private static final PrefixAuthorityService SERVICE = new PrefixAuthorityService("spa-fuzz",
            () -> new SpaState(POLICY, KEY), 60_000, new SpaMetrics("spa-fuzz"), () -> 1_700_000_000_000L);

    @FuzzTest(maxDuration = "60s")
    void authorizeArbitraryRequest(byte[] input) {
        AuthorizeRequest r;
        try {
            r = AuthorizeRequest.parseFrom(input);
        } catch (InvalidProtocolBufferException e) {
            return; // gRPC refuses such bytes before the service sees them
        }
        String problem = PrefixAuthorityService.validate(r);
        if (problem != null) {
            assertThat(problem).contains("(expected:");
            return;
        }
        check(r, SERVICE.decide(r, PrefixAuthorityService.CallerIdentity.NONE));
        check(r, SERVICE.decide(r, new PrefixAuthorityService.CallerIdentity(
                MeshIdentity.node("figure2", r.getSgId()), null)));
        check(r, SERVICE.decide(r, new PrefixAuthorityService.CallerIdentity(
                MeshIdentity.node("figure2", "sg-1"), null)));
        check(r, SERVICE.decide(r, new PrefixAuthorityService.CallerIdentity(null, "certificate expired")));
    }

    private static void check(AuthorizeRequest r, AuthorizeResponse response) {
        if (!response.getGranted()) {
            assertThat(response.getReason()).isNotIn(DenyReason.DENY_REASON_UNSPECIFIED, DenyReason.UNRECOGNIZED);
            assertThat(response.getMessage()).isNotBlank();
            return;
        }
        PrefixAuthorization a = PrefixAuthorization.decode(response.getAuthorization().toByteArray());
        assertThat(SpaKeys.verify(KEY.getPublic(), a.signedBytes(), a.signature())).isTrue();
        assertThat(a.prefix().toString()).isEqualTo(r.getPrefix());
        assertThat(a.podId()).isEqualTo(r.getPodId());
        assertThat(a.sgId()).isEqualTo(r.getSgId());
        assertThat(response.getNotAfterMs()).isEqualTo(a.notAfterMs());
    }
}
