package io.siplb.transport;

import static org.assertj.core.api.Assertions.assertThat;

import io.siplb.core.sip.ParseResult;
import io.siplb.core.sip.SipParser;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * All 49 RFC 4475 torture messages thrown at the running balancer on loopback, one datagram
 * each: every valid initial request reaches the destination, no invalid one does, nor any
 * response, and a normal call goes through after all of them.
 */
class Rfc4475ConformanceTest {
    private static final Path CORPUS = Path.of("../lb-core/src/test/resources/rfc4475");
    /**
     * Valid requests without a To tag: a proxy forwards them (RFC 4475 §3.1.1, §3.2, §3.3, §3.4).
     * Not {@code wsinv}: it carries a To tag and a Route to a host that is none of ours, a request
     * of a dialog this balancer does not know, answered 481 rather than relayed to an arbitrary host.
     */
    private static final Set<String> FORWARDED = Set.of("intmeth", "esc01", "escnull", "esc02",
            "lwsdisp", "longreq", "dblreq", "semiuri", "transports", "mpart01", "badbranch", "unksm2", "invut",
            "regaut01", "cparam01", "cparam02", "regescrt", "sdp01", "inv2543");

    private final DatagramSocket sender;
    private final DatagramSocket destination;
    private LoopbackBalancer lb;

    Rfc4475ConformanceTest() throws IOException {
        sender = new DatagramSocket(0, InetAddress.getLoopbackAddress());
        destination = new DatagramSocket(0, InetAddress.getLoopbackAddress());
    }

    @AfterEach
    void close() {
        if (lb != null) {
            lb.close();
        }
        sender.close();
        destination.close();
    }

    private void startBalancer() {
        if (lb != null) {
            lb.close();
        }
        lb = new LoopbackBalancer(List.of("1 sip:127.0.0.1:" + destination.getLocalPort()),
                "siplb.failover.mark=none", "siplb.probe.interval=0");
    }

    @Test
    void everyValidInitialRequestIsForwardedAndNoInvalidOne() throws Exception {
        startBalancer();
        Map<String, String> expectations = expectations();
        assertThat(expectations).hasSize(49);
        Set<String> forwarded = new TreeSet<>();
        Set<String> transactions = new HashSet<>();
        long answered = 0;
        for (Map.Entry<String, String> message : expectations.entrySet()) {
            byte[] bytes = Files.readAllBytes(CORPUS.resolve(message.getKey() + ".sip"));
            // the corpus reuses Via branches (regaut01, regescrt… share one): a message whose
            // transaction id an earlier one had would rightly be absorbed as its retransmission
            if (!transactions.add(transactionId(bytes))) {
                answered += lb.balancer.tables().counters().malformedAnswered.sum();
                startBalancer();
            }
            sender.send(new DatagramPacket(bytes, bytes.length, lb.address));
            if (receivedWithin(FORWARDED.contains(message.getKey()) ? 2_000 : 150, callId(bytes))) {
                forwarded.add(message.getKey());
            }
        }
        assertThat(forwarded).containsExactlyInAnyOrderElementsOf(FORWARDED);
        for (String tag : FORWARDED) {
            assertThat(expectations.get(tag)).as(tag).isEqualTo("valid");
        }
        answered += lb.balancer.tables().counters().malformedAnswered.sum();
        assertThat(answered).isGreaterThanOrEqualTo(15); // most invalid requests are answered 400, not dropped

        byte[] call = ("OPTIONS sip:service@127.0.0.1 SIP/2.0\r\n"
                + "Via: SIP/2.0/UDP 127.0.0.1:" + sender.getLocalPort() + ";branch=z9hG4bK-after;rport\r\n"
                + "From: <sip:probe@127.0.0.1>;tag=after\r\nTo: <sip:service@127.0.0.1>\r\n"
                + "Call-ID: after-the-torture\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII);
        sender.send(new DatagramPacket(call, call.length, lb.address));
        assertThat(receivedWithin(2_000, "after-the-torture")).isTrue();
    }

    /** Whether the destination gets a datagram carrying {@code callId} within {@code millis}. */
    private boolean receivedWithin(int millis, String callId) throws IOException {
        long deadline = System.currentTimeMillis() + millis;
        byte[] buffer = new byte[65_535];
        while (true) {
            long left = deadline - System.currentTimeMillis();
            if (left <= 0) {
                return false;
            }
            destination.setSoTimeout((int) left);
            DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
            try {
                destination.receive(packet);
            } catch (SocketTimeoutException e) {
                return false;
            }
            String text = new String(packet.getData(), 0, packet.getLength(), StandardCharsets.ISO_8859_1);
            if (callId != null && text.contains(callId)) {
                return true;
            }
        }
    }

    /** Top Via branch, sent-by and method (RFC 3261 §17.2.3), or a unique value when it does not frame. */
    private static String transactionId(byte[] bytes) {
        if (SipParser.DEFAULT.frame(bytes, bytes.length)
                instanceof ParseResult.Parsed parsed && parsed.message().isRequest()
                && parsed.message().topVia() != null) {
            var via = parsed.message().topVia();
            return via.branch() + "|" + via.host() + ":" + via.port() + "|" + parsed.message().methodName();
        }
        return UUID.randomUUID().toString();
    }

    /** The Call-ID value as written, or null when the message has none. */
    private static String callId(byte[] bytes) {
        String text = new String(bytes, StandardCharsets.ISO_8859_1);
        for (String line : text.split("\r\n")) {
            String lower = line.toLowerCase(Locale.ROOT);
            if (lower.startsWith("call-id") || lower.startsWith("i ") || lower.startsWith("i:")) {
                return line.substring(line.indexOf(':') + 1).trim();
            }
            if (line.isEmpty()) {
                break;
            }
        }
        return null;
    }

    private static Map<String, String> expectations() throws IOException {
        Map<String, String> map = new LinkedHashMap<>();
        List<String> lines = new ArrayList<>(Files.readAllLines(CORPUS.resolve("index.tsv")));
        lines.remove(0);
        for (String line : lines) {
            String[] fields = line.split("\t");
            map.put(fields[0], fields[4]);
        }
        return map;
    }
}
