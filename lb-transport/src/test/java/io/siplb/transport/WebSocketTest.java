package io.siplb.transport;

import static io.siplb.transport.SipText.header;
import static io.siplb.transport.SipText.headers;
import static io.siplb.transport.SipText.status;
import static io.siplb.transport.SipText.uri;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.siplb.core.net.Transport;
import io.siplb.transport.stream.StreamTransport;
import io.siplb.transport.ws.WebSocketStats;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * SIP over WebSocket (RFC 7118) on real loopback sockets: a client as a browser's SIP stack is
 * one — Via and Contact under {@code .invalid}, reachable only over its own connection — calling
 * through siplb to a UDP destination and called back by it; REGISTER with Path and a call from
 * the registrar along it; and every kind of bad handshake and frame refused with a count, the
 * other connections untouched.
 */
class WebSocketTest {
    private static final TestTls TLS = TestTls.generate("siplb ws test");
    private static final String CLIENT_HOST = "df7jal23ls0d.invalid";
    @RegisterExtension
    final Opened open = new Opened();

    @AfterEach
    void close() throws Exception {
        open.close();
    }

    /** A balancer with a ws listener on /sip (and wss on any path) before one UDP destination. */
    private LoopbackBalancer balancer(RawPeer destination, String... more) {
        List<String> settings = new ArrayList<>(List.of(
                "siplb.listen=udp:127.0.0.1:0,ws:127.0.0.1:0/sip,wss:127.0.0.1:0", "siplb.failover.timeout=2s",
                "siplb.tcp.message-timeout=500ms", "siplb.ws.origins=https://phone.example.com"));
        settings.addAll(List.of(TLS.settings()));
        settings.addAll(List.of(more));
        return open.add(new LoopbackBalancer(List.of("1 sip:127.0.0.1:" + destination.port() + " 0 1 duid=pbx"),
                settings.toArray(String[]::new)));
    }

    private static String wsUrl(LoopbackBalancer lb) {
        return "ws://127.0.0.1:" + lb.balancer.boundAddress(Transport.WS).getPort() + "/sip";
    }


    private static String wsVia() {
        return "SIP/2.0/WS " + CLIENT_HOST + ";branch=" + SipText.branch();
    }

    private static String invite(String callId) {
        return "INVITE sip:service@127.0.0.1 SIP/2.0\r\nVia: " + wsVia() + "\r\n"
                + "From: <sip:alice@example.com>;tag=a1\r\nTo: <sip:service@example.com>\r\n"
                + "Call-ID: " + callId + "\r\nCSeq: 1 INVITE\r\n"
                + "Contact: <sip:alice@" + CLIENT_HOST + ";transport=ws;ob>\r\n"
                + "Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n";
    }

    @Test
    void aBrowserCallsAUdpDestinationAndIsHungUpOnOverItsOwnConnection() throws Exception {
        RawPeer pbx = open.add(new RawPeer());
        LoopbackBalancer lb = balancer(pbx);
        InetSocketAddress udp = lb.balancer.boundAddress(Transport.UDP);
        WsPeer browser = open.add(WsPeer.connect(wsUrl(lb)));
        assertThat(browser.subprotocol()).isEqualTo("sip");

        browser.send(invite("ws-call@test"));
        assertThat(status(browser.receive("SIP/2.0 100"))).isEqualTo(100);
        String invite = pbx.receive("INVITE ");
        List<String> recordRoutes = headers(invite, "Record-Route");
        assertThat(recordRoutes).hasSize(2);
        assertThat(recordRoutes.get(0)).contains(";ds=").doesNotContain("transport=");
        assertThat(recordRoutes.get(1)).contains(";transport=ws").contains(";flow=");
        assertThat(header(invite, "Via")).startsWith("SIP/2.0/UDP 127.0.0.1:" + udp.getPort());

        String pbxContact = "sip:pbx@127.0.0.1:" + pbx.port();
        pbx.send(udp, SipText.response(invite, 180, "Ringing", "b1", pbxContact));
        pbx.send(udp, SipText.response(invite, 200, "OK", "b1", pbxContact));
        assertThat(status(browser.receive("SIP/2.0 180"))).isEqualTo(180);
        String ok = browser.receive("SIP/2.0 200");
        browser.send(SipText.inDialog("ACK", uri(header(ok, "Contact")), SipText.reversed(headers(ok, "Record-Route")),
                wsVia(), header(ok, "From"), header(ok, "To"), "ws-call@test", 1));
        String ack = pbx.receive("ACK ");
        assertThat(ack).startsWith("ACK " + pbxContact + " SIP/2.0");
        assertThat(headers(ack, "Route")).isEmpty();

        // the destination hangs up: to a Contact under .invalid, over the browser's connection
        pbx.send(udp, SipText.inDialog("BYE", uri(header(invite, "Contact")), recordRoutes,
                pbx.via(),
                header(ok, "To"), header(ok, "From"), "ws-call@test", 2));
        String bye = browser.receive("BYE ");
        assertThat(header(bye, "Via")).startsWith("SIP/2.0/WS 127.0.0.1:");
        assertThat(headers(bye, "Route")).isEmpty();
        browser.send(SipText.response(bye, 200, "OK", null, null));
        assertThat(status(pbx.receive("SIP/2.0 200"))).isEqualTo(200);
        assertThat(lb.balancer.webSockets().framesIn()).isGreaterThanOrEqualTo(3);

        // the browser goes away: a request toward it gets 430 Flow Failed (RFC 5626 §5.3)
        browser.close();
        awaitClosed(lb, Transport.WS);
        pbx.send(udp, SipText.inDialog("INFO", uri(header(invite, "Contact")), recordRoutes,
                pbx.via(),
                header(ok, "To"), header(ok, "From"), "ws-call@test", 3));
        assertThat(status(pbx.receive("SIP/2.0 "))).isEqualTo(430);
    }

    @Test
    void registerCarriesPathAndTheRegistrarsCallReachesTheBrowserOverWss() throws Exception {
        RawPeer registrar = open.add(new RawPeer());
        LoopbackBalancer lb = balancer(registrar);
        InetSocketAddress udp = lb.balancer.boundAddress(Transport.UDP);
        SslContext trust = SslContextBuilder.forClient()
                .trustManager(TLS.pair.certificate()).build();
        WsPeer browser = open.add(WsPeer.connect("wss://127.0.0.1:" + lb.balancer.boundAddress(Transport.WSS).getPort()
                + "/any/path", "https://phone.example.com", trust));
        String contact = "<sip:alice@" + CLIENT_HOST + ";transport=ws>;+sip.instance=\"<urn:uuid:1>\";reg-id=1";
        browser.send("REGISTER sip:example.com SIP/2.0\r\nVia: SIP/2.0/WSS " + CLIENT_HOST + ";branch="
                + SipText.branch() + "\r\nFrom: <sip:alice@example.com>;tag=r1\r\nTo: <sip:alice@example.com>\r\n"
                + "Call-ID: reg@test\r\nCSeq: 1 REGISTER\r\nContact: " + contact + "\r\nExpires: 600\r\n"
                + "Supported: path, outbound\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n");
        String register = registrar.receive("REGISTER ");
        String path = header(register, "Path");
        assertThat(path).startsWith("<sip:127.0.0.1:" + udp.getPort() + ";lr;flow=");
        assertThat(headers(register, "Record-Route")).isEmpty();
        registrar.send(udp, SipText.response(register, 200, "OK", "reg1", null));
        assertThat(status(browser.receive("SIP/2.0 200"))).isEqualTo(200);

        // the registrar calls alice: to her Contact, through the Path (RFC 3327 §5.2)
        String registrarVia = registrar.via();
        registrar.send(udp, "INVITE sip:alice@" + CLIENT_HOST + ";transport=ws SIP/2.0\r\nVia: " + registrarVia
                + "\r\nRoute: " + path + "\r\nFrom: <sip:bob@example.com>;tag=b1\r\nTo: <sip:alice@example.com>\r\n"
                + "Call-ID: to-browser@test\r\nCSeq: 1 INVITE\r\nContact: <sip:bob@127.0.0.1:" + registrar.port()
                + ">\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n");
        assertThat(status(registrar.receive("SIP/2.0 100"))).isEqualTo(100);
        String invite = browser.receive("INVITE ");
        assertThat(header(invite, "Via")).startsWith("SIP/2.0/WSS 127.0.0.1:");
        assertThat(headers(invite, "Route")).isEmpty();
        List<String> recordRoutes = headers(invite, "Record-Route");
        assertThat(recordRoutes).hasSize(2);
        assertThat(recordRoutes.get(0)).contains(";transport=wss").contains(";flow=");
        assertThat(recordRoutes.get(1)).contains(";ds=");

        String browserContact = "sip:alice@" + CLIENT_HOST + ";transport=ws";
        browser.send(SipText.response(invite, 200, "OK", "a9", browserContact));
        String ok = registrar.receive("SIP/2.0 200");
        List<String> registrarRoutes = SipText.reversed(headers(ok, "Record-Route"));
        registrar.send(udp, SipText.inDialog("ACK", browserContact, registrarRoutes,
                registrar.via(),
                header(ok, "From"), header(ok, "To"), "to-browser@test", 1));
        assertThat(browser.receive("ACK ")).startsWith("ACK " + browserContact + " SIP/2.0");

        // the browser hangs up: its route set is the Record-Route in order, to the registrar's Contact
        browser.send(SipText.inDialog("BYE", "sip:bob@127.0.0.1:" + registrar.port(), recordRoutes,
                "SIP/2.0/WSS " + CLIENT_HOST + ";branch=" + SipText.branch(), header(ok, "To"), header(ok, "From"),
                "to-browser@test", 1));
        String bye = registrar.receive("BYE ");
        assertThat(bye).startsWith("BYE sip:bob@127.0.0.1:" + registrar.port() + " SIP/2.0");
        registrar.send(udp, SipText.response(bye, 200, "OK", null, null));
        assertThat(status(browser.receive("SIP/2.0 200"))).isEqualTo(200);

        // gone: the registrar's next call along the Path gets 430
        browser.close();
        awaitClosed(lb, Transport.WSS);
        registrar.send(udp, "INVITE sip:alice@" + CLIENT_HOST + ";transport=ws SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:"
                + registrar.port() + ";branch=" + SipText.branch() + "\r\nRoute: " + path
                + "\r\nFrom: <sip:bob@example.com>;tag=b2\r\nTo: <sip:alice@example.com>\r\n"
                + "Call-ID: to-gone@test\r\nCSeq: 1 INVITE\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n");
        assertThat(status(registrar.receive("SIP/2.0 "))).isEqualTo(430);
    }

    @Test
    void badHandshakesAreRefusedWithTheirStatusAndCounted() throws Exception {
        RawPeer pbx = open.add(new RawPeer());
        LoopbackBalancer lb = balancer(pbx);
        WsPeer bystander = open.add(WsPeer.connect(wsUrl(lb)));
        InetSocketAddress ws = lb.balancer.boundAddress(Transport.WS);
        WebSocketStats stats = lb.balancer.webSockets();

        assertThat(handshake(ws, "/sip", "chat", null)).startsWith("HTTP/1.1 400");
        assertThat(handshake(ws, "/sip", null, null)).startsWith("HTTP/1.1 400");
        assertThat(handshake(ws, "/sip", "sip", "https://evil.example.net")).startsWith("HTTP/1.1 403");
        assertThat(handshake(ws, "/other", "sip", null)).startsWith("HTTP/1.1 404");
        assertThat(http(ws, "GET /sip HTTP/1.1\r\nHost: x\r\n\r\n")).startsWith("HTTP/1.1 426");
        assertThat(handshake(ws, "/sip", "chat, sip", "https://phone.example.com")).startsWith("HTTP/1.1 101");
        // a client that never finishes its handshake is cut off after the message timeout
        try (Socket slow = new Socket("127.0.0.1", ws.getPort())) {
            slow.getOutputStream().write("GET /sip HTTP/1.1\r\nHost: x\r\n".getBytes(StandardCharsets.US_ASCII));
            slow.setSoTimeout(5000);
            assertThat(slow.getInputStream().read()).isEqualTo(-1);
        }
        assertThat(stats.count(WebSocketStats.Refusal.NO_SIP_PROTOCOL)).isEqualTo(2);
        assertThat(stats.count(WebSocketStats.Refusal.ORIGIN)).isEqualTo(1);
        assertThat(stats.count(WebSocketStats.Refusal.PATH)).isEqualTo(1);
        assertThat(stats.count(WebSocketStats.Refusal.NOT_WEBSOCKET)).isEqualTo(1);
        assertThat(stats.count(WebSocketStats.Refusal.TIMEOUT)).isEqualTo(1);

        bystander.send(invite("after-handshakes@test"));
        assertThat(status(bystander.receive("SIP/2.0 100"))).isEqualTo(100);
    }

    @Test
    void framesHoldingHalfOrTwoMessagesGet400AndAnOversizedOneClosesOnlyItsConnection() throws Exception {
        RawPeer pbx = open.add(new RawPeer());
        LoopbackBalancer lb = balancer(pbx);
        WsPeer client = open.add(WsPeer.connect(wsUrl(lb)));
        WsPeer bystander = open.add(WsPeer.connect(wsUrl(lb)));
        WebSocketStats stats = lb.balancer.webSockets();

        String whole = invite("two@test");
        client.send(whole + whole);
        assertThat(status(client.receive("SIP/2.0 "))).isEqualTo(400);
        String half = invite("half@test").replace("Content-Length: 0", "Content-Length: 120");
        client.send(half);
        assertThat(status(client.receive("SIP/2.0 "))).isEqualTo(400);
        client.send(whole.substring(0, 80)); // not even a whole head: nothing to answer
        assertThat(client.poll(Duration.ofMillis(300))).isNull();
        assertThat(stats.count(WebSocketStats.Rejection.TWO_MESSAGES)).isEqualTo(1);
        assertThat(stats.count(WebSocketStats.Rejection.INCOMPLETE)).isEqualTo(2);
        // the connection that sent them still works, in a binary frame too
        client.sendBinary(invite("binary@test").getBytes(StandardCharsets.UTF_8));
        assertThat(status(client.receive("SIP/2.0 100"))).isEqualTo(100);

        client.send("INVITE sip:x@y SIP/2.0\r\n" + "X: " + "a".repeat(1 << 20) + "\r\n\r\n");
        assertThat(client.closeStatus(Duration.ofSeconds(5)).code())
                .isEqualTo(WebSocketCloseStatus.MESSAGE_TOO_BIG.code());
        Awaitility.await().atMost(Duration.ofSeconds(2))
                .until(() -> stats.count(WebSocketStats.Refusal.TOO_LARGE) == 1); // counted just after the close
        bystander.send(invite("bystander@test"));
        assertThat(status(bystander.receive("SIP/2.0 100"))).isEqualTo(100);
        assertThat(lb.balancer.streams().open(Transport.WS)).isEqualTo(1);
    }

    @Test
    void silentClientsArePingedAndOneThatNeverAnswersIsClosedWhenIdle() throws Exception {
        RawPeer pbx = open.add(new RawPeer());
        LoopbackBalancer lb = balancer(pbx, "siplb.ws.ping-interval=1s", "siplb.tcp.idle-timeout=2s");
        WebSocketStats stats = lb.balancer.webSockets();
        WsPeer answering = open.add(WsPeer.connect(wsUrl(lb))); // Reactor Netty answers pings with pongs
        InetSocketAddress ws = lb.balancer.boundAddress(Transport.WS);
        try (Socket mute = new Socket(ws.getAddress(), ws.getPort())) { // upgraded by hand, then deaf
            mute.setSoTimeout(6000);
            mute.getOutputStream().write(("GET /sip HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                    + "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                    + "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: sip\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            InputStream in = mute.getInputStream();
            long start = System.nanoTime();
            while (in.read() >= 0) {
                // the 101, pings, then the close frame
            }
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isBetween(Duration.ofMillis(1500),
                    Duration.ofSeconds(5));
        }
        assertThat(stats.pingsSent()).isGreaterThanOrEqualTo(2);
        assertThat(answering.isClosed()).as("the client answering pings is kept").isFalse();
        answering.send(invite("still-here@test"));
        assertThat(status(answering.receive("SIP/2.0 100"))).isEqualTo(100);
        assertThat(lb.balancer.streams().errors(StreamTransport.Error.IDLE)).isEqualTo(1);
    }

    private static void awaitClosed(LoopbackBalancer lb, Transport transport) throws InterruptedException {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (lb.balancer.streams().open(transport) > 0 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(lb.balancer.streams().open(transport)).isZero();
    }

    /** A WebSocket upgrade request by hand; the status line and headers of the answer. */
    private static String handshake(InetSocketAddress to, String path, String protocols, String origin)
            throws IOException {
        return http(to, "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
                + (protocols == null ? "" : "Sec-WebSocket-Protocol: " + protocols + "\r\n")
                + (origin == null ? "" : "Origin: " + origin + "\r\n") + "\r\n");
    }

    private static String http(InetSocketAddress to, String request) throws IOException {
        try (Socket socket = new Socket(to.getAddress(), to.getPort())) {
            socket.setSoTimeout(5000);
            OutputStream out = socket.getOutputStream();
            out.write(request.getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            StringBuilder head = new StringBuilder();
            int c;
            while ((c = in.read()) >= 0) {
                head.append((char) c);
                if (head.length() >= 4 && head.substring(head.length() - 4).equals("\r\n\r\n")) {
                    break;
                }
            }
            return head.toString();
        }
    }
}
