package io.siplb.core.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ClusterViewTest {
    private final AtomicLong nanos = new AtomicLong();
    private final ClusterView view = new ClusterView("a", Duration.ofMillis(600).toNanos(), nanos::get);

    private static NodeRecord record(Map<String, Integer> loads) {
        return new NodeRecord(0, "h:5060", "", 0, loads, Map.of());
    }

    @Test
    void theOthersLoadsAreSummedAndThisNodesNever() {
        view.heard(Map.of("a", record(Map.of("1 duid x", 100)), "b", record(Map.of("1 duid x", 3, "1 duid y", 1)),
                "c", record(Map.of("1 duid x", 4))));
        assertThat(view.remoteLoads()).containsOnly(Map.entry("1 duid x", 7), Map.entry("1 duid y", 1));
        assertThat(view.members()).containsExactly("a", "b", "c");
    }

    /** While rounds fail the view is kept, each record counting until it is older than the TTL. */
    @Test
    void recordsFreezeThenAgeOutAfterTheTtl() {
        view.heard(Map.of("b", record(Map.of("1 duid x", 3))));
        nanos.addAndGet(Duration.ofMillis(600).toNanos());
        assertThat(view.remoteLoads()).containsEntry("1 duid x", 3);
        nanos.addAndGet(1);
        assertThat(view.remoteLoads()).isEmpty();
        assertThat(view.members()).containsExactly("a");
        view.heard(Map.of("b", record(Map.of("1 duid x", 2))));
        assertThat(view.remoteLoads()).containsEntry("1 duid x", 2);
        view.heard(Map.of()); // b's key expired in the store: gone at once
        assertThat(view.members()).containsExactly("a");
    }

    /**
     * Rendezvous: every node computes the same owner from the same members; a member leaving
     * moves only the destinations it owned, and they spread over the rest.
     */
    @Test
    void ownersAreAgreedAndALeavingMemberMovesOnlyItsOwn() {
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            keys.add("1 sip:10.0.0." + i + ":5060");
        }
        List<String> three = List.of("lb1:5060", "lb2:5060", "lb3:5060");
        Map<String, String> before = new HashMap<>();
        Map<String, Integer> share = new HashMap<>();
        for (String key : keys) {
            before.put(key, ClusterView.owner(three, key));
            share.merge(before.get(key), 1, Integer::sum);
            assertThat(ClusterView.owner(List.of("lb3:5060", "lb1:5060", "lb2:5060"), key)).isEqualTo(before.get(key));
        }
        assertThat(share.values()).allSatisfy(count -> assertThat(count).isBetween(70, 130));
        Map<String, Integer> moved = new HashMap<>();
        for (String key : keys) {
            String after = ClusterView.owner(List.of("lb1:5060", "lb3:5060"), key);
            if (!before.get(key).equals("lb2:5060")) {
                assertThat(after).isEqualTo(before.get(key));
            } else {
                moved.merge(after, 1, Integer::sum);
            }
        }
        assertThat(moved).containsOnlyKeys("lb1:5060", "lb3:5060");
        assertThat(ClusterView.owner(List.of("solo"), keys.get(0))).isEqualTo("solo");
    }
}
