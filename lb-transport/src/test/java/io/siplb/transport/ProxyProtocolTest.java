package io.siplb.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.siplb.core.net.Transport;
import io.siplb.transport.demo.Backend;
import io.siplb.transport.stream.StreamConnection;
import io.siplb.transport.stream.StreamTransport;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A listener marked {@code ;proxy-protocol} behind a balancer at 127.0.0.5, played here by a socket
 * bound to that address: the caller the header names is the one siplb stamps, routes, bans and
 * lists; a header from anyone else, a bad one or none is refused and counted, and the neighbour
 * connection never notices. A real HAProxy in front: {@code HaproxyInteropTest}.
 */
class ProxyProtocolTest {
    private static final AtomicInteger CALLS = new AtomicInteger();

    @RegisterExtension
    final Opened opened = new Opened();

    private Backend pbx;
    private LoopbackBalancer lb;
    private InetSocketAddress tcp;

    private void start(String... more) {
        pbx = opened.backend("pbx", Backend.Behaviour.HEALTHY);
        List<String> settings = new ArrayList<>(List.of("siplb.listen=udp:127.0.0.1:0,tcp:127.0.0.1:0;proxy-protocol",
                "siplb.proxy-protocol.trusted=127.0.0.5/32", "siplb.probe.interval=0", "siplb.tcp.message-timeout=500ms"));
        settings.addAll(List.of(more));
        lb = opened.add(LoopbackBalancer.of(List.of(pbx), settings.toArray(String[]::new)));
        tcp = lb.balancer.boundAddress(Transport.TCP);
    }

    /** A connection from {@code host} (an address of 127.0.0.0/8), as a balancer in front opens it. */
    private Socket from(String host) throws IOException {
        Socket socket = opened.add(new Socket());
        socket.bind(new InetSocketAddress(host, 0));
        socket.connect(tcp, 2000);
        socket.setSoTimeout(3000);
        return socket;
    }

    private static String invite(InetSocketAddress to) {
        int n = CALLS.incrementAndGet();
        return "INVITE sip:service@127.0.0.1:" + to.getPort() + " SIP/2.0\r\n"
                + "Via: SIP/2.0/TCP client.invalid:5060;rport;branch=z9hG4bK-pp" + n + "\r\n"
                + "Max-Forwards: 70\r\nFrom: <sip:a@client.invalid>;tag=" + n + "\r\nTo: <sip:service@127.0.0.1>\r\n"
                + "Call-ID: pp-" + n + "@test\r\nCSeq: 1 INVITE\r\nContact: <sip:a@client.invalid;transport=tcp>\r\n"
                + "Content-Length: 0\r\n\r\n";
    }

    /** What arrives until {@code expected} is found in it, or the connection ends, or 3 s of silence. */
    private static String read(Socket socket, Pattern expected) throws IOException {
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        InputStream in = socket.getInputStream();
        byte[] buffer = new byte[4096];
        try {
            int n;
            while (!expected.matcher(got.toString(StandardCharsets.UTF_8)).find() && (n = in.read(buffer)) > 0) {
                got.write(buffer, 0, n);
            }
        } catch (SocketTimeoutException e) {
            // nothing more
        } catch (IOException e) {
            return got.toString(StandardCharsets.UTF_8) + "<reset>";
        }
        return got.toString(StandardCharsets.UTF_8);
    }

    /** Whether the last INVITE sent gets its 200 OK over {@code socket} (not a retransmitted earlier one). */
    private static boolean answered(Socket socket) throws IOException {
        Pattern ok = Pattern.compile("SIP/2\\.0 200 OK\r\n(?:(?!SIP/2\\.0 ).)*Call-ID: pp-" + CALLS.get() + "@test",
                Pattern.DOTALL);
        return ok.matcher(read(socket, ok)).find();
    }

    /** Whether siplb closed {@code socket}: a read ends (-1 or reset) within 3 s. */
    private static boolean closedByPeer(Socket socket) {
        try {
            return socket.getInputStream().read() < 0;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true; // reset
        }
    }

    private static byte[] v2(String source, int sourcePort, InetSocketAddress destination, int versionCommand) {
        ByteBuffer header = ByteBuffer.allocate(28);
        header.put(new byte[] {0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a});
        header.put((byte) versionCommand).put((byte) 0x11).putShort((short) 12);
        header.put(new InetSocketAddress(source, 0).getAddress().getAddress());
        header.put(destination.getAddress().getAddress());
        header.putShort((short) sourcePort).putShort((short) destination.getPort());
        return header.array();
    }

    private static void send(Socket socket, byte[]... parts) throws IOException {
        for (byte[] part : parts) {
            socket.getOutputStream().write(part);
        }
        socket.getOutputStream().flush();
    }

    private static byte[] text(String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
    }

    @Test
    void theCallerAHeaderNamesIsTheOneStampedAndListedForV1AndV2() throws Exception {
        start();
        Socket v1 = from("127.0.0.5");
        send(v1, text("PROXY TCP4 192.0.2.7 127.0.0.1 40001 5060\r\n" + invite(tcp)));
        assertThat(answered(v1)).isTrue();
        Socket v2 = from("127.0.0.5");
        send(v2, v2("198.51.100.9", 40002, tcp, 0x21), text(invite(tcp)));
        assertThat(answered(v2)).isTrue();
        assertThat(pbx.callerVias()).containsExactly(
                "SIP/2.0/TCP client.invalid:5060;rport=40001;branch=z9hG4bK-pp" + (CALLS.get() - 1) + ";received=192.0.2.7",
                "SIP/2.0/TCP client.invalid:5060;rport=40002;branch=z9hG4bK-pp" + CALLS.get() + ";received=198.51.100.9");
        assertThat(lb.balancer.streams().connections()).extracting(StreamConnection::remote)
                .contains(new InetSocketAddress("192.0.2.7", 40001), new InetSocketAddress("198.51.100.9", 40002));
    }

    @Test
    void aBanOfTheCallerStopsItWhileAnotherCallerThroughTheSameBalancerGoesOn() throws Exception {
        start();
        lb.balancer.guard().ban(new InetSocketAddress("192.0.2.7", 0).getAddress(), Duration.ofMinutes(5));
        Socket banned = from("127.0.0.5");
        send(banned, text("PROXY TCP4 192.0.2.7 127.0.0.1 40001 5060\r\n" + invite(tcp)));
        Socket other = from("127.0.0.5");
        send(other, text("PROXY TCP4 192.0.2.8 127.0.0.1 40001 5060\r\n" + invite(tcp)));
        assertThat(answered(other)).isTrue();
        assertThat(read(banned, Pattern.compile("SIP/2\\.0 "))).doesNotContain("SIP/2.0");
        assertThat(pbx.invites()).isEqualTo(1);
    }

    @Test
    void anyBadHeaderClosesThatConnectionOnlyAndIsCounted() throws Exception {
        start();
        Socket neighbour = from("127.0.0.5");
        send(neighbour, text("PROXY TCP4 192.0.2.7 127.0.0.1 40001 5060\r\n" + invite(tcp)));
        assertThat(answered(neighbour)).isTrue();

        Socket untrusted = from("127.0.0.1"); // not a balancer of siplb.proxy-protocol.trusted
        send(untrusted, text("PROXY TCP4 192.0.2.66 127.0.0.1 40001 5060\r\n" + invite(tcp)));
        assertThat(closedByPeer(untrusted)).isTrue();
        List<byte[]> bad = List.of(
                text(invite(tcp)), // SIP where the header should be
                text("PROXY TCP4 999.0.2.7 127.0.0.1 40001 5060\r\n"), // not an address
                text("PROXY TCP9 192.0.2.7 127.0.0.1 40001 5060\r\n"), // no such protocol
                v2("192.0.2.7", 40001, tcp, 0x31), // version 3
                text("PROXY TCP4 192.0.2.7 127.0.0.1 40001 5060" + "0".repeat(200) + "\r\n")); // too long
        for (byte[] header : bad) {
            Socket socket = from("127.0.0.5");
            send(socket, header);
            assertThat(closedByPeer(socket)).as(new String(header, StandardCharsets.ISO_8859_1)).isTrue();
        }
        from("127.0.0.5").close(); // a balancer's TCP health check: connects, closes, no header
        Socket truncated = from("127.0.0.5");
        send(truncated, text("PROXY TCP4 192.0.2.7"));
        assertThat(closedByPeer(truncated)).as("closed after siplb.tcp.message-timeout").isTrue();

        StreamTransport streams = lb.balancer.streams();
        assertThat(streams.errors(StreamTransport.Error.PROXY_UNTRUSTED)).isEqualTo(1);
        await().atMost(Duration.ofSeconds(2)).until(() -> streams.errors(StreamTransport.Error.PROXY_HEADER) == 6);
        Thread.sleep(700); // past siplb.tcp.message-timeout: the health check is not counted late
        assertThat(streams.errors(StreamTransport.Error.PROXY_HEADER)).isEqualTo(6);
        assertThat(pbx.invites()).isEqualTo(1);
        send(neighbour, text(invite(tcp)));
        assertThat(answered(neighbour)).as("the neighbour's next call").isTrue();
        assertThat(pbx.invites()).isEqualTo(2);
    }

    @Test
    void aHealthCheckWithTheLocalCommandKeepsTheBalancersAddress() throws Exception {
        start();
        Socket check = from("127.0.0.5");
        send(check, v2("0.0.0.0", 0, tcp, 0x20)); // LOCAL
        await().atMost(Duration.ofSeconds(2)).until(() -> lb.balancer.streams().connections().stream()
                .anyMatch(c -> c.remote().getAddress().getHostAddress().equals("127.0.0.5")));
    }
}
