package io.siplb.core.dispatch;

/**
 * Algorithm 14: round-robin while every destination of the set has the same priority, else serial
 * by priority (algorithm 8) — one setting for a set that is sometimes a pool of equals and
 * sometimes a primary with backups.
 */
final class PriorityRoundRobinSelector implements Selector {
    private final RoundRobinSelector roundRobin = new RoundRobinSelector();

    PriorityRoundRobinSelector(SelectorOptions options) {
    }

    @Override
    public FailoverPlan select(DestinationSet set, RoutingRequest request, int limit) {
        Destination[] all = set.array();
        for (int i = 1; i < all.length; i++) {
            if (all[i].priority() != all[0].priority()) {
                return FailoverPlan.ring(set, 0, limit); // the set is ordered by priority
            }
        }
        return roundRobin.select(set, request, limit);
    }
}
