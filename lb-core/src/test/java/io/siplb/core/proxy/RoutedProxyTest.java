package io.siplb.core.proxy;

import static io.siplb.core.proxy.Network.method;
import static io.siplb.core.proxy.Network.status;
import static org.assertj.core.api.Assertions.assertThat;

import io.siplb.core.sip.SipMessage;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/** Routing decisions applied by the proxy, in virtual time: rewrite=domain, replies, per-route failover. */
class RoutedProxyTest {
    private static final int UAC = 5061;
    private static final int D1 = 6001;
    private static final int D2 = 6002;

    private static String invite(String uri) {
        return "INVITE " + uri + " SIP/2.0\r\n"
                + "Via: SIP/2.0/UDP 127.0.0.1:5061;branch=z9hG4bK-pstn-1\r\n"
                + "From: sipp <sip:sipp@127.0.0.1:5061>;tag=caller\r\n"
                + "To: <" + uri + ">\r\n"
                + "Call-ID: pstn-call\r\nCSeq: 1 INVITE\r\n"
                + "Contact: <sip:sipp@127.0.0.1:5061>\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n";
    }

    @Test
    void rewriteDomainPutsEachDestinationsHostInTheRequestUriAgainOnFailover() {
        ProxyHarness h = new ProxyHarness(2, UnaryOperator.identity(), Map.of("siplb.routes", "pstn",
                "siplb.route.pstn.match.ruri-user", "^\\+[0-9]+$", "siplb.route.pstn.sets", "1:priority",
                "siplb.route.pstn.rewrite", "domain", "siplb.routes.unmatched", "404 No Route"));
        String uri = "sip:+4930123456@carrier.example;user=phone";
        h.send(invite(uri), ProxyHarness.UAC);
        SipMessage first = h.forwardedTo(D1, "INVITE");
        String tail = "From: sipp <sip:sipp@127.0.0.1:5061>;tag=caller\r\nTo: <" + uri + ">\r\n"
                + "Call-ID: pstn-call\r\nCSeq: 1 INVITE\r\nContact: <sip:sipp@127.0.0.1:5061>\r\n";
        assertThat(first.toString()).startsWith("INVITE sip:+4930123456@127.0.0.1:6001;user=phone SIP/2.0\r\n")
                .contains(tail); // the rest as the caller wrote it, To included (ds_select_domain keeps it)
        h.answer(first, 503, "busy", D1);
        SipMessage second = h.forwardedTo(D2, "INVITE");
        assertThat(second.toString()).startsWith("INVITE sip:+4930123456@127.0.0.1:6002;user=phone SIP/2.0\r\n")
                .contains(tail);
        h.answer(second, 200, "ok", D2);
        h.network.take(UAC, status(200));
    }

    @Test
    void rewriteDstLeavesTheRequestUriAsItCame() {
        ProxyHarness h = new ProxyHarness(1, UnaryOperator.identity(), Map.of("siplb.routes", "any",
                "siplb.route.any.sets", "1"));
        h.send(invite("sip:+4930123456@carrier.example;user=phone"), ProxyHarness.UAC);
        assertThat(h.forwardedTo(D1, "INVITE").toString())
                .startsWith("INVITE sip:+4930123456@carrier.example;user=phone SIP/2.0\r\n");
    }

    @Test
    void aReplyRouteAnswersWithoutForwardingAndAnUnmatchedRequestGets404() {
        ProxyHarness h = new ProxyHarness(1, UnaryOperator.identity(), Map.of("siplb.routes", "pstn,deny",
                "siplb.route.pstn.match.ruri-user", "^\\+", "siplb.route.pstn.sets", "1",
                "siplb.route.deny.match.method", "REGISTER", "siplb.route.deny.reply", "403 Forbidden",
                "siplb.routes.unmatched", "404 No Route"));
        h.send(h.request("REGISTER", "reg", null, "z9hG4bK-reg", 1), ProxyHarness.UAC);
        assertThat(h.network.take(UAC, status(403)).reasonPhrase()).isEqualTo("Forbidden");
        h.send(h.invite("other"), ProxyHarness.UAC);
        assertThat(h.network.take(UAC, status(404)).reasonPhrase()).isEqualTo("No Route");
        assertThat(h.network.count(D1, method("INVITE"))).isZero();
        assertThat(h.tables.liveServerTransactions()).isZero();
    }

    @Test
    void aRoutesOwnFailoverCodesDecideWhatFailsOver() {
        ProxyHarness h = new ProxyHarness(2, UnaryOperator.identity(), Map.of("siplb.routes", "busy-fails-over",
                "siplb.route.busy-fails-over.sets", "1:priority",
                "siplb.route.busy-fails-over.failover.codes", "486,5xx"));
        h.send(invite("sip:someone@example.com"), ProxyHarness.UAC);
        h.answer(h.forwardedTo(D1, "INVITE"), 486, "busy", D1); // the global codes (5xx,408) would relay it
        h.answer(h.forwardedTo(D2, "INVITE"), 200, "ok", D2);
        h.network.take(UAC, status(200));
    }

    @Test
    void aDropRouteSendsNothingAndCountsIt() {
        ProxyHarness h = new ProxyHarness(1, UnaryOperator.identity(), Map.of("siplb.routes", "scanners",
                "siplb.route.scanners.match.header", "User-Agent: friendly-scanner",
                "siplb.route.scanners.reply", "drop"));
        h.send(h.request("OPTIONS", "scan", null, "z9hG4bK-scan", 1, "User-Agent: friendly-scanner"), ProxyHarness.UAC);
        assertThat(h.network.sent).isEmpty();
        assertThat(h.tables.counters().routeDropped.sum()).isEqualTo(1);
        h.send(h.request("OPTIONS", "ok", null, "z9hG4bK-ok", 1, "User-Agent: sipp"), ProxyHarness.UAC);
        h.forwardedTo(D1, "OPTIONS"); // the default route
    }
}
