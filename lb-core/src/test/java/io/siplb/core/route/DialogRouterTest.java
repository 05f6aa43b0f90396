package io.siplb.core.route;

import static org.assertj.core.api.Assertions.assertThat;

import io.siplb.core.dispatch.Destination;
import io.siplb.core.dispatch.DestinationIndex;
import io.siplb.core.dispatch.DestinationListException;
import io.siplb.core.dispatch.DestinationListParser;
import io.siplb.core.dispatch.Dispatcher;
import io.siplb.core.net.AddressResolver;
import io.siplb.core.net.Peer;
import io.siplb.core.net.Transport;
import io.siplb.core.sip.ParseResult;
import io.siplb.core.sip.SipMessage;
import io.siplb.core.sip.SipParser;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.Test;

/**
 * Dialog routing as the pure function it is: a request and where it came from in, a
 * {@link RoutingDecision} out — no proxy, no socket, no clock.
 */
class DialogRouterTest {
    private static final String US = "127.0.0.1:5060";
    private static final Peer CALLER = Peer.udp(new InetSocketAddress("127.0.0.1", 5061));
    private static final Peer PBX1 = Peer.udp(new InetSocketAddress("127.0.0.1", 6001));

    private final Dispatcher dispatcher = new Dispatcher();
    private final Map<String, Destination> dialogs = new HashMap<>();
    private final Map<Long, Peer> connections = new HashMap<>();
    private final LongAdder rejected = new LongAdder();
    private final FlowTokens tokens = new FlowTokens("a key of sixteen or more", rejected);
    private final DialogRouter router;

    DialogRouterTest() throws DestinationListException {
        dispatcher.load(DestinationListParser.parse("test.list",
                List.of("1 sip:127.0.0.1:6001 0 2", "1 sip:127.0.0.1:6002 0 1")));
        router = new DialogRouter(uri -> (uri.host() + ":" + AddressResolver.port(uri)).equals(US), dispatcher,
                new DestinationIndex(dispatcher, AddressResolver.LITERALS), dialogs::get, connections::get,
                new TargetChoice(AddressResolver.LITERALS), tokens);
    }

    private Destination pbx(int port) {
        return dispatcher.find(1, "sip:127.0.0.1:" + port).orElseThrow();
    }

    @Test
    void theCallersByeGoesToTheDestinationOurRouteNames() {
        String route = DialogRoute.recordRoute(US, Transport.UDP, pbx(6002));
        RoutingDecision decision = router.inDialog(bye("sip:callee@10.9.9.9", "Route: " + route), CALLER);
        assertThat(decision).isInstanceOf(RoutingDecision.Relay.class);
        RoutingDecision.Relay relay = (RoutingDecision.Relay) decision;
        assertThat(relay.target().destination()).isSameAs(pbx(6002));
        assertThat(relay.target().address()).isEqualTo(new InetSocketAddress("127.0.0.1", 6002));
        assertThat(relay.ourRoutes()).isEqualTo(1);
    }

    @Test
    void withoutOurRouteTheCallIdAffinityNamesTheDestination() {
        dialogs.put("call-1", pbx(6001));
        RoutingDecision.Relay relay = (RoutingDecision.Relay) router.inDialog(bye("sip:callee@10.9.9.9"), CALLER);
        assertThat(relay.target().destination()).isSameAs(pbx(6001));
        assertThat(relay.ourRoutes()).isZero();
    }

    @Test
    void aRequestOfNoDialogOfOursToAHostThatIsNoDestinationIs481() {
        assertThat(router.inDialog(bye("sip:callee@10.9.9.9"), CALLER)).isSameAs(DialogRouter.NO_DIALOG);
    }

    @Test
    void theCalleesByeGoesTowardTheCallersContact() {
        RoutingDecision.Relay relay = (RoutingDecision.Relay) router.inDialog(bye("sip:caller@127.0.0.1:5061"), PBX1);
        assertThat(relay.target().destination()).isNull();
        assertThat(relay.target().address()).isEqualTo(new InetSocketAddress("127.0.0.1", 5061));
    }

    @Test
    void aBrowserWhoseConnectionIsGoneIsAFlowFailed() {
        String toDestination = DialogRoute.recordRoute(US, Transport.UDP, pbx(6001));
        String toBrowser = DialogRoute.callerFacing(US, Transport.WS, 42);
        RoutingDecision decision = router.inDialog(bye("sip:x@df7jal23ls0d.invalid;transport=ws",
                "Route: " + toDestination, "Route: " + toBrowser), PBX1);
        assertThat(decision).isSameAs(DialogRouter.FLOW_FAILED);
        connections.put(42L, new Peer(Transport.WS, new InetSocketAddress("127.0.0.1", 40312), 42, null));
        RoutingDecision.Relay relay = (RoutingDecision.Relay) router.inDialog(bye("sip:x@df7jal23ls0d.invalid;transport=ws",
                "Route: " + toDestination, "Route: " + toBrowser), PBX1);
        assertThat(relay.target().peer().flow()).isEqualTo(42);
        assertThat(relay.ourRoutes()).isEqualTo(2);
    }

    @Test
    void aRegistrarsRequestAlongOurPathGoesToTheClientsConnection() {
        String path = DialogRoute.path(US, Transport.TCP, 7);
        SipMessage invite = request("INVITE sip:alice@192.168.1.20:5070;transport=tcp", null, "Route: " + path);
        assertThat(router.path(invite, CALLER)).as("only a destination routes by a flow").isEmpty();
        assertThat(router.path(invite, PBX1)).contains(DialogRouter.FLOW_FAILED);
        connections.put(7L, new Peer(Transport.TCP, new InetSocketAddress("127.0.0.1", 50000), 7, null));
        RoutingDecision.Relay relay = (RoutingDecision.Relay) router.path(invite, PBX1).orElseThrow();
        assertThat(relay.target().peer().flow()).isEqualTo(7);
        assertThat(relay.pathFrom()).isSameAs(pbx(6001));
    }

    @Test
    void aRegistrarsRequestAlongAUdpPathGoesToTheAddressItsTokenNamesFromTheRegistersSocket() {
        InetSocketAddress natBinding = new InetSocketAddress("127.0.0.9", 40001);
        String path = DialogRoute.udpFlow(US, Transport.UDP, tokens.token(natBinding, 3));
        SipMessage invite = request("INVITE sip:alice@192.168.1.20:5060", null, "Route: " + path);
        assertThat(router.path(invite, CALLER)).as("only a destination routes by a flow").isEmpty();
        RoutingDecision.Relay relay = (RoutingDecision.Relay) router.path(invite, PBX1).orElseThrow();
        assertThat(relay.target().peer()).isEqualTo(Peer.udpFlow(natBinding, 3));
        assertThat(relay.target().peer().lane()).isEqualTo(3);
        assertThat(relay.ourRoutes()).isEqualTo(1);
        assertThat(relay.pathFrom()).isSameAs(pbx(6001));
        assertThat(rejected.sum()).isZero();
    }

    @Test
    void aForgedOrAlteredFlowTokenIs403AndCountedWhoeverSendsIt() {
        String good = tokens.token(new InetSocketAddress("127.0.0.9", 40001), 0);
        String altered = (good.charAt(5) == 'A' ? 'B' : 'A') + "";
        altered = good.substring(0, 5) + altered + good.substring(6);
        String otherKey = new FlowTokens("another key of sixteen", new LongAdder())
                .token(new InetSocketAddress("127.0.0.9", 40001), 0);
        for (String token : List.of(altered, otherKey, "not-base64!", "AAAA")) {
            String path = DialogRoute.udpFlow(US, Transport.UDP, token);
            SipMessage invite = request("INVITE sip:alice@192.168.1.20:5060", null, "Route: " + path);
            assertThat(router.path(invite, PBX1)).as(token).contains(DialogRouter.FORGED_FLOW);
            assertThat(router.path(invite, CALLER)).as(token).contains(DialogRouter.FORGED_FLOW);
        }
        String toDestination = DialogRoute.recordRoute(US, Transport.UDP, pbx(6001));
        String forged = DialogRoute.udpFlow(US, Transport.UDP, altered);
        assertThat(router.inDialog(bye("sip:alice@192.168.1.20", "Route: " + toDestination, "Route: " + forged), PBX1))
                .isSameAs(DialogRouter.FORGED_FLOW);
        assertThat(rejected.sum()).isEqualTo(9);
    }

    @Test
    void theCalleesByeReachesACallerBehindNatAtItsFlowNotItsContact() {
        InetSocketAddress natBinding = new InetSocketAddress("127.0.0.9", 40001);
        String toDestination = DialogRoute.recordRoute(US, Transport.UDP, pbx(6001));
        String toCaller = DialogRoute.udpFlow(US, Transport.UDP, tokens.token(natBinding, 1));
        RoutingDecision.Relay relay = (RoutingDecision.Relay) router.inDialog(bye("sip:alice@192.168.1.20:5060",
                "Route: " + toDestination, "Route: " + toCaller), PBX1);
        assertThat(relay.target().peer()).isEqualTo(Peer.udpFlow(natBinding, 1));
        assertThat(relay.ourRoutes()).isEqualTo(2);
        assertThat(router.inDialog(bye("sip:alice@192.168.1.20:5060", "Route: " + toDestination, "Route: " + toCaller),
                CALLER)).as("only a destination goes toward the caller").isSameAs(DialogRouter.NO_DIALOG);
    }

    @Test
    void aTokenSurvivesIpv6AndEveryLaneAndPort() {
        for (InetSocketAddress address : List.of(new InetSocketAddress("::1", 1), new InetSocketAddress("127.0.0.1", 65535))) {
            for (int lane : new int[] {0, 255, 65535}) {
                assertThat(tokens.peer(tokens.token(address, lane))).isEqualTo(Peer.udpFlow(address, lane));
            }
        }
        assertThat(rejected.sum()).isZero();
    }

    private static SipMessage bye(String requestUri, String... routes) {
        return request("BYE " + requestUri, "b1", routes);
    }

    private static SipMessage request(String requestLine, String toTag, String... extra) {
        String method = requestLine.substring(0, requestLine.indexOf(' '));
        StringBuilder text = new StringBuilder(requestLine).append(" SIP/2.0\r\n")
                .append("Via: SIP/2.0/UDP 127.0.0.1:5061;branch=z9hG4bK-1\r\n")
                .append("From: <sip:caller@example.com>;tag=a1\r\n")
                .append("To: <sip:callee@example.com>").append(toTag == null ? "" : ";tag=" + toTag).append("\r\n")
                .append("Call-ID: call-1\r\nCSeq: 2 ").append(method).append("\r\nMax-Forwards: 70\r\n");
        for (String header : extra) {
            text.append(header).append("\r\n");
        }
        byte[] bytes = text.append("Content-Length: 0\r\n\r\n").toString().getBytes(StandardCharsets.UTF_8);
        return ((ParseResult.Parsed) SipParser.DEFAULT.parse(bytes, bytes.length)).message();
    }
}
