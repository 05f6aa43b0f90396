package io.siplb.core.dispatch;

/**
 * Algorithm 4: each request to the next usable destination of the set, the cursor per set
 * (Kamailio's per-set {@code last}); the plan goes on around the set from the chosen one.
 */
final class RoundRobinSelector implements Selector {
    RoundRobinSelector() {
    }

    RoundRobinSelector(SelectorOptions options) {
        this();
    }

    @Override
    public FailoverPlan select(DestinationSet set, RoutingRequest request, int limit) {
        int chosen = set.nextRoundRobin();
        return chosen < 0 ? FailoverPlan.empty() : FailoverPlan.ring(set, chosen, limit);
    }
}
