package io.siplb.core.dispatch;

/**
 * Algorithm 9: shares by the {@code weight} attribute, exact to the request instead of
 * Kamailio's 100-slot table (where weights are truncated and leftover slots go to the last
 * destination).
 *
 * <p>Each turn {@code t} of the set maps to the slot {@code (t · p) mod W}, with {@code W} the sum
 * of weights and {@code p} a prime larger than any {@code W}: over every {@code W} turns each slot
 * comes up exactly once, so each destination gets exactly its weight, interleaved rather than in
 * runs. A slot whose destination is not usable passes to the next usable one, as in Kamailio.
 * With every weight 0 the set is served round-robin.
 */
final class WeightSelector implements Selector {
    private final RoundRobinSelector fallback = new RoundRobinSelector();

    WeightSelector(SelectorOptions options) {
    }

    @Override
    public FailoverPlan select(DestinationSet set, RoutingRequest request, int limit) {
        Destination[] all = set.array();
        long total = 0;
        for (Destination d : all) {
            total += d.attributes().weight();
        }
        if (total == 0) {
            return fallback.select(set, request, limit);
        }
        long slot = WeightedSlots.slot(set.nextTurn(), total);
        int index = 0;
        for (long upTo = all[0].attributes().weight(); slot >= upTo; upTo += all[++index].attributes().weight()) {
            // walk to the destination owning the slot
        }
        return FailoverPlan.ring(set, index, limit);
    }
}
