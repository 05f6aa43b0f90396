package io.siplb.core.dispatch;

/**
 * Algorithm 12: every usable destination at once (parallel forking), in set order. Kamailio also
 * forks to destinations after the first that are inactive; here they are left out, since a
 * branch to a dead destination can only time out.
 */
final class ParallelSelector implements Selector {
    ParallelSelector(SelectorOptions options) {
    }

    @Override
    public FailoverPlan select(DestinationSet set, RoutingRequest request, int limit) {
        Destination[] all = set.array();
        FailoverPlan plan = new FailoverPlan(FailoverPlan.capacity(all.length, limit), true);
        for (int i = 0; i < all.length && !plan.full(); i++) {
            if (all[i].usable()) {
                plan.add(all[i]);
            }
        }
        return plan;
    }
}
