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
        int index = WeightedSlots.choose(set, d -> d.attributes().weight(), false);
        return index < 0 ? fallback.select(set, request, limit) : FailoverPlan.ring(set, index, limit);
    }
}
