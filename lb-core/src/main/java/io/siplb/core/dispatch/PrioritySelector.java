package io.siplb.core.dispatch;

/**
 * Algorithm 8: the usable destination of highest priority, then the others in priority order
 * (serial forking by priority).
 */
final class PrioritySelector implements Selector {
    PrioritySelector(SelectorOptions options) {
    }

    @Override
    public FailoverPlan select(DestinationSet set, RoutingRequest request, int limit) {
        return FailoverPlan.ring(set, 0, limit);
    }
}
