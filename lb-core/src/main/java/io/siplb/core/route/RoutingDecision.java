package io.siplb.core.route;

import io.siplb.core.dispatch.FailoverPlan;
import java.util.List;
import java.util.Objects;

/**
 * What to do with a new request: a value, as {@link io.siplb.core.sip.ParseResult} is for a
 * datagram, so that the proxy pattern-matches it and holds no routing logic.
 */
public sealed interface RoutingDecision permits RoutingDecision.Forward, RoutingDecision.Reply,
        RoutingDecision.Drop {

    /** Forward along {@code plan} (which may be empty: 503 then) as {@code route} says. */
    record Forward(FailoverPlan plan, Route route) implements RoutingDecision {
        public Forward {
            Objects.requireNonNull(plan, "plan");
            Objects.requireNonNull(route, "route");
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

    /** Drop it unanswered, counted under {@code reason}. */
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
