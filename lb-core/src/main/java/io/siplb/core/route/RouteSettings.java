package io.siplb.core.route;

import io.siplb.core.dispatch.FailoverSettings;
import java.util.Objects;

/**
 * How a forwarded request is treated once its route chose the plan.
 *
 * @param failover when an attempt has failed and what then ({@code siplb.failover.*}, or the
 *     route's own {@code failover.*})
 * @param recordRoute whether dialog-creating requests get our Record-Route
 * @param rewrite what happens to the Request-URI
 * @param countsLoad whether calls are counted for algorithm 10 (one of the route's sets uses it)
 */
public record RouteSettings(FailoverSettings failover, boolean recordRoute, Rewrite rewrite, boolean countsLoad) {
    public RouteSettings {
        Objects.requireNonNull(failover, "failover");
        Objects.requireNonNull(rewrite, "rewrite");
    }
}
