package io.siplb.transport.stream;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/** Framing a SIP stream by Content-Length, whatever the segment boundaries. */
class StreamFramerTest {
    private static final String INVITE = "INVITE sip:bob@example.com SIP/2.0\r\n"
            + "Via: SIP/2.0/TCP 192.0.2.1:5060;branch=z9hG4bK-1\r\n"
            + "From: <sip:alice@example.com>;tag=1\r\nTo: <sip:bob@example.com>\r\n"
            + "Call-ID: framer-1\r\nCSeq: 1 INVITE\r\nMax-Forwards: 70\r\n"
            + "Content-Type: application/sdp\r\nContent-Length: 14\r\n\r\nv=0\r\no=- 1 1\r\n";
    private static final String BYE = "BYE sip:bob@example.com SIP/2.0\r\n"
            + "Via: SIP/2.0/TCP 192.0.2.1:5060;branch=z9hG4bK-2\r\n"
            + "From: <sip:alice@example.com>;tag=1\r\nTo: <sip:bob@example.com>;tag=2\r\n"
            + "Call-ID: framer-1\r\nCSeq: 2 BYE\r\nMax-Forwards: 70\r\nl:0\r\n\r\n";

    private static EmbeddedChannel channel() {
        return new EmbeddedChannel(new StreamFramer(65535, 8192));
    }

    private static List<Object> read(EmbeddedChannel channel) {
        List<Object> out = new ArrayList<>();
        Object next;
        while ((next = channel.readInbound()) != null) {
            out.add(next instanceof ByteBuf buffer ? text(buffer) : next);
        }
        return out;
    }

    private static String text(ByteBuf buffer) {
        String text = buffer.toString(StandardCharsets.ISO_8859_1);
        buffer.release();
        return text;
    }

    private static ByteBuf bytes(String text) {
        return Unpooled.copiedBuffer(text, StandardCharsets.ISO_8859_1);
    }

    /** Two messages and a keep-alive cut at any two points come out as the same frames. */
    @Property(tries = 400)
    void segmentBoundariesDoNotMatter(@ForAll @IntRange(min = 0, max = 1000) int first,
            @ForAll @IntRange(min = 0, max = 1000) int second) {
        String stream = INVITE + "\r\n\r\n" + BYE;
        int a = Math.min(first, stream.length());
        int b = Math.max(a, Math.min(second, stream.length()));
        EmbeddedChannel channel = channel();
        channel.writeInbound(bytes(stream.substring(0, a)));
        channel.writeInbound(bytes(stream.substring(a, b)));
        channel.writeInbound(bytes(stream.substring(b)));
        assertThat(read(channel)).containsExactly(INVITE, StreamFramer.PING, BYE);
        channel.finishAndReleaseAll();
    }

    @Test
    void everySingleByteBoundaryOfOneMessage() {
        for (int cut = 1; cut < INVITE.length(); cut++) {
            EmbeddedChannel channel = channel();
            channel.writeInbound(bytes(INVITE.substring(0, cut)));
            assertThat(read(channel)).isEmpty();
            channel.writeInbound(bytes(INVITE.substring(cut)));
            assertThat(read(channel)).containsExactly(INVITE);
            channel.finishAndReleaseAll();
        }
    }

    @Test
    void aMessageWithoutContentLengthCannotBeFramed() {
        EmbeddedChannel channel = channel();
        String head = INVITE.substring(0, INVITE.indexOf("Content-Length")) + "\r\n";
        channel.writeInbound(bytes(head + "v=0\r\n" + BYE));
        List<Object> out = read(channel);
        assertThat(out).hasSize(1);
        StreamFramer.Unframeable failure = (StreamFramer.Unframeable) out.get(0);
        assertThat(failure.status()).isEqualTo(400);
        assertThat(failure.reason()).isEqualTo("Missing Content-Length");
        assertThat(new String(failure.head(), StandardCharsets.ISO_8859_1)).startsWith("INVITE sip:bob@");
        channel.writeInbound(bytes(BYE));
        assertThat(read(channel)).as("nothing after the stream went out of step").isEmpty();
        channel.finishAndReleaseAll();
    }

    @Test
    void contentLengthsNoLimitAdmitsAndBadOnes() {
        String huge = INVITE.replace("Content-Length: 14", "Content-Length: 2147483648");
        assertThat(failureOf(huge).status()).isEqualTo(513);
        assertThat(failureOf(INVITE.replace("Content-Length: 14", "Content-Length: 14x")).reason())
                .isEqualTo("Bad Content-Length");
        assertThat(failureOf(INVITE.replace("Content-Length: 14", "Content-Length: 14\r\nl: 15")).reason())
                .isEqualTo("Bad Content-Length");
    }

    @Test
    void aHeaderBlockOrLineOverTheLimitEndsTheStream() {
        EmbeddedChannel channel = new EmbeddedChannel(new StreamFramer(4096, 1024));
        channel.writeInbound(bytes("INVITE sip:bob@example.com SIP/2.0\r\nSubject: " + "x".repeat(2000)));
        assertThat(((StreamFramer.Unframeable) read(channel).get(0)).reason()).isEqualTo("Line Too Long");
        channel.finishAndReleaseAll();
        channel = new EmbeddedChannel(new StreamFramer(4096, 1024));
        StringBuilder block = new StringBuilder("INVITE sip:bob@example.com SIP/2.0\r\n");
        while (block.length() < 70_000) {
            block.append("Subject: ").append("y".repeat(100)).append("\r\n");
        }
        channel.writeInbound(bytes(block.toString()));
        assertThat(((StreamFramer.Unframeable) read(channel).get(0)).status()).isEqualTo(513);
        channel.finishAndReleaseAll();
    }

    @Test
    void crlfKeepAlivesAreTold() {
        EmbeddedChannel channel = channel();
        channel.writeInbound(bytes("\r\n\r\n"));
        channel.writeInbound(bytes("\r\n"));
        assertThat(read(channel)).containsExactly(StreamFramer.PING);
        channel.writeInbound(bytes(BYE));
        assertThat(read(channel)).containsExactly(BYE);
        channel.finishAndReleaseAll();
    }

    private static StreamFramer.Unframeable failureOf(String message) {
        EmbeddedChannel channel = channel();
        channel.writeInbound(bytes(message));
        List<Object> out = read(channel);
        channel.finishAndReleaseAll();
        assertThat(out).hasSize(1);
        return (StreamFramer.Unframeable) out.get(0);
    }
}
