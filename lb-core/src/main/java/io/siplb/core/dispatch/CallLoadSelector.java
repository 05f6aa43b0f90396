package io.siplb.core.dispatch;

import io.siplb.core.sip.SipMethod;

/**
 * Algorithm 10: a new call (INVITE) goes to the usable destination with the fewest calls in
 * progress among those below their {@code maxload} (0 = no limit), ties to the first in set order
 * — the load and the limit a destination reports in its probe replies while fresh
 * ({@link Destination#load()}, {@link Destination#capacity()});
 * the plan continues with the others by load. When every destination is at its limit the plan is
 * empty and the request is refused (503), as Kamailio fails the selection.
 *
 * <p>Any other request of a call already counted goes to that call's destination first; other
 * requests are spread by Call-ID hash (Kamailio sends them all to the first destination). Loads
 * are counted by {@link CallLoad}, which the failover flow updates.
 */
final class CallLoadSelector implements Selector {
    private final CallLoad callLoad;
    private final CallIdHashSelector byCallId;

    CallLoadSelector(SelectorOptions options) {
        this.callLoad = options.callLoad();
        this.byCallId = new CallIdHashSelector(options);
    }

    @Override
    public FailoverPlan select(DestinationSet set, RoutingRequest request, int limit) {
        CharSequence callId = request.callId();
        if (request.method() != SipMethod.INVITE || callId == null) {
            Destination counted = callId == null ? null : callLoad.destinationOf(callId);
            if (counted == null || !counted.usable() || !set.holds(counted)) {
                return byCallId.select(set, request, limit);
            }
            FailoverPlan plan = new FailoverPlan(FailoverPlan.capacity(set.size(), limit), false);
            plan.add(counted);
            FailoverPlan rest = FailoverPlan.ring(set, 0, 0);
            for (int i = 0; i < rest.size() && !plan.full(); i++) {
                if (rest.get(i) != counted) {
                    plan.add(rest.get(i));
                }
            }
            return plan;
        }
        Destination[] all = set.array();
        Ranking ranking = Ranking.start(all.length);
        for (Destination d : all) {
            if (d.usable() && belowLimit(d)) {
                ranking.offer(d, -d.load()); // fewest calls first, ties in set order
            }
        }
        return ranking.toPlan(limit, 0, 0);
    }

    private static boolean belowLimit(Destination d) {
        int max = d.capacity();
        return max == 0 || d.load() < max;
    }
}
