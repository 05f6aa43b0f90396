package io.siplb.core.sip;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.siplb.testing.Fixtures;
import io.siplb.testing.LeakDetection;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;
import net.jqwik.api.lifecycle.AfterContainer;

/**
 * For any byte sequence the parser returns a result, never throws and never keeps or releases the
 * caller's buffer; what it accepts can be read field by field and edited into a message that
 * parses again. Inputs are valid messages (RFC 3261 §24, RFC 4475, SIPp) mutated by truncation,
 * byte flips, inserted CR/LF/NUL and separators, repeated header lines and cut ranges.
 */
class SipParserPropertyTest {

    private static final List<byte[]> SEEDS = seeds();

    static {
        LeakDetection.install();
    }

    private static List<byte[]> seeds() {
        List<byte[]> seeds = new ArrayList<>();
        seeds.add(Fixtures.sippInvite());
        for (String[] row : Fixtures.tsv("rfc3261/index.tsv")) {
            seeds.add(Fixtures.bytes("rfc3261/" + row[0]));
        }
        for (String[] row : Fixtures.tsv("rfc4475/index.tsv")) {
            seeds.add(Fixtures.bytes("rfc4475/" + row[0] + ".sip"));
        }
        return seeds;
    }

    enum Kind { TRUNCATE, FLIP, INSERT, REPEAT_LINE, CUT }

    record Mutation(Kind kind, double where, double span, byte value) {
        byte[] apply(byte[] in) {
            int at = (int) (where * in.length);
            return switch (kind) {
                case TRUNCATE -> Arrays.copyOf(in, at);
                case FLIP -> {
                    byte[] out = in.clone();
                    if (out.length > 0) {
                        out[Math.min(at, out.length - 1)] = value;
                    }
                    yield out;
                }
                case INSERT -> {
                    byte[] out = new byte[in.length + 1];
                    System.arraycopy(in, 0, out, 0, at);
                    out[at] = value;
                    System.arraycopy(in, at, out, at + 1, in.length - at);
                    yield out;
                }
                case REPEAT_LINE -> repeatLine(in, at);
                case CUT -> {
                    int end = Math.min(in.length, at + (int) (span * 40));
                    byte[] out = new byte[in.length - (end - at)];
                    System.arraycopy(in, 0, out, 0, at);
                    System.arraycopy(in, end, out, at, in.length - end);
                    yield out;
                }
            };
        }

        /** Duplicates the line holding offset {@code at}, as a repeated header would be. */
        private static byte[] repeatLine(byte[] in, int at) {
            int start = at;
            while (start > 0 && in[start - 1] != '\n') {
                start--;
            }
            int end = at;
            while (end < in.length && in[end] != '\n') {
                end++;
            }
            end = Math.min(in.length, end + 1);
            byte[] out = new byte[in.length + end - start];
            System.arraycopy(in, 0, out, 0, end);
            System.arraycopy(in, start, out, end, end - start);
            System.arraycopy(in, end, out, 2 * end - start, in.length - end);
            return out;
        }
    }

    @Provide
    Arbitrary<byte[]> mutatedMessages() {
        Arbitrary<Mutation> mutation = Combinators.combine(
                Arbitraries.of(Kind.class),
                Arbitraries.doubles().between(0, 1),
                Arbitraries.doubles().between(0, 1),
                Arbitraries.oneOf(Arbitraries.of((byte) '\r', (byte) '\n', (byte) 0, (byte) ' ',
                        (byte) ',', (byte) ';', (byte) '"', (byte) '<', (byte) ':', (byte) '%'),
                        Arbitraries.bytes()))
                .as(Mutation::new);
        return Combinators.combine(Arbitraries.of(SEEDS), mutation.list().ofMinSize(1).ofMaxSize(4))
                .as((seed, mutations) -> {
                    byte[] bytes = seed;
                    for (Mutation m : mutations) {
                        bytes = m.apply(bytes);
                    }
                    return bytes;
                });
    }

    @Property(tries = 3000)
    void mutatedMessagesNeverBreakTheParser(@ForAll("mutatedMessages") byte[] input) {
        checkParse(input);
    }

    @Property(tries = 1000)
    void arbitraryBytesNeverBreakTheParser(@ForAll byte[] input) {
        checkParse(input);
    }

    @Property(tries = 300)
    void everyValidSeedSurvivesProxyEdits(@ForAll("seedIndex") int seed) {
        byte[] bytes = SEEDS.get(seed);
        ParseResult result = SipParser.DEFAULT.parse(bytes, bytes.length);
        if (result instanceof ParseResult.Parsed parsed && parsed.message().isRequest()) {
            assertEditable(parsed.message());
        }
    }

    @Provide
    Arbitrary<Integer> seedIndex() {
        return Arbitraries.integers().between(0, SEEDS.size() - 1);
    }

    private static void checkParse(byte[] input) {
        ByteBuf datagram = PooledByteBufAllocator.DEFAULT.directBuffer(Math.max(1, input.length));
        try {
            datagram.writeBytes(input);
            ParseResult result = SipParser.DEFAULT.parse(datagram);
            Statistics.collect(result.getClass().getSimpleName()); // shows both paths are exercised
            assertThat(datagram.refCnt()).isEqualTo(1);
            assertThat(datagram.readableBytes()).isEqualTo(input.length);
            if (result instanceof ParseResult.Parsed parsed) {
                readEverything(parsed.message());
            } else if (result instanceof ParseResult.Malformed malformed) {
                assertThat(malformed.offset()).isBetween(0, input.length);
                assertThat(malformed.reason()).isNotBlank();
                malformed.answerable().ifPresent(SipParserPropertyTest::readEverything);
            } else {
                assertThat(result).isInstanceOf(ParseResult.KeepAlive.class);
            }
            if (result instanceof ParseResult.Parsed parsed && parsed.message().isRequest()) {
                assertEditable(parsed.message());
            }
        } finally {
            datagram.release();
        }
    }

    /** Every accessor answers (possibly with null) for anything the parser let through. */
    private static void readEverything(SipMessage m) {
        m.method();
        m.methodName();
        m.requestUri();
        m.reasonPhrase();
        m.topVia();
        m.vias();
        m.callId();
        m.cseq();
        m.from();
        m.to();
        m.maxForwards();
        m.routes();
        m.recordRoutes();
        m.contacts();
        m.contentType();
        m.body();
        for (int k = 0; k < m.headerCount(); k++) {
            m.headerName(k);
            m.headerNameText(k);
            m.headerValue(k);
        }
        m.validate();
    }

    /** A validated request takes the forwarding edits and still parses; so does our answer to it. */
    private static void assertEditable(SipMessage request) {
        SipMessageEdit edit = request.edit()
                .pushVia("SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKprop")
                .maxForwards(Math.max(0, request.maxForwards() - 1))
                .viaReceived("127.0.0.9")
                .viaRport(5999)
                .removeFirstRoute();
        if (request.method().createsDialog()) {
            edit.prependRecordRoute("<sip:127.0.0.1:5060;lr>");
        }
        byte[] forwarded = edit.toByteArray();
        ParseResult again = SipParser.DEFAULT.parse(forwarded, forwarded.length);
        assertThat(again).as(new String(forwarded, StandardCharsets.ISO_8859_1))
                .isInstanceOf(ParseResult.Parsed.class);
        if (request.method() != SipMethod.ACK) {
            SipMessage answer = MessageFactory.response(request, 400, "Bad Request", "p");
            assertThat(answer.validate()).isInstanceOf(ParseResult.Parsed.class);
        }
    }

    @AfterContainer
    static void noLeaks() {
        LeakDetection.assertNoLeaks("SipParserPropertyTest");
    }
}
