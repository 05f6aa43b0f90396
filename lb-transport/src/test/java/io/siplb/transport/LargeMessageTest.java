package io.siplb.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.siplb.core.transaction.ProxyCounters;
import io.siplb.core.sip.MessageFactory;
import io.siplb.core.sip.ParseResult;
import io.siplb.core.sip.SipMessage;
import io.siplb.core.sip.SipParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Datagrams far over Netty's 2048-octet default on real loopback sockets: INVITEs with SDP bodies
 * of WebRTC size reach the destination whole and the call completes; one over the configured
 * limit is dropped and counted, never half-read.
 */
class LargeMessageTest {
    private final RawPeer caller = new RawPeer();
    private final RawPeer destination = new RawPeer();
    private LoopbackBalancer lb;

    LargeMessageTest() throws IOException {
    }

    @AfterEach
    void close() {
        if (lb != null) {
            lb.close();
        }
        caller.close();
        destination.close();
    }

    private LoopbackBalancer start(String... settings) {
        lb = new LoopbackBalancer(List.of("1 sip:127.0.0.1:" + destination.port()), settings);
        return lb;
    }

    @ParameterizedTest(name = "{0} octets")
    @ValueSource(ints = {1_536, 3_072, 4_608, 9_216, 20_480, 40_960, 61_440})
    void aLargeInviteReachesTheDestinationByteForByteAndTheCallCompletes(int size) throws Exception {
        start();
        String invite = invite("large-" + size, size);
        assertThat(invite.length()).isBetween(size - 10, size + 10);
        caller.send(lb.address, invite);

        assertThat(caller.receive()).startsWith("SIP/2.0 100 Trying");
        String forwarded = destination.receive();
        assertThat(forwarded).startsWith("INVITE sip:service@127.0.0.1 SIP/2.0\r\n");
        assertThat(body(forwarded)).isEqualTo(body(invite));
        SipMessage received = parse(forwarded);
        assertThat(received.bodyLength()).isEqualTo(body(invite).length());
        // everything the caller wrote after its Via is there unchanged, below our Via and Record-Route
        assertThat(forwarded).contains(invite.substring(invite.indexOf("From:"), invite.indexOf("Max-Forwards:")));

        destination.send(lb.address, MessageFactory.dialogResponse(received, 200, "OK", "callee",
                "sip:callee@127.0.0.1:" + destination.port()).toString());
        assertThat(caller.receive()).startsWith("SIP/2.0 200 OK");
        assertThat(lb.balancer.tables().counters().malformedDroppedTotal()).isZero();
    }

    @Test
    void rfc4475LongRequestIsForwarded() throws Exception {
        start();
        Path longreq = Path.of("../lb-core/src/test/resources/rfc4475/longreq.sip");
        String text = Files.readString(longreq, StandardCharsets.ISO_8859_1);
        assertThat(text.length()).isEqualTo(3_515);
        caller.send(lb.address, text);
        String forwarded = destination.receive();
        assertThat(forwarded).startsWith("INVITE ");
        assertThat(forwarded).contains("Unknown-LongLongLongLongLongLongLongLongLongLongLongLongLongLongLongLongLongLongLongLong-Name:")
                .hasSizeGreaterThan(3_515);
        assertThat(body(forwarded)).isEqualTo(body(text));
    }

    @Test
    void aDatagramOverTheLimitIsDroppedUnansweredAndCountedThenCallsGoOn() throws Exception {
        start("siplb.parser.max-message-bytes=4096");
        caller.send(lb.address, invite("too-large", 4_097 + 50));
        caller.send(lb.address, invite("just-fits", 4_000));
        assertThat(caller.receive()).startsWith("SIP/2.0 100 Trying").contains("just-fits");
        assertThat(destination.receive()).contains("Call-ID: just-fits@127.0.0.1");
        ProxyCounters counters = lb.balancer.tables().counters();
        await().atMost(Duration.ofSeconds(5))
                .until(() -> counters.malformedDropped.get(ProxyCounters.DropReason.TOO_LARGE).sum() == 1);
        assertThat(counters.requests.sum()).isEqualTo(1); // the large one was never parsed as a request
    }

    /** An INVITE of about {@code size} octets: headers and an SDP offer padded with candidates. */
    private String invite(String id, int size) {
        String head = "INVITE sip:service@127.0.0.1 SIP/2.0\r\n"
                + "Via: SIP/2.0/UDP 127.0.0.1:" + caller.port() + ";branch=z9hG4bK-" + id + ";rport\r\n"
                + "From: <sip:caller@127.0.0.1>;tag=caller-" + id + "\r\n"
                + "To: <sip:service@127.0.0.1>\r\n"
                + "Call-ID: " + id + "@127.0.0.1\r\n"
                + "CSeq: 1 INVITE\r\n"
                + "Contact: <sip:caller@127.0.0.1:" + caller.port() + ">\r\n"
                + "Max-Forwards: 70\r\n"
                + "Content-Type: application/sdp\r\n";
        StringBuilder body = new StringBuilder("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
                + "m=video 9 UDP/TLS/RTP/SAVPF 96 97\r\n");
        int n = 0;
        while (head.length() + 24 + body.length() < size - 90) {
            body.append("a=candidate:").append(n++).append(" 1 udp 2122260223 127.0.0.1 ").append(50000 + n % 10000)
                    .append(" typ host\r\n");
        }
        while (head.length() + 24 + body.length() < size - 2) {
            body.append('a');
        }
        body.append("\r\n");
        return head + "Content-Length: " + body.length() + "\r\n\r\n" + body;
    }

    private static String body(String message) {
        return message.substring(message.indexOf("\r\n\r\n") + 4);
    }

    private static SipMessage parse(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.ISO_8859_1);
        return ((ParseResult.Parsed) SipParser.DEFAULT.parse(bytes, bytes.length)).message();
    }
}
