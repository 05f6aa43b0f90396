package io.siplb.core.sip;

import static org.assertj.core.api.Assertions.assertThat;

import io.siplb.testing.Fixtures;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The call flows of RFC 3261 §24 (registration, and the INVITE/180/200/ACK/BYE session through two
 * proxies), each checked against {@code rfc3261/index.tsv} and through a parse-edit-parse round
 * trip.
 */
class Rfc3261ExamplesTest {

    static Stream<Arguments> examples() {
        return Fixtures.tsv("rfc3261/index.tsv").stream().map(row -> Arguments.of((Object) row));
    }

    private static SipMessage parse(String file) {
        byte[] bytes = Fixtures.bytes("rfc3261/" + file);
        ParseResult result = SipParser.DEFAULT.parse(bytes, bytes.length);
        assertThat(result).as(file).isInstanceOf(ParseResult.Parsed.class);
        return ((ParseResult.Parsed) result).message();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("examples")
    void fieldsMatchTheRfc(String[] row) {
        SipMessage m = parse(row[0]);
        assertThat(m.isRequest()).isEqualTo(row[2].equals("request"));
        if (m.isRequest()) {
            assertThat(m.methodName().toString()).isEqualTo(row[3]);
        } else {
            assertThat(m.statusCode()).isEqualTo(Integer.parseInt(row[3]));
        }
        assertThat(m.topVia().branch().toString()).isEqualTo(row[6]);
        assertThat(m.callId().toString()).isEqualTo(row[7]);
        assertThat(m.cseq().number()).isEqualTo(Long.parseLong(row[8]));
        assertThat(m.cseq().methodName()).isEqualTo(row[9]);
        assertThat(m.vias()).hasSize(Integer.parseInt(row[10]));
        assertThat(m.recordRoutes().isEmpty()).isEqualTo(row[11].equals("no"));
        assertThat(m.bodyLength()).isEqualTo(Integer.parseInt(row[12]));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("examples")
    void proxyEditsRoundTrip(String[] row) {
        SipMessage m = parse(row[0]);
        SipMessage edited;
        if (m.isRequest()) {
            SipMessageEdit edit = m.edit().pushVia("SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKrt" + row[0].hashCode())
                    .viaReceived("192.0.2.200")
                    .maxForwards(Math.max(m.maxForwards(), 1) - 1);
            if (m.method().createsDialog()) {
                edit.prependRecordRoute("<sip:10.0.0.1:5060;lr>");
            }
            edited = edit.toMessage();
            assertThat(edited.validate()).isInstanceOf(ParseResult.Parsed.class);
            assertThat(edited.vias()).hasSize(m.vias().size() + 1);
            assertThat(edited.vias().get(1).received().toString()).isEqualTo("192.0.2.200");
            // undo what a downstream element would: the response path pops our Via again
            SipMessage back = MessageFactory.response(edited, 200, "OK", "t").edit().popVia().toMessage();
            assertThat(back.vias()).hasSize(m.vias().size());
            assertThat(back.topVia().branch().toString()).isEqualTo(m.topVia().branch().toString());
        } else {
            edited = m.edit().popVia().toMessage();
            assertThat(edited.vias()).hasSize(m.vias().size() - 1);
        }
        assertThat(edited.body()).isEqualTo(m.body());
        // a response whose only Via was ours is consumed, not relayed: it frames but has no Via left
        ParseResult again = SipParser.DEFAULT.frame(edited.toByteArray(), edited.byteCount());
        assertThat(again).isInstanceOf(ParseResult.Parsed.class);
        assertThat(((ParseResult.Parsed) again).message().toString()).isEqualTo(edited.toString());
    }
}
