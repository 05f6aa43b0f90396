package io.siplb.core.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import io.siplb.core.sip.ParseResult;
import io.siplb.core.sip.SipMessage;
import io.siplb.core.sip.SipMethod;
import io.siplb.core.sip.SipParser;
import io.siplb.core.sip.SipUri;
import io.siplb.testing.Fixtures;
import org.junit.jupiter.api.Test;

/** The routing view of real messages, and selection driven by it. */
class SipRoutingRequestTest {

    private static SipMessage parse(byte[] bytes) {
        return ((ParseResult.Parsed) SipParser.DEFAULT.parse(bytes, bytes.length)).message();
    }

    @Test
    void readsEveryKeyFromTheMessage() {
        SipMessage register = parse(Fixtures.message("",
                "REGISTER sip:registrar.biloxi.com SIP/2.0",
                "Via: SIP/2.0/UDP bobspc.biloxi.com:5060;branch=z9hG4bKnashds7",
                "Max-Forwards: 70",
                "To: Bob <sip:bob@biloxi.com>",
                "From: Bob <sip:bob@biloxi.com>;tag=456248",
                "Call-ID: 843817637684230@998sdasdh09",
                "CSeq: 1826 REGISTER",
                "Authorization: Digest username=\"bob\", realm=\"biloxi.com\", nonce=\"x\", uri=\"sip:biloxi.com\", response=\"y\"",
                "X-Tenant: acme",
                "Content-Length: 0"));
        RoutingRequest request = new SipRoutingRequest(register);
        assertThat(request.method()).isEqualTo(SipMethod.REGISTER);
        assertThat(request.callId().toString()).isEqualTo("843817637684230@998sdasdh09");
        assertThat(((SipUri) request.fromUri()).user()).isEqualTo("bob");
        assertThat(((SipUri) request.toUri()).host()).isEqualTo("biloxi.com");
        assertThat(((SipUri) request.requestUri()).host()).isEqualTo("registrar.biloxi.com");
        assertThat(request.authUsername().toString()).isEqualTo("bob");
        assertThat(request.header("x-tenant").toString()).isEqualTo("acme");
        assertThat(request.header("X-Absent")).isNull();
    }

    @Test
    void everyRequestOfACallLandsOnOneDestination() {
        Dispatcher dispatcher = Sets.uniform(5, "");
        Selector selector = Sets.selector(Algorithm.HASH_CALL_ID);
        Destination invite = selector.select(dispatcher.set(1), new SipRoutingRequest(parse(Fixtures.sippInvite())), 0).get(0);
        SipMessage bye = parse(Fixtures.message("",
                "BYE sip:service@127.0.0.1:5060 SIP/2.0",
                "Via: SIP/2.0/UDP 127.0.0.1:5061;branch=z9hG4bK-4242-1-6",
                "From: sipp <sip:sipp@127.0.0.1:5061>;tag=4242SIPpTag001",
                "To: service <sip:service@127.0.0.1:5060>;tag=1",
                "Call-ID: 1-4242@127.0.0.1",
                "CSeq: 2 BYE",
                "Max-Forwards: 70",
                "Content-Length: 0"));
        assertThat(selector.select(dispatcher.set(1), new SipRoutingRequest(bye), 0).get(0)).isSameAs(invite);
    }
}
