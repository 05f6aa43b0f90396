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

class SipParserTest {

    private static SipMessage parsed(byte[] bytes) {
        ParseResult result = SipParser.DEFAULT.parse(bytes, bytes.length);
        assertThat(result).isInstanceOf(ParseResult.Parsed.class);
        return ((ParseResult.Parsed) result).message();
    }

    private static ParseResult.Malformed malformed(byte[] bytes) {
        ParseResult result = SipParser.DEFAULT.parse(bytes, bytes.length);
        assertThat(result).isInstanceOf(ParseResult.Malformed.class);
        return (ParseResult.Malformed) result;
    }

    private static String text(CharSequence value) {
        return value == null ? null : value.toString();
    }

    private static byte[] options(String... extraHeaders) {
        List<String> lines = new ArrayList<>(List.of(
                "OPTIONS sip:user@example.com SIP/2.0",
                "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK776asdhds",
                "Max-Forwards: 70",
                "To: <sip:user@example.com>",
                "From: <sip:caller@example.com>;tag=1928301774",
                "Call-ID: a84b4c76e66710",
                "CSeq: 63104 OPTIONS"));
        lines.addAll(List.of(extraHeaders));
        return message("", lines.toArray(String[]::new));
    }

    @Test
    void sippInviteExposesEveryRoutingField() {
        SipMessage m = parsed(Fixtures.sippInvite());
        assertThat(m.isRequest()).isTrue();
        assertThat(m.method()).isEqualTo(SipMethod.INVITE);
        assertThat(text(m.requestUriText())).isEqualTo("sip:service@127.0.0.1:5060");
        SipUri ruri = (SipUri) m.requestUri();
        assertThat(ruri.user()).isEqualTo("service");
        assertThat(ruri.host()).isEqualTo("127.0.0.1");
        assertThat(ruri.port()).isEqualTo(5060);
        assertThat(text(m.topVia().branch())).isEqualTo("z9hG4bK-4242-1-0");
        assertThat(m.topVia().port()).isEqualTo(5061);
        assertThat(m.topVia().hasRfc3261Branch()).isTrue();
        assertThat(text(m.callId())).isEqualTo("1-4242@127.0.0.1");
        assertThat(m.cseq()).isEqualTo(new CSeq(1, SipMethod.INVITE, "INVITE"));
        assertThat(m.maxForwards()).isEqualTo(70);
        assertThat(m.routes()).isEmpty();
        assertThat(m.from().tag()).isEqualTo("4242SIPpTag001");
        assertThat(m.to().tag()).isNull();
        assertThat(m.contacts()).hasSize(1);
        assertThat(m.contentType()).isEqualTo("application/sdp");
        assertThat(m.bodyLength()).isEqualTo(m.byteCount() - m.bodyOffset()).isPositive();
        assertThat(m.headerCount()).isEqualTo(10);
    }

    @Test
    void responseStatusLineIsIndexed() {
        SipMessage m = parsed(message("",
                "SIP/2.0 180 Ringing",
                "Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKnashds8;received=192.0.2.1",
                "To: Bob <sip:bob@biloxi.com>;tag=a6c85cf",
                "From: Alice <sip:alice@atlanta.com>;tag=1928301774",
                "Call-ID: a84b4c76e66710",
                "CSeq: 314159 INVITE",
                "Content-Length: 0"));
        assertThat(m.isRequest()).isFalse();
        assertThat(m.statusCode()).isEqualTo(180);
        assertThat(m.reasonPhrase()).isEqualTo("Ringing");
        assertThat(m.method()).isEqualTo(SipMethod.OTHER);
        assertThat(text(m.methodName())).isEqualTo("INVITE");
        assertThat(m.requestUri()).isNull();
        assertThat(text(m.topVia().received())).isEqualTo("192.0.2.1");
        assertThat(m.to().tag()).isEqualTo("a6c85cf");
    }

    @Test
    void compactFormsAndCaseInsensitiveNamesAreRecognised() {
        SipMessage m = parsed(message("",
                "MESSAGE sip:user@example.com SIP/2.0",
                "v: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1",
                "i: compact@example.com",
                "f: <sip:a@example.com>;tag=1",
                "t: <sip:b@example.com>",
                "cSeQ: 1 MESSAGE",
                "m: <sip:a@192.0.2.1>",
                "MAX-FORWARDS: 10",
                "c: text/plain",
                "k: path",
                "l: 0"));
        assertThat(m.headerName(0)).isEqualTo(HeaderName.VIA);
        assertThat(text(m.callId())).isEqualTo("compact@example.com");
        assertThat(m.from().tag()).isEqualTo("1");
        assertThat(m.contacts()).hasSize(1);
        assertThat(m.maxForwards()).isEqualTo(10);
        assertThat(m.contentType()).isEqualTo("text/plain");
        assertThat(text(m.headerValue("Supported"))).isEqualTo("path");
        assertThat(text(m.headerValue("content-length"))).isEqualTo("0");
    }

    @Test
    void foldedValuesAreUnfoldedForParsingAndKeptForForwarding() {
        SipMessage m = parsed(message("",
                "OPTIONS sip:user@example.com SIP/2.0",
                "Via: SIP/2.0/UDP",
                "  192.0.2.1",
                "\t;branch=z9hG4bKfold",
                "To: <sip:user@example.com>",
                "From: <sip:caller@example.com>",
                " ;tag=99",
                "Call-ID: fold@example.com",
                "CSeq: 1",
                " OPTIONS",
                "Subject: one",
                "  two",
                "Content-Length: 0"));
        assertThat(text(m.topVia().host())).isEqualTo("192.0.2.1");
        assertThat(text(m.topVia().branch())).isEqualTo("z9hG4bKfold");
        assertThat(m.from().tag()).isEqualTo("99");
        assertThat(m.cseq().number()).isEqualTo(1);
        assertThat(text(m.headerValue(HeaderName.SUBJECT))).isEqualTo("one\r\n  two");
    }

    @Test
    void severalValuesOnOneLineSplitOnlyOutsideQuotesAndBrackets() {
        SipMessage m = parsed(options(
                "Contact: \"Doe, John\" <sip:john@192.0.2.7;a=b>, <sip:jane@192.0.2.8>;q=0.5",
                "Route: <sip:p1.example.com;lr>,<sip:p2.example.com;lr>",
                "Route: <sip:p3.example.com;lr>"));
        List<NameAddress> contacts = m.contacts();
        assertThat(contacts).hasSize(2);
        assertThat(contacts.get(0).displayName()).isEqualTo("Doe, John");
        assertThat(contacts.get(1).parameter("q")).isEqualTo("0.5");
        assertThat(m.routes()).extracting(r -> ((SipUri) r.uri()).host())
                .containsExactly("p1.example.com", "p2.example.com", "p3.example.com");
    }

    @Test
    void ipv6ReferencesParseInViaAndUris() {
        SipMessage m = parsed(message("",
                "OPTIONS sip:[2001:db8::10]:5070;transport=udp SIP/2.0",
                "Via: SIP/2.0/UDP [2001:db8::9]:5061;branch=z9hG4bKv6;rport",
                "To: <sip:user@[2001:db8::10]>",
                "From: <sip:caller@[::1]>;tag=6",
                "Call-ID: v6@[::1]",
                "CSeq: 2 OPTIONS",
                "Max-Forwards: 70",
                "l: 0"));
        Via via = m.topVia();
        assertThat(text(via.host())).isEqualTo("[2001:db8::9]");
        assertThat(via.port()).isEqualTo(5061);
        assertThat(via.rport()).isEqualTo(Via.RPORT_REQUESTED);
        SipUri ruri = (SipUri) m.requestUri();
        assertThat(ruri.host()).isEqualTo("[2001:db8::10]");
        assertThat(ruri.port()).isEqualTo(5070);
        assertThat(ruri.transport()).isEqualTo("udp");
    }

    @Test
    void unknownHeadersAreKeptByteForByte() {
        SipMessage m = parsed(options("X-Weird:   a,b;;c \"d\"", "X-Empty:"));
        assertThat(text(m.headerValue("x-weird"))).isEqualTo("a,b;;c \"d\"");
        assertThat(text(m.headerValue("X-Empty"))).isEmpty();
        assertThat(text(m.headerValue("X-Absent"))).isNull();
        assertThat(m.toString()).contains("X-Weird:   a,b;;c \"d\"\r\n");
    }

    @Test
    void leadingCrlfsAreSkippedAndCrlfOnlyDatagramsAreKeepAlives() {
        byte[] keepAlive = "\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        assertThat(SipParser.DEFAULT.parse(keepAlive, keepAlive.length))
                .isInstanceOf(ParseResult.KeepAlive.class);
        byte[] body = options();
        byte[] prefixed = new byte[body.length + 2];
        prefixed[0] = '\r';
        prefixed[1] = '\n';
        System.arraycopy(body, 0, prefixed, 2, body.length);
        assertThat(parsed(prefixed).method()).isEqualTo(SipMethod.OPTIONS);
    }

    @Test
    void contentLengthFramesTheBodyAndDropsTrailingOctets() {
        SipMessage m = parsed(message("hello, trailing junk",
                "MESSAGE sip:user@example.com SIP/2.0",
                "Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1",
                "To: <sip:user@example.com>",
                "From: <sip:a@example.com>;tag=1",
                "Call-ID: cl@example.com",
                "CSeq: 1 MESSAGE",
                "Content-Length: 5"));
        assertThat(new String(m.body(), StandardCharsets.US_ASCII)).isEqualTo("hello");
        assertThat(m.toString()).endsWith("\r\n\r\nhello");
    }

    @Test
    void withoutContentLengthTheBodyIsTheRestOfTheDatagram() {
        SipMessage m = parsed(message("v=0\r\n",
                "INVITE sip:user@example.com SIP/2.0",
                "Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1",
                "To: <sip:user@example.com>",
                "From: <sip:a@example.com>;tag=1",
                "Call-ID: nocl@example.com",
                "CSeq: 1 INVITE"));
        assertThat(m.bodyLength()).isEqualTo(5);
    }

    @Test
    void badContentLengthIsMalformedButAnswerable() {
        ParseResult.Malformed shortBody = malformed(message("abc", optionsLines("Content-Length: 10")));
        assertThat(shortBody.reason()).contains("exceeds");
        assertThat(shortBody.answerable()).isPresent();
        assertThat(malformed(message("", optionsLines("Content-Length: five"))).reason())
                .contains("not a number");
        assertThat(malformed(message("", optionsLines("Content-Length: 0", "l: 0"))).reason())
                .contains("more than one Content-Length");
    }

    private static String[] optionsLines(String... extra) {
        return new String(options(extra), StandardCharsets.US_ASCII).split("\r\n");
    }

    @Test
    void bareLineFeedsAndHeaderLinesWithoutColonAreMalformed() {
        byte[] bareLf = "OPTIONS sip:a@b SIP/2.0\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\n\r\n"
                .getBytes(StandardCharsets.US_ASCII);
        assertThat(malformed(bareLf).reason()).contains("bare LF");
        assertThat(malformed(message("", optionsLines("NoColonHere"))).reason()).contains("':'");
        assertThat(malformed(message("", optionsLines("Bad Name: x"))).reason()).contains("':'");
        byte[] unterminated = "OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h\r\n"
                .getBytes(StandardCharsets.US_ASCII);
        assertThat(malformed(unterminated).reason()).contains("not terminated by an empty line");
        assertThat(malformed(unterminated).framed()).isNull();
    }

    @Test
    void limitsAreEnforcedWithTheirKeyInTheReason() {
        SipParser small = new SipParser(new SipParserLimits(1024, 10, 100));
        byte[] manyHeaders = message("", optionsLines("A: 1", "B: 2", "C: 3", "D: 4", "E: 5"));
        ParseResult tooMany = small.parse(manyHeaders, manyHeaders.length);
        assertThat(((ParseResult.Malformed) tooMany).reason()).contains("siplb.parser.max-headers");

        byte[] longLine = message("", optionsLines("Subject: " + "x".repeat(200)));
        ParseResult tooLong = small.parse(longLine, longLine.length);
        assertThat(((ParseResult.Malformed) tooLong).reason()).contains("siplb.parser.max-line-bytes");

        byte[] big = message("", optionsLines("Subject: " + "x".repeat(90),
                "Subject: " + "x".repeat(90), "Subject: " + "x".repeat(90)));
        SipParser tiny = new SipParser(new SipParserLimits(300, 100, 1000));
        ParseResult tooBig = tiny.parse(big, big.length);
        assertThat(((ParseResult.Malformed) tooBig).reason()).contains("siplb.parser.max-message-bytes");
        assertThat(((ParseResult.Malformed) tooBig).status()).isEqualTo(513);
    }

    @Test
    void badLimitsNameTheKeyTheValueAndTheRule() {
        assertThatThrownBy(() -> new SipParserLimits(70000, 256, 8192))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("siplb.parser.max-message-bytes=70000: must be between 64 and 65535");
        assertThatThrownBy(() -> new SipParserLimits(65535, 2, 8192))
                .hasMessageContaining("siplb.parser.max-headers=2");
    }

    @Test
    void byteBufInputIsCopiedNotConsumedNorReleased() {
        byte[] bytes = Fixtures.sippInvite();
        ByteBuf datagram = PooledByteBufAllocator.DEFAULT.directBuffer(bytes.length);
        try {
            datagram.writeBytes(bytes);
            ParseResult result = SipParser.DEFAULT.parse(datagram);
            assertThat(result).isInstanceOf(ParseResult.Parsed.class);
            assertThat(datagram.refCnt()).isEqualTo(1);
            assertThat(datagram.readerIndex()).isZero();
            datagram.setByte(0, 'X'); // the message owns a copy
            assertThat(((ParseResult.Parsed) result).message().method()).isEqualTo(SipMethod.INVITE);
            assertThat(((ParseResult.Parsed) result).message().toString()).startsWith("INVITE ");
        } finally {
            datagram.release();
        }
    }

    @Test
    void requiredHeadersAreCheckedByValidation() {
        assertThat(malformed(message("", "OPTIONS sip:a@example.com SIP/2.0",
                "Via: SIP/2.0/UDP h;branch=z9hG4bK1", "To: <sip:a@example.com>",
                "From: <sip:b@example.com>;tag=1", "CSeq: 1 OPTIONS")).reason())
                .isEqualTo("Malformed Call-ID: missing Call-ID");
        assertThat(malformed(message("", optionsLines("Max-Forwards: 256"))).reason())
                .contains("Max-Forwards");
        assertThat(malformed(message("", "OPTIONS sip:a@example.com SIP/2.0",
                "To: <sip:a@example.com>", "Call-ID: x", "From: <sip:b@example.com>;tag=1",
                "CSeq: 1 OPTIONS")).answerable()).isEmpty();
        assertThat(malformed(message("", optionsLines("Route: <sip:p.example.com;lr"))).reason())
                .startsWith("Malformed Route");
    }

    @Test
    void lazyAccessorsReturnNullForMalformedValuesInsteadOfThrowing() {
        byte[] bytes = message("", "SIP/2.0 200 OK", "Via: SIP/2.0/UDP ;;", "CSeq: x",
                "From: \"open", "To: <sip:a", "Call-ID: a b", "Contact: <sip:a>,,");
        ParseResult framed = SipParser.DEFAULT.frame(bytes, bytes.length);
        SipMessage m = ((ParseResult.Parsed) framed).message();
        assertThat(m.topVia()).isNull();
        assertThat(m.vias()).isNull();
        assertThat(m.cseq()).isNull();
        assertThat(m.from()).isNull();
        assertThat(m.to()).isNull();
        assertThat(text(m.callId())).isNull();
        assertThat(m.contacts()).isNull();
        assertThat(m.validate()).isInstanceOf(ParseResult.Malformed.class);
    }

    @Test
    void viaReceivedMayHoldAnIpv6AddressWithoutBrackets() {
        SipMessage m = parsed(message("", "SIP/2.0 200 OK",
                "Via: SIP/2.0/UDP [2001:db8::9:1];branch=z9hG4bKas3;received=2001:db8::9:255;rport=5070",
                "Via: SIP/2.0/UDP [2001:db8::1];received=[2001:db8::2];branch=z9hG4bK2",
                "To: <sip:a@example.com>;tag=2", "From: <sip:b@example.com>;tag=1", "Call-ID: v6",
                "CSeq: 1 OPTIONS", "l: 0"));
        assertThat(text(m.topVia().received())).isEqualTo("2001:db8::9:255");
        assertThat(m.topVia().rport()).isEqualTo(5070);
        assertThat(text(m.vias().get(1).received())).isEqualTo("[2001:db8::2]");
    }
}
