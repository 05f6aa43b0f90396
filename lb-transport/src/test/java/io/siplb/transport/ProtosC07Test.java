package io.siplb.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.siplb.core.sip.HeaderName;
import io.siplb.core.sip.MessageFactory;
import io.siplb.core.sip.ParseResult;
import io.siplb.core.sip.SipMessage;
import io.siplb.core.sip.SipMethod;
import io.siplb.core.sip.SipParser;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The PROTOS c07-sip suite (University of Oulu, 2002: 4 527 INVITEs, case 0 valid, the rest
 * malformed in 54 groups) replayed at the running balancer on loopback, as the suite's own
 * harness does: each case's INVITE and its CANCEL teardown, then a valid OPTIONS that siplb
 * must answer (its pass criterion). Every case is classified — forwarded to the destination,
 * answered by siplb itself (400 with the defect, 505, 513…), or dropped — and the table per group
 * is written to {@code target/interop/protos-c07.txt} (docs/conformance.md quotes it). After the suite a
 * normal INVITE still completes.
 *
 * <p>The cases come from {@code ../shared/protos-c07/cases.tar.xz} beside the repository (the
 * developers' and CI's copy), unpacked with {@code tar}; where it is absent the test says so and
 * is skipped. The 81 cases larger than a UDP datagram can carry are counted, not sent.
 */
@Tag("interop")
class ProtosC07Test {
    private static final Path ARCHIVE = Path.of("../../shared/protos-c07/cases.tar.xz").toAbsolutePath().normalize();
    private static final Path OUT = Path.of("target/interop").toAbsolutePath();
    private static final int LARGEST_DATAGRAM = 65_507;
    /** First case of each group, and its name (the suite's README). */
    private static final Object[][] GROUPS = {
        {0, "valid"}, {1, "sip-method"}, {194, "sip-request-uri"}, {255, "sip-version"}, {330, "sip-via-host"},
        {436, "sip-via-hostcolon"}, {452, "sip-via-hostport"}, {498, "sip-via-version"}, {573, "sip-via-tag"},
        {630, "sip-from-displayname"}, {823, "sip-from-tag"}, {880, "sip-from-colon"}, {896, "sip-from-uri"},
        {957, "sip-contact-displayname"}, {1150, "sip-contact-uri"}, {1211, "sip-contact-left-paranthesis"},
        {1227, "sip-contact-right-paranthesis"}, {1243, "sip-to"}, {1436, "sip-to-left-paranthesis"},
        {1452, "sip-to-right-paranthesis"}, {1468, "sip-call-id-value"}, {1661, "sip-call-id-at"},
        {1677, "sip-call-id-ip"}, {1783, "sip-expires"}, {1829, "sip-max-forwards"}, {1875, "sip-cseq-integer"},
        {1921, "sip-cseq-string"}, {2114, "sip-content-type"}, {2361, "sip-content-length"},
        {2407, "sip-request-crlf"}, {2417, "crlf-request"}, {2427, "sdp-attribute-crlf"},
        {2437, "sdp-proto-v-identifier"}, {2630, "sdp-proto-v-equal"}, {2646, "sdp-proto-v-integer"},
        {2692, "sdp-origin-username"}, {2885, "sdp-origin-sessionid"}, {2931, "sdp-origin-networktype"},
        {3124, "sdp-origin-ip"}, {3230, "sdp-session"}, {3423, "sdp-connection-networktype"},
        {3611, "sdp-connection-ip"}, {3717, "sdp-time-start"}, {3763, "sdp-time-stop"}, {3764, "sdp-media-media"},
        {3957, "sdp-media-port"}, {4003, "sdp-media-transport"}, {4121, "sdp-media-type"},
        {4167, "sdp-attribute-rtpmap"}, {4285, "sdp-attribute-colon"}, {4301, "sdp-attribute-payloadtype"},
        {4347, "sdp-attribute-encodingname"}, {4465, "sdp-attribute-slash"}, {4481, "sdp-attribute-clockrate"},
    };

    /** What became of one group's cases. */
    private static final class Tally {
        int forwarded;
        int answered;
        int dropped;
        int tooLarge;
        final Map<Integer, Integer> statuses = new TreeMap<>();
    }

    @Test
    void everyCaseIsFollowedByAnAnsweredOptionsAndCallsGoOnAfter(@TempDir Path dir) throws Exception {
        assumeTrue(Files.exists(ARCHIVE), "the PROTOS c07-sip cases are not at " + ARCHIVE + ": skipped");
        Process tar = new ProcessBuilder("tar", "xJf", ARCHIVE.toString(), "-C", dir.toString()).inheritIO().start();
        assertThat(tar.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(tar.exitValue()).as("tar xJf " + ARCHIVE).isZero();
        Path cases = dir.resolve("protos");
        assertThat(Files.list(cases).count()).isEqualTo(4_527);

        try (Destination destination = new Destination();
                DatagramSocket caller = new DatagramSocket(0, InetAddress.getLoopbackAddress());
                LoopbackBalancer lb = new LoopbackBalancer(List.of("1 sip:127.0.0.1:" + destination.port()),
                        "siplb.event-loops=1", "siplb.failover.mark=none", "siplb.probe.interval=0",
                        "siplb.failover.timeout=1s")) {
            caller.setSoTimeout(2_000);
            Map<String, Tally> tallies = new LinkedHashMap<>();
            for (int n = 0; n < 4_527; n++) {
                Tally tally = tallies.computeIfAbsent(group(n), g -> new Tally());
                List<byte[]> pdus = pdus(Files.readAllBytes(cases.resolve(String.format("%07d", n))));
                byte[] invite = fill(pdus.get(0), n, caller.getLocalPort());
                if (invite.length > LARGEST_DATAGRAM) {
                    tally.tooLarge++;
                    continue;
                }
                int forwardedBefore = destination.requests.get();
                caller.send(new DatagramPacket(invite, invite.length, lb.address));
                byte[] teardown = fill(pdus.get(1), n, caller.getLocalPort());
                caller.send(new DatagramPacket(teardown, teardown.length, lb.address));
                String optionsId = "protos-options-" + n;
                byte[] options = options(optionsId, caller.getLocalPort());
                caller.send(new DatagramPacket(options, options.length, lb.address));
                Integer status = null;
                // one event loop, one source: whatever answers the case comes before the OPTIONS' 200
                while (true) {
                    SipMessage response = receive(caller, n);
                    String callId = response.callId() == null ? "" : response.callId().toString();
                    if (callId.equals(optionsId)) {
                        assertThat(response.statusCode()).as("the OPTIONS after case " + n).isEqualTo(200);
                        break;
                    }
                    if (!ofCase(callId, n) || response.statusCode() < 300
                            || response.cseq() != null && response.cseq().methodName().equals("CANCEL")) {
                        continue; // provisional, the teardown's answer, or a retransmission of an earlier case's
                    }
                    acknowledge(caller, invite, response, lb.address);
                    if (status == null) {
                        status = response.statusCode();
                    }
                }
                if (destination.requests.get() > forwardedBefore) {
                    tally.forwarded++;
                } else if (status != null) {
                    tally.answered++;
                    tally.statuses.merge(status, 1, Integer::sum);
                } else {
                    tally.dropped++;
                }
            }
            write(tallies);
            assertThat(tallies.get("valid").forwarded).isEqualTo(1);

            byte[] call = ("INVITE sip:service@127.0.0.1 SIP/2.0\r\n"
                    + "Via: SIP/2.0/UDP 127.0.0.1:" + caller.getLocalPort() + ";branch=z9hG4bK-after-protos\r\n"
                    + "From: <sip:caller@127.0.0.1>;tag=after\r\nTo: <sip:service@127.0.0.1>\r\n"
                    + "Call-ID: after-protos\r\nCSeq: 1 INVITE\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII);
            caller.send(new DatagramPacket(call, call.length, lb.address));
            int answered = 0;
            while (answered != 200) {
                answered = receive(caller, -1).statusCode();
            }
        }
    }

    /** Whether a response with {@code callId} may answer case {@code n}: not when it names another case. */
    private static boolean ofCase(String callId, int n) {
        if (!callId.startsWith("protos-") || callId.indexOf('@') < 0) {
            return true; // the case mangled its Call-ID: nothing else is in flight
        }
        return callId.equals("protos-" + n + "@127.0.0.1");
    }

    /**
     * ACKs a non-2xx final as any UAC would (RFC 3261 §17.1.1.3), so that siplb's Timer G stops
     * resending it; a case too broken to build an ACK from gets none.
     */
    private static void acknowledge(DatagramSocket caller, byte[] invite, SipMessage response,
            InetSocketAddress to) throws IOException {
        if (!(SipParser.DEFAULT.parse(invite, invite.length) instanceof ParseResult.Parsed parsed)
                || parsed.message().method() != SipMethod.INVITE) {
            return;
        }
        byte[] ack = MessageFactory.ackFor(parsed.message(), response).toByteArray();
        caller.send(new DatagramPacket(ack, ack.length, to));
    }

    private static SipMessage receive(DatagramSocket socket, int n) throws IOException {
        byte[] buffer = new byte[65_535];
        while (true) {
            DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
            try {
                socket.receive(packet);
            } catch (SocketTimeoutException e) {
                throw new AssertionError("siplb went silent after PROTOS case " + n, e);
            }
            if (SipParser.DEFAULT.frame(Arrays.copyOf(buffer, packet.getLength()), packet.getLength())
                    instanceof ParseResult.Parsed parsed && !parsed.message().isRequest()) {
                return parsed.message();
            }
        }
    }

    private static String group(int n) {
        String name = null;
        for (Object[] group : GROUPS) {
            if (n >= (int) group[0]) {
                name = (String) group[1];
            }
        }
        return name;
    }

    /** The case file's PDUs: each is {@code <decimal length> <octets>}. */
    private static List<byte[]> pdus(byte[] file) {
        List<byte[]> pdus = new ArrayList<>();
        int i = 0;
        while (i < file.length) {
            int space = i;
            while (file[space] != ' ') {
                space++;
            }
            int length = Integer.parseInt(new String(file, i, space - i, StandardCharsets.US_ASCII));
            pdus.add(Arrays.copyOfRange(file, space + 1, space + 1 + length));
            i = space + 1 + length;
        }
        return pdus;
    }

    /** Fills the suite's placeholders as its harness does; Content-Length last, over the filled body. */
    private static byte[] fill(byte[] template, int n, int port) {
        String text = new String(template, StandardCharsets.ISO_8859_1)
                .replace("<To>", "service@127.0.0.1")
                .replace("<From>", "protos@127.0.0.1")
                .replace("<From-Address>", "127.0.0.1")
                .replace("<From-IP>", "127.0.0.1")
                .replace("<Local-Port>", Integer.toString(port))
                .replace("<Branch-ID>", String.format("%07d", n))
                .replace("<Call-ID>", "protos-" + n)
                .replace("<CSeq>", Integer.toString(n + 1))
                .replace("<Teardown-Method>", "CANCEL");
        int blank = text.indexOf("\r\n\r\n");
        int body = blank < 0 ? 0 : text.length() - blank - 4;
        return text.replace("<Content-Length>", Integer.toString(body)).getBytes(StandardCharsets.ISO_8859_1);
    }

    private static byte[] options(String callId, int port) {
        return ("OPTIONS sip:service@127.0.0.1 SIP/2.0\r\n"
                + "Via: SIP/2.0/UDP 127.0.0.1:" + port + ";branch=z9hG4bK-" + callId + "\r\n"
                + "From: <sip:protos@127.0.0.1>;tag=options\r\nTo: <sip:service@127.0.0.1>\r\n"
                + "Call-ID: " + callId + "\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII);
    }

    private static void write(Map<String, Tally> tallies) throws IOException {
        StringBuilder table = new StringBuilder(
                "| group | cases | forwarded | answered by siplb (status: count) | dropped | too large for UDP |\n"
                        + "|---|---|---|---|---|---|\n");
        int[] total = new int[5];
        for (Map.Entry<String, Tally> entry : tallies.entrySet()) {
            Tally t = entry.getValue();
            int cases = t.forwarded + t.answered + t.dropped + t.tooLarge;
            StringBuilder statuses = new StringBuilder();
            t.statuses.forEach((status, count) -> statuses.append(statuses.length() == 0 ? "" : ", ")
                    .append(status).append(": ").append(count));
            table.append("| ").append(entry.getKey()).append(" | ").append(cases).append(" | ").append(t.forwarded)
                    .append(" | ").append(t.answered).append(statuses.length() == 0 ? "" : " (" + statuses + ")")
                    .append(" | ").append(t.dropped).append(" | ").append(t.tooLarge).append(" |\n");
            total[0] += cases;
            total[1] += t.forwarded;
            total[2] += t.answered;
            total[3] += t.dropped;
            total[4] += t.tooLarge;
        }
        table.append("| all | ").append(total[0]).append(" | ").append(total[1]).append(" | ").append(total[2])
                .append(" | ").append(total[3]).append(" | ").append(total[4]).append(" |\n");
        Files.createDirectories(OUT);
        Files.writeString(OUT.resolve("protos-c07.txt"), table);
    }

    /**
     * The destination: answers the INVITE after the suite 200, every other INVITE 486 (so that no
     * transaction waits), any other request 200, and counts the requests that are not the
     * OPTIONS after a case, an ACK or a CANCEL: what siplb forwarded of the cases.
     */
    private static final class Destination implements AutoCloseable {
        final DatagramSocket socket = new DatagramSocket(0, InetAddress.getLoopbackAddress());
        final AtomicInteger requests = new AtomicInteger();
        private final Thread thread = new Thread(this::serve, "protos-destination");

        Destination() throws IOException {
            thread.setDaemon(true);
            thread.start();
        }

        int port() {
            return socket.getLocalPort();
        }

        private void serve() {
            byte[] buffer = new byte[65_535];
            while (!socket.isClosed()) {
                try {
                    DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
                    socket.receive(packet);
                    byte[] bytes = Arrays.copyOf(buffer, packet.getLength());
                    if (!(SipParser.DEFAULT.frame(bytes, bytes.length) instanceof ParseResult.Parsed parsed)
                            || !parsed.message().isRequest()) {
                        continue;
                    }
                    SipMessage request = parsed.message();
                    String method = request.methodName().toString();
                    String callId = request.headerValue(HeaderName.CALL_ID) == null ? ""
                            : request.headerValue(HeaderName.CALL_ID).toString();
                    if (method.equals("ACK")) {
                        continue;
                    }
                    if (!method.equals("CANCEL") && !callId.startsWith("protos-options-")) {
                        requests.incrementAndGet();
                    }
                    int status = !method.equals("INVITE") ? 200 : callId.equals("after-protos") ? 200 : 486;
                    byte[] answer = MessageFactory.response(request, status,
                            status == 486 ? "Busy Here" : "OK", "destination").toByteArray();
                    socket.send(new DatagramPacket(answer, answer.length, packet.getSocketAddress()));
                } catch (IOException | RuntimeException e) {
                    if (socket.isClosed()) {
                        return;
                    }
                }
            }
        }

        @Override
        public void close() {
            socket.close();
        }
    }

}
