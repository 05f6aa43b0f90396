package io.siplb.core.route;

import io.netty.util.AsciiString;
import io.siplb.core.dispatch.Dispatcher;
import io.siplb.core.dispatch.SipRoutingRequest;
import io.siplb.core.sip.AbsoluteUri;
import io.siplb.core.sip.HeaderName;
import io.siplb.core.sip.SipMessage;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.LongAdder;

/**
 * Decides what happens to a new request (no To tag): first the admission checks every proxy makes
 * (RFC 3261 §16.3), then the routes in order, first match wins; a request no route takes goes to
 * the fallback route ({@code siplb.dispatch.*}) or gets the unmatched reply ({@code 404 No Route}
 * unless configured otherwise).
 *
 * <p>Pure and shared by every event loop: the decision depends on the request, where it came from
 * and the dispatcher's sets, and only hit counters change. Retransmissions, CANCEL and ACK are the
 * transaction layer's, requests of a dialog and along a Path the {@link DialogRouter}'s, and the
 * proxy's own state (overload, draining, a full table) the proxy's.
 */
public final class Router {
    private final List<Route> routes;
    private final Route fallback;
    private final RoutingDecision.Reply unmatched;
    private final LongAdder unmatchedCount;

    /**
     * @param routes the routes in order
     * @param fallback the route of requests no route takes, or {@code null} to answer them
     * @param unmatched the answer when there is no fallback
     */
    public Router(List<Route> routes, Route fallback, RoutingDecision.Reply unmatched) {
        this(routes, fallback, unmatched, new LongAdder());
    }

    /** @param unmatchedCount counts requests no route took, kept by the caller across reloads */
    public Router(List<Route> routes, Route fallback, RoutingDecision.Reply unmatched, LongAdder unmatchedCount) {
        this.unmatchedCount = Objects.requireNonNull(unmatchedCount, "unmatchedCount");
        this.routes = List.copyOf(routes);
        this.fallback = fallback;
        this.unmatched = Objects.requireNonNull(unmatched, "unmatched");
    }

    /** The decision for {@code request}. */
    public RoutingDecision route(RouteRequest request, Dispatcher dispatcher) {
        SipMessage message = request.message();
        RoutingDecision.Reply refused = admission(message);
        if (refused != null) {
            return refused;
        }
        SipRoutingRequest routing = new SipRoutingRequest(message);
        for (int i = 0; i < routes.size(); i++) { // no iterator per request
            Route route = routes.get(i);
            if (route.match().matches(request)) {
                route.hit();
                return route.decide(dispatcher, routing);
            }
        }
        if (fallback != null) {
            fallback.hit();
            return fallback.decide(dispatcher, routing);
        }
        unmatchedCount.increment();
        return unmatched;
    }

    /**
     * RFC 3261 §16.3: what a proxy refuses whatever the routes say — 483, 416, 420 — or
     * {@code null}. {@link #route} applies it first; the proxy applies it alone to requests of a
     * dialog, which are not routed here.
     */
    public static RoutingDecision.Reply admission(SipMessage request) {
        if (request.maxForwards() == 0) {
            return TOO_MANY_HOPS; // step 3
        }
        if (request.requestUri() instanceof AbsoluteUri) {
            return UNSUPPORTED_SCHEME; // step 2
        }
        AsciiString proxyRequire = request.headerValue(HeaderName.PROXY_REQUIRE);
        if (proxyRequire != null) {
            // step 5: this proxy supports no extension a Proxy-Require can name
            return new RoutingDecision.Reply(420, "Bad Extension", List.of("Unsupported: " + proxyRequire));
        }
        return null;
    }

    private static final RoutingDecision.Reply TOO_MANY_HOPS = new RoutingDecision.Reply(483, "Too Many Hops", List.of());
    private static final RoutingDecision.Reply UNSUPPORTED_SCHEME =
            new RoutingDecision.Reply(416, "Unsupported URI Scheme", List.of());

    /** The routes in order. */
    public List<Route> routes() {
        return routes;
    }

    /** The names of the routes, the fallback's last when there is one. */
    public List<String> names() {
        List<String> names = new ArrayList<>(routes.size() + 1);
        routes.forEach(route -> names.add(route.name()));
        if (fallback != null) {
            names.add(fallback.name());
        }
        return names;
    }

    /** The route of requests no route takes, or {@code null}. */
    public Route fallback() {
        return fallback;
    }

    /** What requests no route takes get when there is no fallback. */
    public RoutingDecision.Reply unmatched() {
        return unmatched;
    }

    /** Requests no route took and no fallback either. */
    public long unmatchedCount() {
        return unmatchedCount.sum();
    }

    /** The settings of requests that are not routed here (those of a dialog): the fallback's, else the first route's. */
    public RouteSettings defaultSettings() {
        return fallback != null ? fallback.settings() : routes.get(0).settings();
    }
}
