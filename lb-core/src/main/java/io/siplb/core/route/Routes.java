package io.siplb.core.route;

import io.siplb.core.config.ConfigException;
import io.siplb.core.config.ConfigValues;
import io.siplb.core.dispatch.Algorithm;
import io.siplb.core.dispatch.CallLoad;
import io.siplb.core.dispatch.DispatchSettings;
import io.siplb.core.dispatch.FailoverCodes;
import io.siplb.core.dispatch.FailoverSettings;
import io.siplb.core.dispatch.FailureMark;
import io.siplb.core.dispatch.HashMode;
import io.siplb.core.dispatch.SelectorOptions;
import io.siplb.core.sip.MessageFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntPredicate;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Builds the {@link Router} from the configuration:
 *
 * <pre>
 * siplb.routes=pstn,registrar,deny               # tried in this order, first match wins
 * siplb.route.pstn.match.method=INVITE
 * siplb.route.pstn.match.ruri-user=^\\+?[0-9]{8,15}$   # a properties file needs the backslash doubled
 * siplb.route.pstn.sets=2:priority,3:weight      # set 2 by its algorithm, then set 3 by its own
 * siplb.route.pstn.rewrite=domain                # ds_select_domain; default dst
 * siplb.route.deny.reply=403 Forbidden           # no match keys: every other request; or drop
 * siplb.routes.unmatched=dispatch                # or a reply, e.g. 404 No Route
 * </pre>
 *
 * Every route setting not given is the global key's ({@code siplb.dispatch.*},
 * {@code siplb.failover.*}, {@code siplb.record-route}). With {@code siplb.routes.unmatched=dispatch}
 * (the default) the {@code siplb.dispatch.*} keys are the route of requests no route takes. A bad
 * key or value stops start-up (or a reload) with {@code key=value: rule}.
 */
public final class Routes {
    /** The keys a route may have after {@code siplb.route.NAME.}. */
    public static final Set<String> SUBKEYS = Set.of("match.method", "match.ruri-user", "match.ruri-user-prefix",
            "match.ruri-host", "match.ruri-domain", "match.source", "match.listen", "match.header",
            "match.from-domain", "match.to-domain", "sets", "limit", "hash-mode", "hash-header", "failover.codes",
            "failover.timeout", "failover.invite-timeout", "failover.mark", "failover.exhausted-reply",
            "failover.max-lifetime", "record-route", "rewrite", "reply");

    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9_-]*");
    /** What a request no route takes gets unless {@code siplb.routes.unmatched} says otherwise. */
    private static final RoutingDecision.Reply NO_ROUTE = new RoutingDecision.Reply(404, "No Route", List.of());
    /** The name of the {@code siplb.dispatch.*} route. */
    public static final String DEFAULT = "default";

    /** The keys outside {@code siplb.route*} that routes read, and so read again on a reload. */
    private static final Set<String> READ_BY_ROUTES = Set.of("siplb.dispatch.set", "siplb.dispatch.algorithm",
            "siplb.dispatch.limit", "siplb.dispatch.hash-mode", "siplb.dispatch.hash-header", "siplb.failover.codes",
            "siplb.failover.timeout", "siplb.failover.invite-timeout", "siplb.failover.mark",
            "siplb.failover.max-lifetime", "siplb.failover.exhausted-reply", "siplb.record-route",
            "siplb.overload.retry-after");

    private Routes() {
    }

    /** Whether a reload of the routes reads {@code key} again ({@code siplb.routes}, route keys, their defaults). */
    public static boolean reloads(String key) {
        return key.startsWith("siplb.routes") || key.startsWith("siplb.route.") || READ_BY_ROUTES.contains(key);
    }

    /** Whether {@code key} is {@code siplb.route.NAME.SUBKEY} with a known sub-key. */
    public static boolean isRouteKey(String key) {
        if (!key.startsWith("siplb.route.")) {
            return false;
        }
        String rest = key.substring("siplb.route.".length());
        int dot = rest.indexOf('.');
        return dot > 0 && SUBKEYS.contains(rest.substring(dot + 1));
    }

    /**
     * @param sets whether a set exists in the destination list (a route naming one that does not
     *     is refused)
     * @param callLoad the call counts algorithm 10 reads
     */
    public static Router from(ConfigValues config, IntPredicate sets, CallLoad callLoad) {
        return from(config, sets, callLoad, new ConcurrentHashMap<>());
    }

    /**
     * @param hits the routes' hit counters by name, created here when missing: pass the same map
     *     on every reload so that counts of routes that stay go on counting
     */
    public static Router from(ConfigValues config, IntPredicate sets, CallLoad callLoad,
            Map<String, LongAdder> hits) {
        DispatchSettings dispatch = DispatchSettings.from(config);
        FailoverSettings failover = FailoverSettings.from(config);
        boolean recordRoute = Boolean.parseBoolean(config.oneOf("siplb.record-route", "true", "false"));
        long retryAfter = config.duration("siplb.overload.retry-after", Duration.ofSeconds(1),
                Duration.ofHours(1)).toSeconds();
        List<String> names = names(config.string("siplb.routes"));
        for (String key : config.keys()) {
            if (key.startsWith("siplb.route.")) {
                String rest = key.substring("siplb.route.".length());
                int dot = rest.indexOf('.');
                String name = dot < 0 ? rest : rest.substring(0, dot);
                if (!isRouteKey(key)) {
                    throw new ConfigException(key, config.string(key, ""), "is not a route key: use siplb.route."
                            + name + ".one of " + String.join(", ", new TreeSet<>(SUBKEYS)));
                }
                if (!names.contains(name)) {
                    throw new ConfigException(key, config.string(key, ""), "route '" + name
                            + "' is not in siplb.routes (" + String.join(",", names) + ")");
                }
            }
        }
        List<Route> routes = new ArrayList<>();
        for (String name : names) {
            routes.add(route(config, "siplb.route." + name + ".", name, dispatch, failover, recordRoute, retryAfter, sets,
                    callLoad, hits.computeIfAbsent(name, n -> new LongAdder())));
        }
        String unmatchedText = config.string("siplb.routes.unmatched");
        Route fallback = null;
        RoutingDecision.Reply unmatched = NO_ROUTE;
        if (unmatchedText.equalsIgnoreCase("dispatch")) {
            fallback = dispatchRoute(dispatch, failover, recordRoute, callLoad,
                    hits.computeIfAbsent(DEFAULT, n -> new LongAdder()));
            if (names.contains(DEFAULT)) {
                throw new ConfigException("siplb.routes", config.string("siplb.routes"),
                        "'default' is the name of the siplb.dispatch.* route: choose another");
            }
        } else {
            unmatched = reply("siplb.routes.unmatched", unmatchedText, retryAfter);
        }
        if (routes.isEmpty() && fallback == null) {
            throw new ConfigException("siplb.routes.unmatched", unmatchedText,
                    "must be dispatch when siplb.routes names no route");
        }
        // a key no route name can be (names have no spaces)
        return new Router(routes, fallback, unmatched,
                hits.computeIfAbsent(" unmatched", n -> new LongAdder()));
    }

    /** A router whose only route is the {@code siplb.dispatch.*} one. */
    public static Router single(DispatchSettings dispatch, FailoverSettings failover, boolean recordRoute,
            CallLoad callLoad) {
        return new Router(List.of(), dispatchRoute(dispatch, failover, recordRoute, callLoad,
                new LongAdder()), NO_ROUTE);
    }

    /** The route the {@code siplb.dispatch.*} keys describe, named {@code default}. */
    private static Route dispatchRoute(DispatchSettings dispatch, FailoverSettings failover, boolean recordRoute,
            CallLoad callLoad, LongAdder hits) {
        SelectorOptions options = new SelectorOptions(dispatch.hashMode(), dispatch.hashHeader(), callLoad);
        return new Route("default", RouteMatch.ANY,
                List.of(new RouteSet(dispatch.set(), dispatch.algorithm(), dispatch.algorithm().newSelector(options))),
                dispatch.limit(), new RouteSettings(failover, recordRoute, Rewrite.DST,
                        dispatch.algorithm().countsLoad()), null, hits);
    }

    private static List<String> names(String text) {
        List<String> names = new ArrayList<>();
        for (String item : text.split(",")) {
            String name = item.trim();
            if (name.isEmpty()) {
                continue;
            }
            if (!NAME.matcher(name).matches()) {
                throw new ConfigException("siplb.routes", text, "'" + name
                        + "' must be lower-case letters, digits, '-' and '_'");
            }
            if (names.contains(name)) {
                throw new ConfigException("siplb.routes", text, "'" + name + "' is named twice");
            }
            names.add(name);
        }
        return names;
    }

    private static Route route(ConfigValues config, String prefix, String name, DispatchSettings dispatch,
            FailoverSettings defaults, boolean recordRouteDefault, long retryAfter, IntPredicate sets, CallLoad callLoad,
            LongAdder hits) {
        RouteMatch match = match(config, prefix);
        FailoverSettings failover = failover(config, prefix, defaults);
        String replyText = config.string(prefix + "reply", "");
        RoutingDecision reply = replyText.isEmpty() ? null : replyText.equalsIgnoreCase("drop")
                ? new RoutingDecision.Drop("route " + name) : reply(prefix + "reply", replyText, retryAfter);
        String setsText = config.string(prefix + "sets", "");
        if (reply != null && !setsText.isEmpty()) {
            throw new ConfigException(prefix + "sets", setsText, "a route either forwards (sets) or answers (reply), not both");
        }
        if (reply == null && setsText.isEmpty()) {
            throw new ConfigException(prefix + "sets", "", "route '" + name + "' needs sets (e.g. 1:round-robin) or a reply");
        }
        HashMode hashMode = HashMode.parse(config.choice(prefix + "hash-mode", dispatch.hashMode().name()
                .toLowerCase(Locale.ROOT), "kamailio", "rendezvous"));
        String hashHeader = config.string(prefix + "hash-header", dispatch.hashHeader() == null ? "" : dispatch.hashHeader());
        SelectorOptions options = new SelectorOptions(hashMode, hashHeader.isEmpty() ? null : hashHeader, callLoad);
        List<RouteSet> routeSets = sets(setsText, prefix, name, dispatch.algorithm(), options, sets);
        boolean countsLoad = routeSets.stream().anyMatch(set -> set.algorithm().countsLoad());
        int limit = config.integer(prefix + "limit", dispatch.limit(), 0, 1_000_000);
        boolean recordRoute = Boolean.parseBoolean(config.choice(prefix + "record-route",
                Boolean.toString(recordRouteDefault), "true", "false"));
        Rewrite rewrite = Rewrite.valueOf(config.choice(prefix + "rewrite", "dst", "dst", "domain")
                .toUpperCase(Locale.ROOT));
        return new Route(name, match, routeSets, limit, new RouteSettings(failover, recordRoute, rewrite, countsLoad),
                reply, hits);
    }

    /** What a request must be for route {@code prefix} to take it: {@code match.*}, every key it sets. */
    private static RouteMatch match(ConfigValues config, String prefix) {
        return new RouteMatch(
                Set.copyOf(list(config, prefix + "match.method")),
                regex(config, prefix + "match.ruri-user"),
                list(config, prefix + "match.ruri-user-prefix"),
                regex(config, prefix + "match.ruri-host"),
                list(config, prefix + "match.ruri-domain"),
                cidrs(config, prefix + "match.source"),
                Set.copyOf(list(config, prefix + "match.listen")),
                headerName(config, prefix + "match.header"),
                headerValue(config, prefix + "match.header"),
                list(config, prefix + "match.from-domain"),
                list(config, prefix + "match.to-domain"));
    }

    /** The route's sets, {@code SET} or {@code SET:ALGORITHM} each, in the order tried. */
    private static List<RouteSet> sets(String setsText, String prefix, String name, Algorithm fallback,
            SelectorOptions options, IntPredicate sets) {
        List<RouteSet> routeSets = new ArrayList<>();
        for (String item : setsText.isEmpty() ? new String[0] : setsText.split(",")) {
            String part = item.trim();
            int colon = part.indexOf(':');
            String idText = colon < 0 ? part : part.substring(0, colon);
            Algorithm algorithm = fallback;
            int id;
            try {
                id = Integer.parseInt(idText.trim());
                if (colon >= 0) {
                    algorithm = Algorithm.parse(part.substring(colon + 1));
                }
            } catch (NumberFormatException e) {
                throw new ConfigException(prefix + "sets", setsText, "'" + part + "' must be SET or SET:ALGORITHM");
            } catch (IllegalArgumentException e) {
                throw new ConfigException(prefix + "sets", setsText, e.getMessage());
            }
            if (!sets.test(id)) {
                throw new ConfigException(prefix + "sets", setsText, "set " + id + " is not in the destination list");
            }
            if (algorithm == Algorithm.HASH_HEADER && options.hashHeader() == null) {
                throw new ConfigException(prefix + "hash-header", "",
                        "must name a header when a set of route '" + name + "' uses 7 (hash-header)");
            }
            routeSets.add(new RouteSet(id, algorithm, algorithm.newSelector(options)));
        }
        return routeSets;
    }

    private static FailoverSettings failover(ConfigValues config, String prefix, FailoverSettings defaults) {
        String codesText = config.string(prefix + "failover.codes", null);
        FailoverCodes codes = defaults.codes();
        if (codesText != null) {
            try {
                codes = FailoverCodes.parse(codesText);
            } catch (IllegalArgumentException e) {
                throw new ConfigException(prefix + "failover.codes", codesText, e.getMessage());
            }
        }
        Duration timeout = config.duration(prefix + "failover.timeout", defaults.timeout(), Duration.ofMillis(100),
                Duration.ofMinutes(5));
        Duration inviteTimeout = config.duration(prefix + "failover.invite-timeout", defaults.inviteTimeout(),
                Duration.ofSeconds(1), Duration.ofHours(1));
        FailureMark mark = FailureMark.parse(config.choice(prefix + "failover.mark",
                defaults.mark().name().toLowerCase(Locale.ROOT), "none", "trying", "inactive"));
        int exhausted = config.integer(prefix + "failover.exhausted-reply", defaults.exhaustedReply(), 300, 699);
        Duration lifetime = config.duration(prefix + "failover.max-lifetime", defaults.maxLifetime(),
                Duration.ofSeconds(1), Duration.ofHours(24));
        return new FailoverSettings(codes, timeout, inviteTimeout, mark, exhausted, lifetime);
    }

    /** {@code 403 Forbidden}: a status 300..699 and a reason; 503 gets {@code siplb.overload.retry-after}. */
    private static RoutingDecision.Reply reply(String key, String text, long retryAfter) {
        String trimmed = text.trim();
        int space = trimmed.indexOf(' ');
        String codeText = space < 0 ? trimmed : trimmed.substring(0, space);
        int status;
        try {
            status = Integer.parseInt(codeText);
        } catch (NumberFormatException e) {
            status = -1;
        }
        if (status < 300 || status > 699) {
            throw new ConfigException(key, text, "must be a status 300..699 and a reason, e.g. 403 Forbidden");
        }
        String reason = space < 0 ? MessageFactory.reasonPhrase(status, "Refused")
                : trimmed.substring(space + 1).trim();
        if (reason.chars().anyMatch(c -> c < 0x20)) {
            throw new ConfigException(key, text, "the reason must be one line of text");
        }
        return new RoutingDecision.Reply(status, reason, status == 503 ? List.of("Retry-After: " + retryAfter) : List.of());
    }


    private static List<String> list(ConfigValues config, String key) {
        String text = config.string(key, "");
        List<String> items = new ArrayList<>();
        for (String item : text.split(",")) {
            if (!item.isBlank()) {
                items.add(item.trim());
            }
        }
        return new ArrayList<>(new LinkedHashSet<>(items));
    }

    private static Regex regex(ConfigValues config, String key) {
        String text = config.string(key, "");
        return text.isEmpty() ? null : compile(key, text, text);
    }

    private static Regex compile(String key, String value, String pattern) {
        try {
            return new Regex(Pattern.compile(pattern));
        } catch (PatternSyntaxException e) {
            throw new ConfigException(key, value, "is not a regular expression: " + e.getDescription()
                    + " at index " + e.getIndex());
        }
    }

    private static List<Cidr> cidrs(ConfigValues config, String key) {
        List<Cidr> cidrs = new ArrayList<>();
        for (String item : list(config, key)) {
            try {
                cidrs.add(Cidr.parse(item));
            } catch (IllegalArgumentException e) {
                throw new ConfigException(key, config.string(key, ""), e.getMessage());
            }
        }
        return cidrs;
    }

    private static String headerName(ConfigValues config, String key) {
        String text = config.string(key, "");
        if (text.isEmpty()) {
            return null;
        }
        int colon = text.indexOf(':');
        String name = (colon < 0 ? text : text.substring(0, colon)).trim();
        if (name.isEmpty() || !name.chars().allMatch(c -> c > 0x20 && c < 0x7F && "()<>@,;:\\\"/[]?={}".indexOf(c) < 0)) {
            throw new ConfigException(key, text, "must be a header name, optionally ': pattern'");
        }
        return name;
    }

    private static Regex headerValue(ConfigValues config, String key) {
        String text = config.string(key, "");
        int colon = text.indexOf(':');
        if (colon < 0 || text.substring(colon + 1).isBlank()) {
            return null;
        }
        return compile(key, text, text.substring(colon + 1).trim());
    }
}
