package io.siplb.core.sip;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.siplb.testing.Fixtures;
import org.junit.jupiter.api.Test;

class MessageFactoryTest {

    private static SipMessage parse(String path) {
        byte[] bytes = Fixtures.bytes(path);
        return ((ParseResult.Parsed) SipParser.DEFAULT.parse(bytes, bytes.length)).message();
    }

    private static String text(CharSequence value) {
        return value == null ? null : value.toString();
    }

    @Test
    void responseCopiesTheTransactionHeadersAndTagsTo() {
        SipMessage invite = parse("rfc3261/inv-f3.sip"); // two Via values, as a proxy sees it
        SipMessage busy = MessageFactory.response(invite, 486, "Busy Here", "lb1");
        assertThat(busy.validate()).isInstanceOf(ParseResult.Parsed.class);
        assertThat(busy.statusCode()).isEqualTo(486);
        assertThat(busy.reasonPhrase()).isEqualTo("Busy Here");
        assertThat(busy.vias()).extracting(v -> text(v.branch()))
                .containsExactlyElementsOf(invite.vias().stream().map(v -> text(v.branch())).toList());
        assertThat(busy.to().tag()).isEqualTo("lb1");
        assertThat(busy.from().tag()).isEqualTo(invite.from().tag());
        assertThat(text(busy.callId())).isEqualTo(text(invite.callId()));
        assertThat(busy.cseq()).isEqualTo(invite.cseq());
        assertThat(busy.bodyLength()).isZero();
        assertThat(text(busy.headerValue(HeaderName.CONTACT))).isNull();
    }

    @Test
    void tryingHasNoToTagAndAnExistingTagIsKept() {
        SipMessage invite = parse("sipp/uac-invite.sip");
        SipWritable trying = MessageFactory.trying(invite);
        ByteBuf written = Unpooled.buffer(trying.byteCount());
        trying.writeTo(written);
        byte[] bytes = new byte[written.readableBytes()];
        written.readBytes(bytes);
        assertThat(bytes).hasSize(trying.byteCount())
                .isEqualTo(MessageFactory.response(invite, 100, "Trying", null).toByteArray()); // the same octets
        SipMessage framed = ((ParseResult.Parsed) SipParser.DEFAULT.parse(bytes, bytes.length)).message();
        assertThat(framed.to().tag()).isNull();
        assertThat(framed.statusCode()).isEqualTo(100);
        // folded and multi-valued Vias, compact forms, a Timestamp: still the same octets
        for (String tag : new String[] {"wsinv", "esc01", "longreq", "sdp01", "inv2543"}) {
            byte[] torture = Fixtures.bytes("rfc4475/" + tag + ".sip");
            SipMessage request = ((ParseResult.Parsed) SipParser.DEFAULT.parse(torture, torture.length)).message();
            SipWritable quick = MessageFactory.trying(request);
            ByteBuf out = Unpooled.buffer(quick.byteCount());
            quick.writeTo(out);
            assertThat(ByteBufUtil.getBytes(out)).as(tag)
                    .isEqualTo(MessageFactory.response(request, 100, "Trying", null).toByteArray());
        }
        SipMessage bye = parse("rfc3261/inv-f13.sip");
        SipMessage ok = MessageFactory.response(bye, 200, "OK", "ignored");
        assertThat(ok.to().tag()).isEqualTo(bye.to().tag());
    }

    @Test
    void serviceUnavailableCarriesRetryAfter() {
        SipMessage invite = parse("sipp/uac-invite.sip");
        SipMessage shed = MessageFactory.serviceUnavailable(invite, "t", 5);
        assertThat(shed.statusCode()).isEqualTo(503);
        assertThat(text(shed.headerValue(HeaderName.RETRY_AFTER))).isEqualTo("5");
    }

    @Test
    void malformedRequestsCanStillBeAnsweredWithWhatTheyHave() {
        byte[] bytes = Fixtures.bytes("rfc4475/insuf.sip");
        ParseResult.Malformed insuf = (ParseResult.Malformed) SipParser.DEFAULT.parse(bytes, bytes.length);
        SipMessage request = insuf.answerable().orElseThrow();
        SipMessage answer = MessageFactory.response(request, insuf.status(), insuf.reason(), "x");
        assertThat(answer.statusCode()).isEqualTo(400);
        assertThat(answer.reasonPhrase()).isEqualTo("Malformed Call-ID: missing Call-ID");
        assertThat(text(answer.topVia().branch())).isEqualTo("z9hG4bKkdj.insuf");
        assertThat(text(answer.headerValue(HeaderName.CSEQ))).isEqualTo("193942 INVITE");
    }

    @Test
    void ackForANon2xxFinalResponseFollowsRfc3261Section17113() {
        SipMessage invite = parse("rfc3261/inv-f3.sip");
        SipMessage response = MessageFactory.response(invite, 503, "Service Unavailable", "uas9");
        SipMessage ack = MessageFactory.ackFor(invite, response);
        assertThat(ack.validate()).isInstanceOf(ParseResult.Parsed.class);
        assertThat(ack.method()).isEqualTo(SipMethod.ACK);
        assertThat(text(ack.requestUriText())).isEqualTo(text(invite.requestUriText()));
        assertThat(ack.vias()).singleElement()
                .satisfies(v -> assertThat(text(v.branch())).isEqualTo(text(invite.topVia().branch())));
        assertThat(ack.to().tag()).isEqualTo("uas9");
        assertThat(ack.from().tag()).isEqualTo(invite.from().tag());
        assertThat(ack.cseq()).isEqualTo(new CSeq(invite.cseq().number(), SipMethod.ACK, "ACK"));
        assertThat(ack.maxForwards()).isEqualTo(70);
        assertThatThrownBy(() -> MessageFactory.ackFor(invite,
                MessageFactory.response(invite, 200, "OK", "x")))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void cancelMatchesTheForwardedInvite() {
        SipMessage invite = parse("rfc4475/inv2543.sip").edit()
                .pushVia("SIP/2.0/UDP 10.0.0.1;branch=z9hG4bKlbcancel")
                .addHeader("Route", "<sip:edge.example.com;lr>")
                .toMessage();
        SipMessage cancel = MessageFactory.cancelFor(invite);
        assertThat(cancel.method()).isEqualTo(SipMethod.CANCEL);
        assertThat(text(cancel.topVia().branch())).isEqualTo("z9hG4bKlbcancel");
        assertThat(cancel.vias()).hasSize(1);
        assertThat(cancel.to().toString()).isEqualTo(invite.to().toString());
        assertThat(cancel.cseq()).isEqualTo(new CSeq(56, SipMethod.CANCEL, "CANCEL"));
        assertThat(cancel.routes()).hasSize(1);
        assertThatThrownBy(() -> MessageFactory.cancelFor(parse("rfc3261/inv-f13.sip")))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
