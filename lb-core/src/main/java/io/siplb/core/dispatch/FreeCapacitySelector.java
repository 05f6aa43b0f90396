package io.siplb.core.dispatch;

/**
 * {@code free-capacity} (siplb's own; Kamailio has no such algorithm): shares by free capacity —
 * each usable destination weighs what it can still take, its capacity less its load
 * ({@link Destination#capacity()}, {@link Destination#load()}: what it reports in its probe replies
 * while fresh, else its {@code maxload} and the calls counted here) — recomputed at every request,
 * exact to the request with the slot permutation of {@link WeightSelector}. A destination without
 * a capacity weighs nothing; when none has free capacity the set is served by call load
 * (algorithm 10), which refuses when all are full.
 */
final class FreeCapacitySelector implements Selector {
    private final CallLoadSelector fallback;

    FreeCapacitySelector(SelectorOptions options) {
        this.fallback = new CallLoadSelector(options);
    }

    @Override
    public FailoverPlan select(DestinationSet set, RoutingRequest request, int limit) {
        int index = WeightedSlots.choose(set, FreeCapacitySelector::free, true);
        return index < 0 ? fallback.select(set, request, limit) : FailoverPlan.ring(set, index, limit);
    }

    static int free(Destination d) {
        int capacity = d.capacity();
        return capacity <= 0 ? 0 : Math.max(0, capacity - d.load());
    }
}
