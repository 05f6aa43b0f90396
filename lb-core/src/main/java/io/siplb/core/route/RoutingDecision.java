package io.siplb.core.route;

import io.siplb.core.dispatch.Destination;
import io.siplb.core.dispatch.FailoverPlan;
import java.util.List;
import java.util.Objects;

/**
 * What to do with a request: a value, as {@link io.siplb.core.sip.ParseResult} is for a message,
 * so that the proxy pattern-matches it and holds no routing logic. The {@link Router} decides a
 * new request ({@link Forward}, {@link Reply}, {@link Drop}); the {@link DialogRouter} a request of
 * a dialog or one along our Path ({@link Relay}, or a {@link Reply} of 430 or 481).
 */
public sealed interface RoutingDecision permits RoutingDecision.Forward, RoutingDecision.Relay,
        RoutingDecision.Reply, RoutingDecision.Drop {

    /** Forward along {@code plan} (which may be empty: 503 then) as {@code route} says. */
    record Forward(FailoverPlan plan, Route route) implements RoutingDecision {
        public Forward {
            Objects.requireNonNull(plan, "plan");
            Objects.requireNonNull(route, "route");
        }
    }

    /**
     * Relay it to one known next hop, without failover (a request of a dialog, or along a Path).
     *
     * @param ourRoutes how many of its top Route entries are ours, removed before it goes
     * @param pathFrom the destination a request along our Path came from (its dialog is
     *     Record-Routed back to it), else {@code null}
     */
    record Relay(Target target, int ourRoutes, Destination pathFrom) implements RoutingDecision {
        public Relay {
            Objects.requireNonNull(target, "target");
        }
    }

    /**
     * Answer it.
     *
     * @param headers whole header lines without CRLF, such as {@code Retry-After: 5}
     */
    record Reply(int status, String reason, List<String> headers) implements RoutingDecision {
        public Reply {
            if (status < 300 || status > 699) {
                throw new IllegalArgumentException("a reply must be a final failure status 300..699, not " + status);
            }
            Objects.requireNonNull(reason, "reason");
            headers = List.copyOf(headers);
        }

        @Override
        public String toString() {
            return status + " " + reason;
        }
    }

    /**
     * Drop it unanswered (the proxy counts it in {@code routeDropped}); {@code reason} says which
     * route decided it ({@code route NAME}), for whoever reads the decision: a test, a debugger.
     */
    record Drop(String reason) implements RoutingDecision {
        public Drop {
            Objects.requireNonNull(reason, "reason");
        }

        @Override
        public String toString() {
            return "drop";
        }
    }
}
