package io.siplb.core.dispatch;

import java.util.concurrent.ThreadLocalRandom;

/** Algorithm 6: a random destination, then the next usable ones around the set. */
final class RandomSelector implements Selector {
    RandomSelector(SelectorOptions options) {
    }

    @Override
    public FailoverPlan select(DestinationSet set, RoutingRequest request, int limit) {
        return FailoverPlan.ring(set, ThreadLocalRandom.current().nextInt(set.size()), limit);
    }
}
