package io.siplb.core.dispatch;

/**
 * Algorithm 13: priority lowered by measured latency, as Kamailio computes it. For each usable
 * destination {@code lat} is the latency estimate in ms ({@link LatencyStats#estimate()}), or the
 * congestion {@code estimate - average} when the {@code cc} attribute is set; when
 * {@code lat > priority > 0} the priority becomes {@code priority - lat / priority} (integer
 * division, at least 1). The plan orders the usable destinations by that adjusted priority,
 * highest first, and rotates the destinations that share the top value request by request, so
 * equally good destinations share the load.
 */
final class LatencySelector implements Selector {
    LatencySelector(SelectorOptions options) {
    }

    @Override
    public FailoverPlan select(DestinationSet set, RoutingRequest request, int limit) {
        Destination[] all = set.array();
        Ranking ranking = Ranking.start(all.length);
        for (Destination d : all) {
            if (d.usable()) {
                ranking.offer(d, adjustedPriority(d));
            }
        }
        int top = ranking.topTies();
        return ranking.toPlan(limit, top, top > 1 ? set.nextTurn() : 0);
    }

    static int adjustedPriority(Destination d) {
        LatencyStats stats = d.latency();
        double latency = d.attributes().congestionControl()
                ? Math.max(0, stats.estimate() - stats.average())
                : stats.estimate();
        int lat = (int) latency;
        int priority = d.priority();
        if (lat > priority && priority > 0) {
            priority = Math.max(1, priority - lat / priority);
        }
        return priority;
    }
}
