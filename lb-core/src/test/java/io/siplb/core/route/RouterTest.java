package io.siplb.core.route;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.benmanes.caffeine.cache.Ticker;
import io.siplb.core.config.ConfigException;
import io.siplb.core.config.ConfigValues;
import io.siplb.core.dispatch.CallLoad;
import io.siplb.core.dispatch.Destination;
import io.siplb.core.dispatch.DestinationListParser;
import io.siplb.core.dispatch.Dispatcher;
import io.siplb.core.dispatch.FailureMark;
import io.siplb.core.sip.ParseResult;
import io.siplb.core.sip.SipMessage;
import io.siplb.core.sip.SipParser;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Routing rules as a pure function: a request in, a decision out. */
class RouterTest {
    private static final InetSocketAddress PBX = new InetSocketAddress("10.1.2.3", 5060);
    private static final InetSocketAddress STRANGER = new InetSocketAddress("198.51.100.7", 5060);
    private static final String LISTENER = "udp:127.0.0.1:5060";

    private final Dispatcher dispatcher = new Dispatcher();
    private final CallLoad callLoad = new CallLoad(Duration.ofMinutes(5), Duration.ofHours(2), 1000,
            Ticker.systemTicker());

    RouterTest() throws Exception {
        dispatcher.load(DestinationListParser.parse("routes.list", List.of(
                "1 sip:pbx-a 0 1", "1 sip:pbx-b 0 1",
                "2 sip:gw-primary 0 9", "2 sip:gw-second 0 5",
                "3 sip:gw-backup-1 0 0 weight=50", "3 sip:gw-backup-2 0 0 weight=50",
                "4 sip:reg-1 0 0", "4 sip:reg-2 0 0")));
    }

    /** The worked example of docs/routing.md, with the keys given. */
    private Router router(String... extra) {
        Map<String, String> keys = new HashMap<>(Map.of(
                "siplb.routes", "pstn,registrar,pbx,deny",
                "siplb.route.pstn.match.method", "INVITE",
                "siplb.route.pstn.match.ruri-user", "^\\+?[0-9]{8,15}$",
                "siplb.route.pstn.sets", "2:priority,3:weight",
                "siplb.route.pstn.rewrite", "domain",
                "siplb.route.registrar.match.method", "REGISTER",
                "siplb.route.registrar.sets", "4:hash-from",
                "siplb.route.pbx.match.source", "10.0.0.0/8,192.0.2.0/24",
                "siplb.route.pbx.sets", "1:round-robin",
                "siplb.route.deny.reply", "403 Forbidden"));
        for (String pair : extra) {
            int eq = pair.indexOf('=');
            keys.put(pair.substring(0, eq), pair.substring(eq + 1));
        }
        return Routes.from(new ConfigValues(keys), id -> dispatcher.set(id) != null, callLoad);
    }

    private static SipMessage request(String method, String uri, String... headers) {
        StringBuilder text = new StringBuilder(method + " " + uri + " SIP/2.0\r\n"
                + "Via: SIP/2.0/UDP 10.1.2.3:5060;branch=z9hG4bK-r\r\n"
                + "From: <sip:alice@tenant.example.com>;tag=1\r\nTo: <" + uri + ">\r\n"
                + "Call-ID: route-test\r\nCSeq: 1 " + method + "\r\nMax-Forwards: 70\r\n");
        for (String header : headers) {
            text.append(header).append("\r\n");
        }
        byte[] bytes = text.append("Content-Length: 0\r\n\r\n").toString().getBytes(StandardCharsets.UTF_8);
        return ((ParseResult.Parsed) SipParser.DEFAULT.parse(bytes, bytes.length)).message();
    }

    private RoutingDecision route(Router router, SipMessage request, InetSocketAddress source) {
        return router.route(new RouteRequest(request, source, LISTENER), dispatcher);
    }

    private static List<String> hosts(RoutingDecision decision) {
        assertThat(decision).isInstanceOf(RoutingDecision.Forward.class);
        var plan = ((RoutingDecision.Forward) decision).plan();
        List<String> hosts = new ArrayList<>();
        for (int i = 0; i < plan.size(); i++) {
            hosts.add(plan.get(i).uri().host());
        }
        return hosts;
    }

    private static String route(RoutingDecision decision) {
        return ((RoutingDecision.Forward) decision).route().name();
    }

    @Test
    void theFirstMatchingRouteTakesTheRequest() {
        Router router = router();
        RoutingDecision pstn = route(router, request("INVITE", "sip:+4930123456@carrier.example"), PBX);
        assertThat(route(pstn)).isEqualTo("pstn");
        assertThat(((RoutingDecision.Forward) pstn).route().settings().rewrite()).isEqualTo(Rewrite.DOMAIN);
        // set 2 by priority, then set 3 by weight: the plan across sets
        assertThat(hosts(pstn)).hasSize(4).startsWith("gw-primary", "gw-second");
        assertThat(hosts(pstn).subList(2, 4)).containsExactlyInAnyOrder("gw-backup-1", "gw-backup-2");

        assertThat(route(route(router, request("REGISTER", "sip:tenant.example.com"), STRANGER)))
                .isEqualTo("registrar");
        assertThat(route(route(router, request("INVITE", "sip:reception@tenant.example.com"), PBX)))
                .isEqualTo("pbx");
        assertThat(route(router, request("INVITE", "sip:reception@tenant.example.com"), STRANGER))
                .isEqualTo(new RoutingDecision.Reply(403, "Forbidden", List.of()));
        assertThat(router.routes()).extracting(Route::hits).containsExactly(1L, 1L, 1L, 1L);
    }

    @Test
    void aDeadPrimarySetGoesStraightToTheBackupSetAndTheLimitCapsThePlanAcrossSets() {
        for (Destination d : dispatcher.set(2).destinations()) {
            dispatcher.markFailure(d, FailureMark.INACTIVE);
        }
        SipMessage invite = request("INVITE", "sip:004930123456@carrier.example");
        assertThat(hosts(route(router(), invite, PBX))).containsExactlyInAnyOrder("gw-backup-1", "gw-backup-2");
        assertThat(hosts(route(router("siplb.route.pstn.limit=1"), invite, PBX))).hasSize(1);
    }

    @Test
    void withoutRoutesOrMatchesTheDispatchRouteOrTheUnmatchedReplyTakesIt() {
        Router plain = Routes.from(new ConfigValues(Map.of("siplb.dispatch.set", "1")), id -> true, callLoad);
        assertThat(route(route(plain, request("OPTIONS", "sip:x@y"), STRANGER))).isEqualTo("default");
        Router strict = Routes.from(new ConfigValues(Map.of("siplb.routes", "pbx",
                "siplb.route.pbx.match.source", "10.0.0.0/8", "siplb.route.pbx.sets", "1",
                "siplb.routes.unmatched", "404 No Route")), id -> true, callLoad);
        assertThat(route(strict, request("OPTIONS", "sip:x@y"), STRANGER))
                .isEqualTo(new RoutingDecision.Reply(404, "No Route", List.of()));
        assertThat(strict.unmatchedCount()).isEqualTo(1);
    }

    @Test
    void everyMatchKeyNarrowsTheRoute() {
        String[][] cases = {
            {"siplb.route.pbx.match.ruri-user-prefix=recep,oper", "sip:reception@a.example", "pbx"},
            {"siplb.route.pbx.match.ruri-user-prefix=sales", "sip:reception@a.example", "deny"},
            {"siplb.route.pbx.match.ruri-host=^a\\.", "sip:reception@a.example", "pbx"},
            {"siplb.route.pbx.match.ruri-domain=example", "sip:reception@a.example", "pbx"},
            {"siplb.route.pbx.match.ruri-domain=xample", "sip:reception@a.example", "deny"},
            {"siplb.route.pbx.match.listen=udp:127.0.0.1:5060", "sip:reception@a.example", "pbx"},
            {"siplb.route.pbx.match.listen=udp:127.0.0.1:5080", "sip:reception@a.example", "deny"},
            {"siplb.route.pbx.match.header=X-Tenant", "sip:reception@a.example", "pbx"},
            {"siplb.route.pbx.match.header=X-Tenant: ^gold$", "sip:reception@a.example", "pbx"},
            {"siplb.route.pbx.match.header=X-Tenant: ^silver$", "sip:reception@a.example", "deny"},
            {"siplb.route.pbx.match.header=X-Absent", "sip:reception@a.example", "deny"},
            {"siplb.route.pbx.match.from-domain=tenant.example.com", "sip:reception@a.example", "pbx"},
            {"siplb.route.pbx.match.to-domain=b.example", "sip:reception@a.example", "deny"},
            {"siplb.route.pbx.match.method=OPTIONS", "sip:reception@a.example", "deny"},
        };
        for (String[] c : cases) {
            RoutingDecision decision = route(router(c[0]), request("INVITE", c[1], "X-Tenant: gold"), PBX);
            String taken = decision instanceof RoutingDecision.Forward f ? f.route().name() : "deny";
            assertThat(taken).as(c[0]).isEqualTo(c[2]);
        }
        Router v6 = router("siplb.route.pbx.match.source=2001:db8::/32");
        assertThat(route(route(v6, request("INVITE", "sip:x@y"), new InetSocketAddress("2001:db8::5", 5060))))
                .isEqualTo("pbx");
        assertThat(route(v6, request("INVITE", "sip:x@y"), PBX)).isInstanceOf(RoutingDecision.Reply.class);
    }

    @Test
    void admissionChecksComeBeforeAnyRoute() {
        Router router = router();
        assertThat(route(router, request("INVITE", "sip:x@y").edit().maxForwards(0).toMessage(), PBX))
                .isEqualTo(new RoutingDecision.Reply(483, "Too Many Hops", List.of()));
        assertThat(route(router, request("OPTIONS", "mailto:x@y"), PBX))
                .isEqualTo(new RoutingDecision.Reply(416, "Unsupported URI Scheme", List.of()));
        assertThat(route(router, request("OPTIONS", "sip:x@y", "Proxy-Require: foo"), PBX))
                .isEqualTo(new RoutingDecision.Reply(420, "Bad Extension", List.of("Unsupported: foo")));
        assertThat(router.routes()).extracting(Route::hits).containsOnly(0L);
    }

    @Test
    void aReplyOf503CarriesRetryAfter() {
        Router router = router("siplb.route.deny.reply=503 Maintenance");
        assertThat(route(router, request("INVITE", "sip:x@y"), STRANGER))
                .isEqualTo(new RoutingDecision.Reply(503, "Maintenance", List.of("Retry-After: 5")));
    }

    @Test
    void aDropRouteDropsUnanswered() {
        Router router = router("siplb.route.deny.reply=drop");
        assertThat(route(router, request("INVITE", "sip:x@y"), STRANGER)).isEqualTo(new RoutingDecision.Drop("route deny"));
    }

    @Test
    void aBadRuleStopsStartUpWithKeyValueAndRule() {
        assertBad("siplb.route.pstn.sets=9:priority", "siplb.route.pstn.sets=9:priority: set 9 is not in the destination list");
        assertBad("siplb.route.pstn.sets=2:fastest", "siplb.route.pstn.sets=2:fastest: 'fastest' is not an algorithm");
        assertBad("siplb.route.pstn.match.ruri-user=^(+", "siplb.route.pstn.match.ruri-user=^(+: is not a regular expression");
        assertBad("siplb.route.pbx.match.source=10.0.0.0/33", "siplb.route.pbx.match.source=10.0.0.0/33: '10.0.0.0/33' needs a prefix length 0..32");
        assertBad("siplb.route.pbx.match.source=pbx.example.com", "siplb.route.pbx.match.source=pbx.example.com: 'pbx.example.com' is not an IP address");
        assertBad("siplb.route.pbx.match.colour=red", "siplb.route.pbx.match.colour=red: is not a route key");
        assertBad("siplb.route.other.sets=1", "siplb.route.other.sets=1: route 'other' is not in siplb.routes");
        assertBad("siplb.route.deny.sets=1", "siplb.route.deny.sets=1: a route either forwards (sets) or answers (reply), not both");
        assertBad("siplb.route.deny.reply=200 OK", "siplb.route.deny.reply=200 OK: must be a status 300..699 and a reason");
        assertBad("siplb.routes=pstn,Bad Name", "siplb.routes=pstn,Bad Name: 'Bad Name' must be lower-case");
        assertBad("siplb.route.pstn.rewrite=host", "siplb.route.pstn.rewrite=host: must be one of dst, domain");
    }

    private void assertBad(String pair, String message) {
        assertThatThrownBy(() -> router(pair)).isInstanceOf(ConfigException.class).hasMessageStartingWith(message);
    }
}
