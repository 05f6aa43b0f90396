package io.siplb.core.dispatch;

/**
 * One selection algorithm: picks the destination for a request and the order to fall back in.
 * Implementations never throw for a request: a key they cannot read has a documented fallback,
 * and a set with nothing usable gives an empty plan.
 */
@FunctionalInterface
public interface Selector {
    /**
     * @param set the destination set, not empty
     * @param request what the algorithm may read
     * @param limit most destinations in the plan, 0 = all
     */
    FailoverPlan select(DestinationSet set, RoutingRequest request, int limit);
}
