package io.siplb.core.dispatch;

import java.util.concurrent.ThreadLocalRandom;

/**
 * Algorithm 15: selection as RFC 2782 orders SRV targets — the lowest priority value first, and
 * within one priority a weighted random order by each destination's {@code weight} attribute
 * (RFC 2782 "Usage rules": sum the weights, pick a random number from 0 to the sum, take the first
 * destination whose running sum reaches it, remove it, repeat; weight 0 destinations are listed
 * first so that they keep a very small chance). Usable destinations only, at most {@code limit}.
 *
 * <p>Unlike every other algorithm here, lower priority numbers win: this is SRV's rule, for a set
 * written from SRV records. Destinations without a {@code weight} have weight 0.
 */
final class SrvSelector implements Selector {
    SrvSelector(SelectorOptions options) {
    }

    @Override
    public FailoverPlan select(DestinationSet set, RoutingRequest request, int limit) {
        Destination[] all = set.array(); // priority descending: walk it from the end
        FailoverPlan plan = new FailoverPlan(FailoverPlan.capacity(all.length, limit), false);
        Destination[] group = new Destination[all.length];
        int end = all.length;
        while (end > 0 && !plan.full()) {
            int priority = all[end - 1].priority();
            int start = end - 1;
            while (start > 0 && all[start - 1].priority() == priority) {
                start--;
            }
            int count = 0;
            for (int i = start; i < end; i++) {
                if (all[i].usable() && all[i].attributes().weight() == 0) {
                    group[count++] = all[i];
                }
            }
            for (int i = start; i < end; i++) {
                if (all[i].usable() && all[i].attributes().weight() > 0) {
                    group[count++] = all[i];
                }
            }
            weightedOrder(group, count, plan);
            end = start;
        }
        return plan;
    }

    /** Moves {@code group[0, count)} into {@code plan} in RFC 2782's weighted random order. */
    private static void weightedOrder(Destination[] group, int count, FailoverPlan plan) {
        long sum = 0;
        for (int i = 0; i < count; i++) {
            sum += group[i].attributes().weight();
        }
        ThreadLocalRandom random = ThreadLocalRandom.current();
        while (count > 0 && !plan.full()) {
            long pick = random.nextLong(sum + 1);
            long running = 0;
            int chosen = count - 1;
            for (int i = 0; i < count; i++) {
                running += group[i].attributes().weight();
                if (running >= pick) {
                    chosen = i;
                    break;
                }
            }
            plan.add(group[chosen]);
            sum -= group[chosen].attributes().weight();
            System.arraycopy(group, chosen + 1, group, chosen, count - chosen - 1);
            count--;
        }
    }
}
