package io.siplb.transport.admin;

import io.siplb.core.dispatch.Destination;
import io.siplb.core.dispatch.DestinationSet;
import io.siplb.core.dispatch.SetHealth;
import io.siplb.core.transaction.ProxyCounters;
import io.siplb.core.route.Route;
import io.siplb.core.route.Router;
import io.siplb.core.sip.SipMethod;

import io.siplb.transport.protect.SourceGuard;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What the status page shows, sampled once a second: rates from the proxy's counters, the last
 * 15 minutes of calls/s and failovers/s, and each destination's latency estimate over the last
 * 5 minutes (one sample every 5 s). Fixed size: 900 samples per series, 60 per destination.
 * {@link #sample} runs on one thread (the housekeeping tick); {@link #snapshot} on any.
 */
public final class StatusFeed {
    static final int HISTORY = 900;
    static final int SPARK = 60;

    private final BalancerView balancer;
    private final long[] calls = new long[HISTORY];
    private final long[] failovers = new long[HISTORY];
    private final Map<String, double[]> sparks = new HashMap<>();
    private int next;
    private int filled;
    private long ticks;
    private long lastInvites;
    private long lastFailovers;
    private long lastRequests;
    private long lastOk;
    private long lastShed;
    private Map<String, Object> rates = Map.of();

    public StatusFeed(BalancerView balancer) {
        this.balancer = balancer;
        ProxyCounters counters = balancer.tables().counters();
        lastInvites = counters.requestsByMethod.get(SipMethod.INVITE).sum();
        lastFailovers = counters.failovers.sum();
        lastRequests = counters.requests.sum();
        lastOk = counters.responsesSentByClass[2].sum();
        lastShed = counters.shed.sum();
    }

    /** One second's worth: the counters' deltas, and every fifth second the latency estimates. */
    public synchronized void sample() {
        ProxyCounters counters = balancer.tables().counters();
        long invites = counters.requestsByMethod.get(SipMethod.INVITE).sum();
        long failed = counters.failovers.sum();
        long requests = counters.requests.sum();
        long ok = counters.responsesSentByClass[2].sum();
        long shed = counters.shed.sum();
        calls[next] = invites - lastInvites;
        failovers[next] = failed - lastFailovers;
        Map<String, Object> now = new LinkedHashMap<>();
        now.put("requests", requests - lastRequests);
        now.put("invites", invites - lastInvites);
        now.put("ok", ok - lastOk);
        now.put("failovers", failed - lastFailovers);
        now.put("shed", shed - lastShed);
        rates = now;
        lastInvites = invites;
        lastFailovers = failed;
        lastRequests = requests;
        lastOk = ok;
        lastShed = shed;
        next = (next + 1) % HISTORY;
        filled = Math.min(filled + 1, HISTORY);
        if (ticks++ % 5 == 0) {
            Map<String, double[]> seen = new HashMap<>(sparks.size() * 2);
            for (DestinationSet set : balancer.dispatcher().sets()) {
                for (Destination d : set.destinations()) {
                    String key = d.key();
                    double[] spark = sparks.get(key);
                    if (spark == null) {
                        spark = new double[SPARK];
                    } else {
                        System.arraycopy(spark, 1, spark, 0, SPARK - 1); // in place: snapshot() copies it under the same lock
                    }
                    spark[SPARK - 1] = d.latency().estimate();
                    seen.put(key, spark);
                }
            }
            sparks.clear(); // destinations removed from the list are forgotten
            sparks.putAll(seen);
        }
    }

    /** The page's data, as JSON-ready maps. */
    synchronized Map<String, Object> snapshot() {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("time", System.currentTimeMillis());
        List<Map<String, Object>> sets = new ArrayList<>();
        Map<String, Integer> dialogs = balancer.tables().dialogsByDestination();
        for (DestinationSet set : balancer.dispatcher().sets()) {
            List<Map<String, Object>> destinations = new ArrayList<>();
            for (Destination d : set.destinations()) {
                destinations.add(destination(d, dialogs.getOrDefault(d.key(), 0)));
            }
            SetHealth health = balancer.dispatcher().health(set.id());
            sets.add(Map.of("id", set.id(), "destinations", destinations, "panic", health != null && health.panic()));
        }
        body.put("sets", sets);
        body.put("routes", routes());
        body.put("rates", rates);
        body.put("totals", totals());
        body.put("loopLagMs", balancer.loopLagsMillis());
        body.put("overloaded", balancer.overloaded());
        body.put("probing", balancer.prober().active());
        body.put("cluster", ClusterJson.describe(balancer.cluster().status()));
        body.put("draining", balancer.tables().draining());
        body.put("history", Map.of("calls", series(calls), "failovers", series(failovers)));
        return body;
    }

    /** One destination's row on the page, with its live dialogs and latency sparkline. */
    private Map<String, Object> destination(Destination d, int dialogs) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("uri", d.uri().text());
        out.put("duid", d.attributes().duid());
        out.put("flags", d.state().letters());
        out.put("drain", d.drain().draining() ? d.drain().name().toLowerCase(Locale.ROOT) : null);
        out.put("dialogs", dialogs);
        out.put("priority", d.priority());
        out.put("load", d.load());
        out.put("reported", d.reportedLoad() != null);
        out.put("loadHere", d.localLoad());
        out.put("maxload", d.attributes().maxload());
        out.put("est", round(d.latency().estimate()));
        out.put("avg", round(d.latency().average()));
        out.put("timeouts", d.latency().timeouts());
        out.put("attempts", d.attempts());
        out.put("failures", d.failures());
        double[] spark = sparks.get(d.key());
        List<Double> points = new ArrayList<>();
        if (spark != null) {
            for (double v : spark) {
                points.add(round(v));
            }
        }
        out.put("spark", points);
        return out;
    }

    /** Each route, and the fallback, with its hits. */
    private List<Map<String, Object>> routes() {
        Router router = balancer.router();
        List<Map<String, Object>> routes = new ArrayList<>();
        for (Route route : router.routes()) {
            routes.add(Map.of("name", route.name(), "hits", balancer.routeHits(route.name())));
        }
        if (router.fallback() != null) {
            routes.add(Map.of("name", router.fallback().name(), "hits", balancer.routeHits(router.fallback().name())));
        }
        return routes;
    }

    private Map<String, Object> totals() {
        ProxyCounters counters = balancer.tables().counters();
        SourceGuard guard = balancer.guard();
        Map<String, Object> totals = new LinkedHashMap<>();
        totals.put("malformedDropped", counters.malformedDroppedTotal());
        totals.put("liveTransactions", balancer.tables().liveServerTransactions());
        totals.put("dialogs", balancer.tables().dialogEstimate());
        totals.put("banned", guard.banned());
        totals.put("protectDropped", guard.dropped(SourceGuard.Reason.BANNED) + guard.dropped(SourceGuard.Reason.RATE)
                + guard.dropped(SourceGuard.Reason.SCANNER));
        totals.put("internalErrors", counters.internalErrors.sum());
        return totals;
    }

    /** The filled part of a ring, oldest first. */
    private List<Long> series(long[] ring) {
        List<Long> out = new ArrayList<>(filled);
        for (int i = filled; i > 0; i--) {
            out.add(ring[(next - i + HISTORY) % HISTORY]);
        }
        return out;
    }

    private static double round(double value) {
        return Double.isFinite(value) ? Math.round(value * 10) / 10.0 : 0;
    }
}
