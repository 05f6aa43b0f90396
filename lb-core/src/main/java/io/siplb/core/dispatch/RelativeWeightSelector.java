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
        Destination[] all = set.array();
        long total = 0;
        for (Destination d : all) {
            if (d.usable()) {
                total += d.attributes().rweight();
            }
        }
        if (total == 0) {
            return fallback.select(set, request, limit);
        }
        long slot = WeightedSlots.slot(set.nextTurn(), total);
        int index = 0;
        long upTo = 0;
        for (int i = 0; i < all.length; i++) {
            if (all[i].usable()) {
                upTo += all[i].attributes().rweight();
                if (slot < upTo) {
                    index = i;
                    break;
                }
            }
        }
        return FailoverPlan.ring(set, index, limit);
    }
}
