package io.siplb.core.dispatch;

/**
 * Algorithm 11: shares by the {@code rweight} attribute, recomputed over the usable destinations
 * at every request, so a dead destination's share spreads over the others in proportion to their
 * own. Exact to the request with the slot permutation of {@link WeightSelector} instead of
 * Kamailio's 100-slot table. With no usable rweight the set is served round-robin.
 */
final class RelativeWeightSelector implements Selector {
    private final RoundRobinSelector fallback = new RoundRobinSelector();

    RelativeWeightSelector(SelectorOptions options) {
    }

    @Override
    public FailoverPlan select(DestinationSet set, RoutingRequest request, int limit) {
        int index = WeightedSlots.choose(set, d -> d.attributes().rweight(), true);
        return index < 0 ? fallback.select(set, request, limit) : FailoverPlan.ring(set, index, limit);
    }
}
