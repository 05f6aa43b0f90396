package io.siplb.core.sip;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.siplb.testing.Fixtures;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The 49 messages of RFC 4475, byte-exact, with the handling {@code rfc4475/index.tsv} asks of a
 * proxy: valid ones parse, invalid ones are malformed (or tolerated where the RFC allows it),
 * semantic ones expose what the proxy needs to give the specific answer.
 */
class Rfc4475TortureTest {

    /** Invalid messages RFC 4475 lets a liberal element accept (index.tsv README). */
    /** Semantic tests whose defect is one a parser must see: missing or repeated single headers. */
    private static final Set<String> SEMANTIC_MALFORMED = Set.of("insuf", "multi01", "mcl01");

    @Test
    void aDateInGmtIsAcceptedAndAnyOtherFormIsNot() {
        String request = "OPTIONS sip:a@example.com SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK-d\r\n"
                + "From: <sip:b@example.com>;tag=1\r\nTo: <sip:a@example.com>\r\nCall-ID: d\r\n"
                + "CSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nDate: %s\r\nContent-Length: 0\r\n\r\n";
        for (String good : new String[] {"Sat, 13 Nov 2010 23:29:00 GMT", "thu, 01 jan 1970 00:00:00 gmt "}) {
            byte[] bytes = String.format(request, good).getBytes(StandardCharsets.US_ASCII);
            assertThat(SipParser.DEFAULT.parse(bytes, bytes.length)).as(good).isInstanceOf(ParseResult.Parsed.class);
        }
        for (String bad : new String[] {"Sat, 13 Nov 2010 23:29:00 EST", "Sat, 13 Nov 2010 23:29 GMT",
                "Sun, 13 Xyz 2010 23:29:00 GMT", "Fry, 13 Nov 2010 23:29:00 GMT", "yesterday"}) {
            byte[] bytes = String.format(request, bad).getBytes(StandardCharsets.US_ASCII);
            assertThat(SipParser.DEFAULT.parse(bytes, bytes.length)).as(bad).isInstanceOf(ParseResult.Malformed.class);
        }
    }

    static Stream<Arguments> corpus() {
        return Fixtures.tsv("rfc4475/index.tsv").stream()
                .map(row -> Arguments.of(row[0], row[2], row[4]));
    }

    private static ParseResult parse(String tag) {
        byte[] bytes = Fixtures.bytes("rfc4475/" + tag + ".sip");
        return SipParser.DEFAULT.parse(bytes, bytes.length);
    }

    private static SipMessage parsed(String tag) {
        ParseResult result = parse(tag);
        assertThat(result).as(tag).isInstanceOf(ParseResult.Parsed.class);
        return ((ParseResult.Parsed) result).message();
    }

    @Test
    void corpusHasAll49Messages() {
        assertThat(corpus()).hasSize(49);
    }

    @ParameterizedTest(name = "{0} ({2})")
    @MethodSource("corpus")
    void handledAsTheRfcAsks(String tag, String kind, String expectation) {
        ParseResult result = parse(tag);
        switch (expectation) {
            case "valid" -> assertThat(result).as(tag).isInstanceOf(ParseResult.Parsed.class);
            // the RFC lets a parser tolerate some of these (quotbal, ltgtruri, lwsruri, lwsstart,
            // trws, escruri, baddate, regbadct, badaspec, baddn); this one tolerates none
            case "invalid" -> assertThat(result).as(tag).isInstanceOf(ParseResult.Malformed.class);
            // semantic: the framing defects fail here; the rest parse, and the proxy answers them
            // (416, 420, 483) or drops them (a broadcast Via) from what the parse exposes
            case "semantic" -> assertThat(result).as(tag).isInstanceOf(SEMANTIC_MALFORMED.contains(tag)
                    ? ParseResult.Malformed.class : ParseResult.Parsed.class);
            default -> throw new AssertionError("unknown expectation " + expectation);
        }
        assertThat(kind).isIn("request", "response");
        if (result instanceof ParseResult.Parsed parsed) {
            assertThat(parsed.message().isRequest()).as(tag).isEqualTo(kind.equals("request"));
        }
    }

    @Test
    void rejectsEveryInvalidMessageItCanNameTheDefectOf() {
        // This balancer is strict: every invalid message, baddate (a Date in EST) included.
        for (String[] row : Fixtures.tsv("rfc4475/index.tsv")) {
            if (row[4].equals("invalid")) {
                ParseResult result = parse(row[0]);
                assertThat(result).as(row[0]).isInstanceOf(ParseResult.Malformed.class);
                assertThat(((ParseResult.Malformed) result).reason()).as(row[0]).isNotBlank();
            }
        }
    }

    @Test
    void invalidRequestsAreAnsweredWithTheRightStatusAndInvalidResponsesDropped() {
        for (String tag : List.of("badinv01", "clerr", "ncl", "scalar02", "quotbal", "escruri",
                "regbadct", "badaspec", "mismatch01", "mismatch02")) {
            ParseResult.Malformed malformed = (ParseResult.Malformed) parse(tag);
            assertThat(malformed.status()).as(tag).isEqualTo(400);
            assertThat(malformed.answerable()).as(tag).isPresent();
        }
        ParseResult.Malformed badvers = (ParseResult.Malformed) parse("badvers");
        assertThat(badvers.status()).isEqualTo(505);
        assertThat(badvers.answerable()).isPresent();
        for (String tag : List.of("scalarlg", "bigcode")) {
            assertThat(((ParseResult.Malformed) parse(tag)).answerable()).as(tag).isEmpty();
        }
        // request lines that do not frame cannot be answered: dropped and counted
        for (String tag : List.of("ltgtruri", "lwsruri", "lwsstart", "trws", "baddn")) {
            ParseResult.Malformed malformed = (ParseResult.Malformed) parse(tag);
            assertTrue(malformed.status() == 400, tag);
        }
    }

    @Test
    void wsinvUnfoldsEveryHeader() {
        SipMessage m = parsed("wsinv");
        assertThat(m.method()).isEqualTo(SipMethod.INVITE);
        assertThat(m.to().tag()).isEqualTo("1918181833n");
        assertThat(m.from().tag()).isEqualTo("98asjd8");
        assertThat(m.from().displayName()).isEqualTo("J Rosenberg \\\"");
        assertThat(m.maxForwards()).isEqualTo(68);
        assertThat(m.cseq()).isEqualTo(new CSeq(9, SipMethod.INVITE, "INVITE"));
        assertThat(text(m.callId())).isEqualTo("wsinv.ndaksdj@192.0.2.1");
        List<Via> vias = m.vias();
        assertThat(vias).hasSize(3);
        assertThat(text(vias.get(0).transport())).isEqualTo("UDP");
        assertThat(text(vias.get(0).host())).isEqualTo("192.0.2.2");
        assertThat(text(vias.get(0).branch())).isEqualTo("390skdjuw");
        assertThat(text(vias.get(1).transport())).isEqualTo("TCP");
        assertThat(text(vias.get(1).host())).isEqualTo("spindle.example.com");
        assertThat(text(vias.get(1).branch())).isEqualTo("z9hG4bK9ikj8");
        assertThat(text(vias.get(2).host())).isEqualTo("192.168.255.111");
        assertThat(text(vias.get(2).branch())).isEqualTo("z9hG4bK30239");
        assertThat(m.routes()).singleElement().satisfies(route ->
                assertThat(((SipUri) route.uri()).looseRouting()).isTrue());
        NameAddress contact = m.contacts().get(0);
        assertThat(contact.displayName()).isEqualTo("Quoted string \"\"");
        assertThat(contact.parameter("newparam")).isEqualTo("newvalue");
        assertThat(contact.parameter("secondparam")).isEmpty();
        assertThat(contact.parameter("q")).isEqualTo("0.33");
        assertThat(text(m.headerValue("UnknownHeaderWithUnusualValue"))).isEqualTo(";;,,;;,;");
        assertThat(text(m.headerValue(HeaderName.SUBJECT))).isEmpty();
        assertThat(m.bodyLength()).isEqualTo(150);
    }

    @Test
    void intmethKeepsAnExtensionMethodAndRawOctets() {
        SipMessage m = parsed("intmeth");
        assertThat(m.method()).isEqualTo(SipMethod.OTHER);
        assertThat(text(m.methodName())).isEqualTo("!interesting-Method0123456789_*+`.%indeed'~");
        assertThat(m.cseq().methodName()).isEqualTo("!interesting-Method0123456789_*+`.%indeed'~");
        assertThat(m.to().displayName()).isEqualTo("BEL:\u0007 NUL:\u0000 DEL:\u007f");
        assertThat(m.from().displayName()).isEqualTo("token1~` token2'+_ token3*%!.-");
        assertThat(m.from().tag()).isEqualTo("_token~1'+`*%!-.");
        assertThat(text(m.callId())).isEqualTo("intmeth.word%ZK-!.*_+'@word`~)(><:\\/\"][?}{");
        assertThat(m.maxForwards()).isEqualTo(255);
        assertThat(((SipUri) m.requestUri()).user())
                .isEqualTo("1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*");
        assertThat(text(m.topVia().branch())).isEqualTo("z9hG4bK-.!%66*_+`'~");
    }

    @Test
    void escapesAreDecodedOnceAndOnlyWhereAllowed() {
        SipMessage esc01 = parsed("esc01");
        SipUri ruri = (SipUri) esc01.requestUri();
        assertThat(ruri.user()).isEqualTo("sips%3Auser%40example.com");
        assertThat(ruri.decodedUser()).isEqualTo("sips:user@example.com");
        assertThat(ruri.host()).isEqualTo("example.net");
        assertThat(((SipUri) esc01.to().uri()).decodedUser()).isEqualTo("user");
        assertThat(((SipUri) esc01.from().uri()).decodedUser()).isEqualTo("I have spaces");
        SipUri contact = (SipUri) esc01.contacts().get(0).uri();
        assertThat(UriParser.unescape(contact.parameters().get(1).value())).isEqualTo("value%41");

        SipMessage escnull = parsed("escnull");
        assertThat(((SipUri) escnull.to().uri()).decodedUser()).isEqualTo("null-\u0000-null");
        List<NameAddress> contacts = escnull.contacts();
        assertThat(contacts).hasSize(2);
        assertThat(((SipUri) contacts.get(0).uri()).decodedUser()).isEqualTo("\u0000");
        assertThat(((SipUri) contacts.get(1).uri()).decodedUser()).isEqualTo("\u0000\u0000");

        SipMessage esc02 = parsed("esc02");
        assertThat(esc02.method()).isEqualTo(SipMethod.OTHER);
        assertThat(text(esc02.methodName())).isEqualTo("RE%47IST%45R");
        assertThat(esc02.to().displayName()).isEqualTo("%Z%45");
        assertThat(esc02.contacts()).hasSize(2);
        assertThat(text(esc02.headerValue("C%6Fntact"))).isEqualTo("<sip:alias2@host2.example.com>");
    }

    @Test
    void otherValidMessagesExposeTheirFields() {
        assertThat(parsed("lwsdisp").from().displayName()).isEqualTo("caller");

        SipMessage longreq = parsed("longreq");
        assertThat(longreq.vias()).hasSize(34);
        assertThat(longreq.to().displayName()).hasSizeGreaterThan(100);

        SipMessage dblreq = parsed("dblreq");
        assertThat(dblreq.method()).isEqualTo(SipMethod.REGISTER);
        assertThat(dblreq.bodyLength()).isZero();
        assertThat(dblreq.byteCount()).isLessThan(Fixtures.bytes("rfc4475/dblreq.sip").length);
        assertThat(dblreq.toString()).doesNotContain("INVITE");

        SipUri semi = (SipUri) parsed("semiuri").requestUri();
        assertThat(semi.user()).isEqualTo("user;par=u%40example.net");
        assertThat(semi.decodedUser()).isEqualTo("user;par=u@example.net");
        assertThat(semi.host()).isEqualTo("example.com");
        assertThat(semi.parameters()).isEmpty();

        assertThat(parsed("transports").vias()).extracting(via -> via.transport().toString())
                .containsExactly("UDP", "SCTP", "TLS", "UNKNOWN", "TCP");

        SipMessage mpart = parsed("mpart01");
        assertThat(mpart.bodyLength()).isEqualTo(553);
        assertThat(mpart.contentType()).startsWith("multipart/mixed");

        SipMessage unreason = parsed("unreason");
        assertThat(unreason.statusCode()).isEqualTo(200);
        assertThat(unreason.reasonPhrase()).startsWith("= 2**3 * 5**2 ").contains("\u043d\u043e");

        SipMessage noreason = parsed("noreason");
        assertThat(noreason.statusCode()).isEqualTo(100);
        assertThat(noreason.reasonPhrase()).isEmpty();

        SipMessage unksm2 = parsed("unksm2");
        assertThat(unksm2.to().uri()).isInstanceOf(AbsoluteUri.class);
        assertThat(unksm2.to().uri().scheme()).isEqualTo("isbn");
        assertThat(unksm2.from().uri().scheme()).isEqualTo("http");
        assertThat(unksm2.contacts().get(0).uri().scheme()).isEqualTo("name");

        assertThat(parsed("invut").contentType()).isEqualTo("application/unknownformat");
        assertThat(text(parsed("regaut01").headerValue(HeaderName.AUTHORIZATION)))
                .hasToString("NoOneKnowsThisScheme opaque-data=here");

        NameAddress cparam01 = parsed("cparam01").contacts().get(0);
        assertThat(cparam01.bracketed()).isFalse();
        assertThat(cparam01.parameter("unknownparam")).isEmpty();
        assertThat(((SipUri) cparam01.uri()).parameters()).isEmpty();

        NameAddress cparam02 = parsed("cparam02").contacts().get(0);
        assertThat(cparam02.parameters()).isEmpty();
        assertThat(((SipUri) cparam02.uri()).parameter("unknownparam")).isEmpty();

        assertThat(((SipUri) parsed("regescrt").contacts().get(0).uri()).headers())
                .isEqualTo("Route=%3Csip:sip.example.com%3E");

        assertThat(text(parsed("sdp01").headerValue("Accept"))).isEqualTo("text/nobodyKnowsThis");
    }

    @Test
    void badbranchIsAcceptedButNotTakenForAnRfc3261Branch() {
        Via via = parsed("badbranch").topVia();
        assertThat(text(via.branch())).isEqualTo("z9hG4bK");
        assertThat(via.hasRfc3261Branch()).isFalse();
    }

    @Test
    void inv2543IsFramedByTheDatagramAndLacksWhatRfc3261Adds() {
        SipMessage m = parsed("inv2543");
        assertThat(text(m.topVia().branch())).isNull();
        assertThat(m.topVia().hasRfc3261Branch()).isFalse();
        assertThat(m.from().tag()).isNull();
        assertThat(m.maxForwards()).isEqualTo(-1);
        assertThat(m.headerIndex(HeaderName.CONTENT_LENGTH)).isNegative();
        assertThat(m.bodyLength()).isEqualTo(105);
        assertThat(m.recordRoutes()).hasSize(1);
    }

    @Test
    void semanticMessagesExposeWhatTheProxyAnswersWith() {
        ParseResult.Malformed insuf = (ParseResult.Malformed) parse("insuf");
        assertThat(insuf.status()).isEqualTo(400);
        assertThat(insuf.reason()).contains("Call-ID");
        assertThat(insuf.answerable()).isPresent();

        Uri unkscm = parsed("unkscm").requestUri();
        assertThat(unkscm).isInstanceOf(AbsoluteUri.class);
        assertThat(unkscm.scheme()).isEqualTo("nobodyknowsthisscheme");
        assertThat(parsed("novelsc").requestUri().scheme()).isEqualTo("soap.beep");

        assertThat(text(parsed("bext01").headerValue(HeaderName.PROXY_REQUIRE)))
                .hasToString("noProxiesSupportThis, norDoAnyProxiesSupportThis");

        ParseResult.Malformed multi = (ParseResult.Malformed) parse("multi01");
        assertThat(multi.reason()).contains("more than one");
        assertThat(multi.answerable()).isPresent();

        ParseResult.Malformed mcl = (ParseResult.Malformed) parse("mcl01");
        assertThat(mcl.reason()).contains("Content-Length");
        assertThat(mcl.answerable()).isPresent();

        SipMessage bcast = parsed("bcast");
        assertThat(text(bcast.vias().get(1).host())).isEqualTo("255.255.255.255");

        assertThat(parsed("zeromf").maxForwards()).isZero();
    }

    private static String text(CharSequence value) {
        return value == null ? null : value.toString();
    }
}
