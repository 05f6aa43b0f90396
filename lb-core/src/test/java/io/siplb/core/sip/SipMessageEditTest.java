package io.siplb.core.sip;

import static io.siplb.testing.Fixtures.message;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.siplb.testing.Fixtures;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SipMessageEditTest {

    private static final String OUR_VIA = "SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKlb0a1";

    private static SipMessage parse(byte[] bytes) {
        return ((ParseResult.Parsed) SipParser.DEFAULT.parse(bytes, bytes.length)).message();
    }

    private static SipMessage reparse(SipMessageEdit edit) {
        byte[] bytes = edit.toByteArray();
        assertThat(bytes).hasSize(edit.byteCount());
        ParseResult result = SipParser.DEFAULT.parse(bytes, bytes.length);
        assertThat(result).isInstanceOf(ParseResult.Parsed.class);
        return ((ParseResult.Parsed) result).message();
    }

    private static String text(CharSequence value) {
        return value == null ? null : value.toString();
    }

    @Test
    void forwardingEditsRoundTrip() {
        SipMessage invite = parse(Fixtures.sippInvite());
        SipMessage forwarded = reparse(invite.edit()
                .pushVia(OUR_VIA)
                .maxForwards(invite.maxForwards() - 1)
                .prependRecordRoute("<sip:10.0.0.1:5060;lr;d=1>")
                .viaReceived("127.0.0.2")
                .viaRport(40000));
        assertThat(forwarded.vias()).hasSize(2);
        assertThat(text(forwarded.topVia().branch())).isEqualTo("z9hG4bKlb0a1");
        Via client = forwarded.vias().get(1);
        assertThat(text(client.received())).isEqualTo("127.0.0.2");
        assertThat(client.rport()).isEqualTo(Via.RPORT_ABSENT); // the client did not ask
        assertThat(forwarded.maxForwards()).isEqualTo(69);
        assertThat(forwarded.recordRoutes()).singleElement()
                .satisfies(rr -> assertThat(((SipUri) rr.uri()).parameter("d")).isEqualTo("1"));
        assertThat(forwarded.body()).isEqualTo(invite.body());
        assertThat(text(forwarded.callId())).isEqualTo(text(invite.callId()));
    }

    @Test
    void rportIsFilledWhereTheClientAskedAndReceivedReplaced() {
        SipMessage m = parse(message("", "OPTIONS sip:a@example.com SIP/2.0",
                "Via: SIP/2.0/UDP 192.0.2.1;rport;branch=z9hG4bK1;received=1.1.1.1",
                "To: <sip:a@example.com>", "From: <sip:b@example.com>;tag=1", "Call-ID: r",
                "CSeq: 1 OPTIONS", "l: 0"));
        SipMessage edited = reparse(m.edit().viaReceived("203.0.113.9").viaRport(5099));
        Via via = edited.topVia();
        assertThat(via.rport()).isEqualTo(5099);
        assertThat(text(via.received())).isEqualTo("203.0.113.9");
        assertThat(via.toString()).isEqualTo("SIP/2.0/UDP 192.0.2.1;rport=5099;branch=z9hG4bK1;received=203.0.113.9");
    }

    @Test
    void popViaRemovesTheLineOrOnlyTheFirstValue() {
        SipMessage ownLine = parse(message("", "SIP/2.0 200 OK",
                "Via: " + OUR_VIA, "Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1",
                "To: <sip:a@example.com>;tag=2", "From: <sip:b@example.com>;tag=1", "Call-ID: p",
                "CSeq: 1 OPTIONS", "l: 0"));
        SipMessage popped = reparse(ownLine.edit().popVia());
        assertThat(popped.vias()).hasSize(1);
        assertThat(popped.toString()).doesNotContain("10.0.0.1");

        SipMessage shared = parse(message("", "SIP/2.0 200 OK",
                "v: " + OUR_VIA + " ,  SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1, SIP/2.0/UDP h2;branch=z9hG4bK2",
                "To: <sip:a@example.com>;tag=2", "From: <sip:b@example.com>;tag=1", "Call-ID: p",
                "CSeq: 1 OPTIONS", "l: 0"));
        SipMessage sharedPopped = reparse(shared.edit().popVia());
        assertThat(sharedPopped.vias()).extracting(v -> text(v.host())).containsExactly("192.0.2.1", "h2");
        assertThat(sharedPopped.toString()).contains("v: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1, SIP/2.0/UDP h2");
    }

    @Test
    void removeFirstRoutesTakesTwoEntriesOnOneLineOrTwo() {
        String[] head = {"BYE sip:a@192.0.2.9 SIP/2.0", "Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK2"};
        String[] tail = {"To: <sip:a@example.com>;tag=2", "From: <sip:b@example.com>;tag=1", "Call-ID: r2",
                "CSeq: 2 BYE", "l: 0"};
        String[][] layouts = {
            {"Route: <sip:10.0.0.1;lr>", "Route: <sip:10.0.0.1;transport=tcp;lr>", "Route: <sip:p3;lr>"},
            {"Route: <sip:10.0.0.1;lr>, <sip:10.0.0.1;transport=tcp;lr>", "Route: <sip:p3;lr>"},
            {"Route: <sip:10.0.0.1;lr>, <sip:10.0.0.1;transport=tcp;lr>, <sip:p3;lr>"},
            {"Route: <sip:10.0.0.1;lr>", "Route: <sip:10.0.0.1;transport=tcp;lr>,<sip:p3;lr>"},
        };
        for (String[] routes : layouts) {
            String[] lines = new String[head.length + routes.length + tail.length];
            System.arraycopy(head, 0, lines, 0, head.length);
            System.arraycopy(routes, 0, lines, head.length, routes.length);
            System.arraycopy(tail, 0, lines, head.length + routes.length, tail.length);
            SipMessage m = parse(message("", lines));
            SipMessage edited = reparse(m.edit().removeFirstRoutes(2));
            assertThat(edited.routes()).as(String.join(" | ", routes)).singleElement()
                    .satisfies(route -> assertThat(((SipUri) route.uri()).host()).isEqualTo("p3"));
            assertThat(reparse(m.edit().removeFirstRoutes(3)).routes()).isEmpty();
        }
    }

    @Test
    void removeFirstRouteLeavesTheRest() {
        SipMessage m = parse(message("", "BYE sip:b@192.0.2.9 SIP/2.0",
                "Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1",
                "Route: <sip:10.0.0.1:5060;lr>, <sip:p2.example.com;lr>",
                "Route: <sip:p3.example.com;lr>",
                "To: <sip:a@example.com>;tag=2", "From: <sip:b@example.com>;tag=1", "Call-ID: r",
                "CSeq: 2 BYE", "Max-Forwards: 70", "l: 0"));
        SipMessage once = reparse(m.edit().removeFirstRoute());
        assertThat(once.routes()).extracting(r -> ((SipUri) r.uri()).host())
                .containsExactly("p2.example.com", "p3.example.com");
        SipMessage twice = reparse(once.edit().removeFirstRoute());
        SipMessage thrice = reparse(twice.edit().removeFirstRoute());
        assertThat(thrice.routes()).isEmpty();
        assertThat(thrice.headerIndex(HeaderName.ROUTE)).isNegative();
        assertThat(reparse(thrice.edit().removeFirstRoute()).toString()).isEqualTo(thrice.toString());
    }

    @Test
    void maxForwardsIsAddedWhenAbsentAndRequestUriReplaced() {
        byte[] bytes = Fixtures.bytes("rfc4475/inv2543.sip");
        SipMessage legacy = parse(bytes);
        SipMessage edited = reparse(legacy.edit().maxForwards(70).requestUri("sip:UserB@192.0.2.55:5070"));
        assertThat(edited.maxForwards()).isEqualTo(70);
        assertThat(text(edited.requestUriText())).isEqualTo("sip:UserB@192.0.2.55:5070");
        assertThat(edited.bodyLength()).isEqualTo(105);
    }

    @Test
    void addHeaderAppendsAtTheEndOfTheHeaderSection() {
        SipMessage m = parse(Fixtures.sippInvite());
        SipMessage edited = reparse(m.edit().addHeader("X-Siplb-Dst", "sip:10.0.0.9"));
        assertThat(text(edited.headerValue("X-Siplb-Dst"))).isEqualTo("sip:10.0.0.9");
        assertThat(edited.headerName(edited.headerCount() - 1)).isEqualTo(HeaderName.OTHER);
    }

    @Test
    void writeToMatchesToByteArrayAndLeavesOwnershipWithTheCaller() {
        SipMessage m = parse(Fixtures.sippInvite());
        SipMessageEdit edit = m.edit().pushVia(OUR_VIA).maxForwards(69);
        ByteBuf out = PooledByteBufAllocator.DEFAULT.directBuffer(64);
        try {
            edit.writeTo(out);
            byte[] written = new byte[out.readableBytes()];
            out.getBytes(0, written);
            assertThat(written).isEqualTo(edit.toByteArray());
            assertThat(out.refCnt()).isEqualTo(1);
        } finally {
            out.release();
        }
    }

    @Test
    void overlappingEditsAreRefused() {
        SipMessage m = parse(message("", "SIP/2.0 200 OK", "Via: " + OUR_VIA,
                "Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1", "To: <sip:a@example.com>;tag=2",
                "From: <sip:b@example.com>;tag=1", "Call-ID: p", "CSeq: 1 OPTIONS", "l: 0"));
        assertThatThrownBy(() -> m.edit().popVia().viaReceived("1.2.3.4"))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("overlaps");
        assertThatThrownBy(() -> m.edit().requestUri("sip:x"))
                .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void theOriginalMessageIsUntouched() {
        SipMessage m = parse(Fixtures.sippInvite());
        String before = m.toString();
        m.edit().pushVia(OUR_VIA).maxForwards(1).toByteArray();
        assertThat(m.toString()).isEqualTo(before);
        assertThat(new String(Fixtures.sippInvite(), StandardCharsets.US_ASCII)).isEqualTo(before);
    }

    @Test
    void editsMayGrowAMessagePastTheInputLimits() {
        List<String> lines = new ArrayList<>(List.of(
                "OPTIONS sip:a@example.com SIP/2.0", "Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1",
                "To: <sip:a@example.com>", "From: <sip:b@example.com>;tag=1", "Call-ID: many",
                "CSeq: 1 OPTIONS", "l: 0"));
        while (lines.size() < 257) {
            lines.add("X-P: 1");
        }
        SipMessage full = parse(message("", lines.toArray(String[]::new)));
        assertThat(full.headerCount()).isEqualTo(SipParserLimits.DEFAULT.maxHeaders());
        SipMessage forwarded = full.edit().pushVia(OUR_VIA).maxForwards(70).toMessage();
        assertThat(forwarded.headerCount()).isEqualTo(258);
        assertThat(MessageFactory.response(forwarded, 200, "OK", "t").statusCode()).isEqualTo(200);
    }

    @Test
    void popViaRemovesAWholeLineEndingInAComma() {
        byte[] bytes = message("", "SIP/2.0 200 OK", "Via: " + OUR_VIA + ",",
                "Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1", "To: <sip:a@example.com>;tag=2",
                "From: <sip:b@example.com>;tag=1", "Call-ID: p", "CSeq: 1 OPTIONS", "l: 0");
        assertThat(SipParser.DEFAULT.parse(bytes, bytes.length)).isInstanceOf(ParseResult.Malformed.class);
        SipMessage framed = ((ParseResult.Parsed) SipParser.DEFAULT.frame(bytes, bytes.length)).message();
        SipMessage popped = framed.edit().popVia().toMessage();
        assertThat(popped.toString()).doesNotContain("Via: \r\n").doesNotContain("10.0.0.1");
        assertThat(popped.vias()).hasSize(1);
    }
}
