package io.siplb.core.route;

import io.siplb.core.dispatch.Dispatcher;
import io.siplb.core.dispatch.FailoverPlan;
import io.siplb.core.dispatch.DestinationSet;
import io.siplb.core.dispatch.RoutingRequest;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.LongAdder;

/**
 * One routing rule: when it {@linkplain RouteMatch matches}, a request is either answered with
 * {@code reply} or forwarded along a plan across {@code sets} (Kamailio's {@code ds_select_routes}:
 * the first set by its algorithm, then the next by its own, capped by {@code limit} in all).
 * Counts the requests it took.
 */
public final class Route {
    private final String name;
    private final RouteMatch match;
    private final List<RouteSet> sets;
    private final int limit;
    private final RouteSettings settings;
    private final RoutingDecision reply;
    private final LongAdder hits;

    /**
     * @param reply the answer ({@link RoutingDecision.Reply} or {@link RoutingDecision.Drop}) instead
     *     of forwarding, or {@code null} to forward
     */
    public Route(String name, RouteMatch match, List<RouteSet> sets, int limit, RouteSettings settings,
            RoutingDecision reply) {
        this(name, match, sets, limit, settings, reply, new LongAdder());
    }

    /**
     * @param hits the counter of requests this route takes, kept by the caller so that it survives
     *     a reload of the routes
     */
    public Route(String name, RouteMatch match, List<RouteSet> sets, int limit, RouteSettings settings,
            RoutingDecision reply, LongAdder hits) {
        this.hits = Objects.requireNonNull(hits, "hits");
        this.name = Objects.requireNonNull(name, "name");
        this.match = Objects.requireNonNull(match, "match");
        this.sets = List.copyOf(sets);
        this.limit = limit;
        this.settings = Objects.requireNonNull(settings, "settings");
        this.reply = reply;
        if (reply instanceof RoutingDecision.Forward) {
            throw new IllegalArgumentException("route " + name + ": a reply is a Reply or a Drop");
        }
        if (reply == null && sets.isEmpty()) {
            throw new IllegalArgumentException("route " + name + " has neither sets nor a reply");
        }
    }

    public String name() {
        return name;
    }

    public RouteMatch match() {
        return match;
    }

    public List<RouteSet> sets() {
        return sets;
    }

    public int limit() {
        return limit;
    }

    public RouteSettings settings() {
        return settings;
    }

    /** The answer (a reply or a drop) this route gives instead of forwarding, or {@code null}. */
    public RoutingDecision reply() {
        return reply;
    }

    /** Requests this route took since it was loaded. */
    public long hits() {
        return hits.sum();
    }

    void hit() {
        hits.increment();
    }

    /** The decision for a request this route took. */
    RoutingDecision decide(Dispatcher dispatcher, RoutingRequest request) {
        if (reply != null) {
            return reply;
        }
        return new RoutingDecision.Forward(plan(dispatcher, request), this);
    }

    /** Each set's plan in turn, usable destinations only, {@code limit} in all (0 = no cap). */
    FailoverPlan plan(Dispatcher dispatcher, RoutingRequest request) {
        if (sets.size() == 1) {
            return one(sets.get(0), dispatcher, request, limit);
        }
        FailoverPlan[] parts = new FailoverPlan[sets.size()];
        for (int i = 0; i < parts.length; i++) {
            parts[i] = one(sets.get(i), dispatcher, request, limit);
        }
        return FailoverPlan.concat(parts, limit);
    }

    private static FailoverPlan one(RouteSet routeSet, Dispatcher dispatcher, RoutingRequest request, int limit) {
        DestinationSet set = dispatcher.set(routeSet.setId());
        return set == null ? FailoverPlan.empty() : routeSet.selector().select(set, request, limit);
    }

    @Override
    public String toString() {
        return name;
    }
}
