package io.dmsc.gateway.pod;

import static org.assertj.core.api.Assertions.assertThat;

import io.dmsc.wire.ServicePrefix;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LocalEndpointsTest {

    private static PodEndpoint endpoint(String prefix, String address, int weight) {
        return new PodEndpoint(ServicePrefix.parse(prefix), address, "pod-" + address, weight, "", "");
    }

    @Test
    void shouldMatchLongestPrefixByWholeComponents() {
        LocalEndpoints endpoints = new LocalEndpoints(List.of(
                endpoint("/B", "10.0.0.1:1", 1),
                endpoint("/B/4", "10.0.0.4:1", 1),
                endpoint("/shop/payment", "10.0.0.9:1", 1)));

        assertThat(endpoints.select("/B/4/helloworld.Greeter/SayHello").endpoint()).isEqualTo("10.0.0.4:1");
        assertThat(endpoints.select("/B/4").endpoint()).isEqualTo("10.0.0.4:1");
        assertThat(endpoints.select("/B/44/helloworld.Greeter/SayHello").endpoint()).isEqualTo("10.0.0.1:1");
        assertThat(endpoints.select("/B").endpoint()).isEqualTo("10.0.0.1:1");
        assertThat(endpoints.select("/shop/pay/x")).isNull();
        assertThat(endpoints.select("/shop/payment/x").endpoint()).isEqualTo("10.0.0.9:1");
        assertThat(endpoints.select("/Bx")).isNull();
        assertThat(endpoints.select("B/4")).isNull();
        assertThat(endpoints.select("")).isNull();
        assertThat(endpoints.select(null)).isNull();
        assertThat(LocalEndpoints.empty().select("/B")).isNull();
    }

    @Test
    void shouldSpreadPicksInProportionToWeightsSmoothly() {
        LocalEndpoints endpoints = new LocalEndpoints(List.of(
                endpoint("/B", "a:1", 5),
                endpoint("/B", "b:1", 1),
                endpoint("/B", "c:1", 1)));

        List<String> picks = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            picks.add(endpoints.select("/B/m").endpoint());
        }

        // nginx's smooth weighted round robin: a a b a c a a, never b and c in a burst.
        assertThat(picks).containsExactly("a:1", "a:1", "b:1", "a:1", "c:1", "a:1", "a:1");
    }

    @Test
    void shouldKeepProportionsOverManyPicksWithHugeWeights() {
        LocalEndpoints endpoints = new LocalEndpoints(List.of(
                endpoint("/B", "a:1", Integer.MAX_VALUE),
                endpoint("/B", "b:1", Integer.MAX_VALUE)));

        Map<String, Integer> picks = new HashMap<>();
        for (int i = 0; i < 1000; i++) {
            picks.merge(endpoints.select("/B").endpoint(), 1, Integer::sum);
        }

        assertThat(picks).containsEntry("a:1", 500).containsEntry("b:1", 500);
    }

    @Test
    void shouldListPrefixesOnceSortedAndAllEndpoints() {
        LocalEndpoints endpoints = new LocalEndpoints(List.of(
                endpoint("/z", "a:1", 1),
                endpoint("/B", "b:1", 1),
                endpoint("/B", "a:1", 1)));

        assertThat(endpoints.prefixes()).extracting(ServicePrefix::toString).containsExactly("/B", "/z");
        assertThat(endpoints.all()).extracting(PodEndpoint::endpoint).containsExactly("a:1", "b:1", "a:1");
    }
}
