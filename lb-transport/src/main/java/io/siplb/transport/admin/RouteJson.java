package io.siplb.transport.admin;

import io.siplb.core.route.Route;
import io.siplb.core.route.Router;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToLongFunction;

/** The routes in force as {@code GET /routes} shows them: in order, the default last, with their hits. */
final class RouteJson {
    private RouteJson() {
    }

    static Map<String, Object> listing(Router router, ToLongFunction<String> hits) {
        List<Map<String, Object>> routes = new ArrayList<>();
        for (Route route : router.routes()) {
            routes.add(describe(route, hits));
        }
        if (router.fallback() != null) {
            routes.add(describe(router.fallback(), hits));
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("routes", routes);
        body.put("unmatched", router.fallback() != null ? "dispatch (route default)" : router.unmatched().toString());
        body.put("unmatchedHits", router.unmatchedCount());
        return body;
    }

    private static Map<String, Object> describe(Route route, ToLongFunction<String> hits) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("name", route.name());
        out.put("match", route.match().describe());
        if (route.reply() != null) {
            out.put("reply", route.reply().toString());
        } else {
            out.put("sets", route.sets().stream().map(Object::toString).toList());
            out.put("limit", route.limit());
            out.put("rewrite", route.settings().rewrite().name().toLowerCase(Locale.ROOT));
            out.put("recordRoute", route.settings().recordRoute());
            out.put("failoverCodes", route.settings().failover().codes().toString());
        }
        out.put("hits", hits.applyAsLong(route.name()));
        return out;
    }
}
