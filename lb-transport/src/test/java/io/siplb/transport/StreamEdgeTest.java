package io.siplb.transport;

import static io.siplb.transport.SipText.status;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.siplb.core.config.ConfigException;
import io.siplb.core.net.Transport;
import io.siplb.transport.demo.Backend;
import io.siplb.transport.stream.StreamTransport;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Stream destinations that fail and stream clients that misbehave, on real loopback sockets: a
 * failing destination costs no call another can take, and a bad connection ends itself only.
 */
class StreamEdgeTest {
    private static final TestTls TLS = TestTls.generate("siplb test");
    @RegisterExtension
    final Opened open = new Opened();

    private static String invite(String transport, int port, String id, boolean contentLength) {
        return "INVITE sip:service@127.0.0.1 SIP/2.0\r\n"
                + "Via: SIP/2.0/" + transport + " 127.0.0.1:" + port + ";branch=z9hG4bK-" + id + ";rport\r\n"
                + "From: <sip:caller@127.0.0.1>;tag=" + id + "\r\nTo: <sip:service@127.0.0.1>\r\n"
                + "Call-ID: " + id + "@127.0.0.1\r\nCSeq: 1 INVITE\r\nMax-Forwards: 70\r\n"
                + (contentLength ? "Content-Length: 0\r\n" : "") + "\r\n";
    }

    private static String options(int port, String id) {
        return "OPTIONS sip:service@127.0.0.1 SIP/2.0\r\n"
                + "Via: SIP/2.0/TCP 127.0.0.1:" + port + ";branch=z9hG4bK-" + id + "\r\n"
                + "From: <sip:caller@127.0.0.1>;tag=" + id + "\r\nTo: <sip:service@127.0.0.1>\r\n"
                + "Call-ID: " + id + "@127.0.0.1\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n";
    }

    private static int closedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    /** The final response to the INVITE {@code caller} sent, provisionals skipped. */
    private static String finalResponse(RawPeer caller) throws IOException {
        while (true) {
            String message = caller.receive();
            if (status(message) >= 200) {
                return message;
            }
        }
    }

    private LoopbackBalancer balancer(List<String> lines, String... extra) {
        List<String> settings = new ArrayList<>(List.of("siplb.listen=udp:127.0.0.1:0,tcp:127.0.0.1:0",
                "siplb.failover.timeout=2s", "siplb.probe.interval=0"));
        settings.addAll(List.of(TLS.settings()));
        settings.addAll(List.of(extra));
        return open.add(new LoopbackBalancer(lines, settings.toArray(String[]::new)));
    }

    @Test
    void aRefusedTcpDestinationFailsOverAtOnceAndIsMarked() throws Exception {
        Backend healthy = open.add(new Backend("healthy", 0, Backend.Behaviour.HEALTHY));
        LoopbackBalancer lb = balancer(List.of("1 sip:127.0.0.1:" + closedPort() + ";transport=tcp 0 2 duid=gone",
                "1 sip:127.0.0.1:" + healthy.address().getPort() + " 0 1 duid=healthy"));
        RawPeer caller = open.add(new RawPeer());
        long started = System.nanoTime();
        caller.send(lb.address, invite("UDP", caller.port(), "refused", true));
        assertThat(status(finalResponse(caller))).isEqualTo(200);
        long millis = (System.nanoTime() - started) / 1_000_000;
        assertThat(millis).as("failed over on the refusal, not after the 2 s fr_timer").isLessThan(1000);
        assertThat(lb.balancer.dispatcher().set(1).get(0).state().inactive()).isTrue();
        assertThat(lb.balancer.streams().errors(StreamTransport.Error.CONNECT_REFUSED)).isEqualTo(1);
    }

    /**
     * A probe whose connection is refused has no answer, as one that times out: the destination is
     * marked down by the prober alone, without a call (the refusal used to end the probe with an
     * error that nothing judged, so the destination stayed up until a call failed on it).
     */
    @Test
    void aTcpDestinationThatRefusesIsProbedDown() throws Exception {
        LoopbackBalancer lb = balancer(List.of("1 sip:127.0.0.1:" + closedPort() + ";transport=tcp 0 0 duid=gone"),
                "siplb.probe.interval=300ms", "siplb.probe.timeout=1s");
        await().atMost(Duration.ofSeconds(5))
                .until(() -> lb.balancer.dispatcher().set(1).get(0).state().inactive());
        assertThat(lb.balancer.streams().errors(StreamTransport.Error.CONNECT_REFUSED)).isPositive();
    }

    @Test
    void aTcpDestinationThatDiesMidRequestFailsOverAtOnce() throws Exception {
        Backend healthy = open.add(new Backend("healthy", 0, Backend.Behaviour.HEALTHY));
        StreamPeer dying = open.add(new StreamPeer(null)).respond((link, request) -> {
            link.socket().setSoLinger(true, 0);
            link.close(); // the host's process dies with the INVITE unanswered: a reset
        });
        LoopbackBalancer lb = balancer(List.of("1 sip:127.0.0.1:" + dying.port() + ";transport=tcp 0 2 duid=dying",
                "1 sip:127.0.0.1:" + healthy.address().getPort() + " 0 1 duid=healthy"));
        RawPeer caller = open.add(new RawPeer());
        long started = System.nanoTime();
        caller.send(lb.address, invite("UDP", caller.port(), "dying", true));
        assertThat(status(finalResponse(caller))).isEqualTo(200);
        assertThat((System.nanoTime() - started) / 1_000_000).isLessThan(1000);
        assertThat(healthy.answered()).isEqualTo(1);
        assertThat(lb.balancer.tables().counters().transportErrors.sum()).isEqualTo(1);
    }

    @Test
    void anUntrustedTlsDestinationFailsOverAtOnce() throws Exception {
        TestTls stranger = TestTls.generate("stranger");
        Backend healthy = open.add(new Backend("healthy", 0, Backend.Behaviour.HEALTHY));
        StreamPeer impostor = open.add(new StreamPeer(stranger.context()));
        LoopbackBalancer lb = balancer(List.of("1 sip:127.0.0.1:" + impostor.port() + ";transport=tls 0 2 duid=impostor",
                "1 sip:127.0.0.1:" + healthy.address().getPort() + " 0 1 duid=healthy"));
        RawPeer caller = open.add(new RawPeer());
        long started = System.nanoTime();
        caller.send(lb.address, invite("UDP", caller.port(), "impostor", true));
        assertThat(status(finalResponse(caller))).isEqualTo(200);
        assertThat((System.nanoTime() - started) / 1_000_000).isLessThan(1500);
        assertThat(lb.balancer.streams().errors(StreamTransport.Error.TLS_HANDSHAKE)).isGreaterThanOrEqualTo(1);
    }

    @Test
    void garbageOnAStreamClosesThatConnectionOnly() throws Exception {
        Backend healthy = open.add(new Backend("healthy", 0, Backend.Behaviour.HEALTHY));
        LoopbackBalancer lb = balancer(LoopbackBalancer.lines(List.of(healthy)));
        InetSocketAddress tcp = lb.balancer.boundAddress(Transport.TCP);
        StreamPeer.Link garbage = open.add(StreamPeer.connect(tcp, null));
        StreamPeer.Link unframed = open.add(StreamPeer.connect(tcp, null));
        StreamPeer.Link good = open.add(StreamPeer.connect(tcp, null));
        garbage.send("\u0001\u0002 not SIP at all \u00ff\r\n\r\n");
        unframed.send(invite("TCP", unframed.localPort(), "no-length", false) + "v=0\r\n");
        assertThat(garbage.endedWithin(2000)).isTrue();
        String answer = unframed.receive();
        assertThat(answer).startsWith("SIP/2.0 400 Missing Content-Length");
        assertThat(unframed.endedWithin(2000)).isTrue();
        good.send(options(good.localPort(), "still-good"));
        assertThat(status(good.receive())).isEqualTo(200);
        RawPeer caller = open.add(new RawPeer());
        caller.send(lb.address, invite("UDP", caller.port(), "udp-too", true));
        assertThat(status(finalResponse(caller))).isEqualTo(200);
        assertThat(lb.balancer.streams().errors(StreamTransport.Error.UNFRAMEABLE)).isEqualTo(2);
    }

    @Test
    void oversizedStalledAndGreedyClientsAreCutOff() throws Exception {
        Backend healthy = open.add(new Backend("healthy", 0, Backend.Behaviour.HEALTHY));
        LoopbackBalancer lb = balancer(LoopbackBalancer.lines(List.of(healthy)),
                "siplb.tcp.message-timeout=300ms", "siplb.tcp.max-connections-per-source=4");
        InetSocketAddress tcp = lb.balancer.boundAddress(Transport.TCP);
        StreamPeer.Link huge = open.add(StreamPeer.connect(tcp, null));
        huge.send(invite("TCP", huge.localPort(), "huge", false).replace("Max-Forwards: 70\r\n",
                "Max-Forwards: 70\r\nContent-Length: 2147483648\r\n"));
        assertThat(huge.receive()).startsWith("SIP/2.0 513 Message Too Large");
        assertThat(huge.endedWithin(2000)).isTrue();

        StreamPeer.Link block = open.add(StreamPeer.connect(tcp, null));
        StringBuilder headers = new StringBuilder("INVITE sip:service@127.0.0.1 SIP/2.0\r\n");
        while (headers.length() < 70_000) {
            headers.append("X-Filler: ").append("z".repeat(200)).append("\r\n");
        }
        try {
            block.send(headers.toString());
        } catch (IOException e) {
            // reset while still writing: cut off, as it should be
        }
        assertThat(block.endedWithin(2000)).isTrue();

        StreamPeer.Link stalled = open.add(StreamPeer.connect(tcp, null));
        stalled.send(options(stalled.localPort(), "stalled").substring(0, 60));
        assertThat(stalled.endedWithin(2000)).isTrue();
        assertThat(lb.balancer.streams().errors(StreamTransport.Error.STALLED)).isEqualTo(1);

        List<StreamPeer.Link> greedy = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            greedy.add(open.add(StreamPeer.connect(tcp, null)));
        }
        int ended = 0;
        for (StreamPeer.Link link : greedy) {
            ended += link.endedWithin(200) ? 1 : 0;
        }
        assertThat(ended).as("connections over the per-source cap of 4 are reset").isEqualTo(2);
        StreamPeer.Link first = greedy.get(0);
        first.send(options(first.localPort(), "within-cap"));
        assertThat(status(first.receive())).isEqualTo(200);
        assertThat(lb.balancer.streams().errors(StreamTransport.Error.LIMIT_SOURCE)).isEqualTo(2);
        assertThat(lb.balancer.streams().errors(StreamTransport.Error.TOO_LARGE)).isEqualTo(2);
    }

    @Test
    void aKeepAlivePingIsAnsweredWithAPong() throws Exception {
        Backend healthy = open.add(new Backend("healthy", 0, Backend.Behaviour.HEALTHY));
        LoopbackBalancer lb = balancer(LoopbackBalancer.lines(List.of(healthy)));
        StreamPeer.Link client = open.add(StreamPeer.connect(lb.balancer.boundAddress(Transport.TCP), null));
        client.send("\r\n\r\n");
        assertThat(client.receive()).isEqualTo("\r\n");
        assertThat(lb.balancer.streams().pings()).isEqualTo(1);
    }

    @Test
    void aMissingCertificateStopsStartUpWithKeyAndPath() {
        assertThatThrownBy(() -> new LoopbackBalancer(List.of("1 sip:127.0.0.1:5999 0 1"),
                "siplb.listen=tls:127.0.0.1:0", "siplb.tls.certificate=/nonexistent/siplb.crt",
                "siplb.tls.key=/nonexistent/siplb.key"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("siplb.tls.certificate=/nonexistent/siplb.crt")
                .hasMessageContaining("cannot read the file");
        assertThatThrownBy(() -> new LoopbackBalancer(List.of("1 sip:127.0.0.1:5999 0 1"),
                "siplb.listen=tls:127.0.0.1:0"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("siplb.tls.certificate")
                .hasMessageContaining("needed for the listener tls:127.0.0.1:0");
    }

    @Test
    void withClientAuthRequiredOnlyAClientWithATrustedCertificateGetsIn() throws Exception {
        Backend healthy = open.add(new Backend("healthy", 0, Backend.Behaviour.HEALTHY));
        LoopbackBalancer lb = open.add(new LoopbackBalancer(LoopbackBalancer.lines(List.of(healthy)),
                "siplb.listen=udp:127.0.0.1:0,tls:127.0.0.1:0", "siplb.probe.interval=0",
                "siplb.tls.certificate=" + TLS.certificate, "siplb.tls.key=" + TLS.key,
                "siplb.tls.trust=" + TLS.certificate, "siplb.tls.client-auth=require"));
        InetSocketAddress tls = lb.balancer.boundAddress(Transport.TLS);
        StreamPeer.Link stranger = open.add(StreamPeer.connect(tls, TestTls.anonymous(TLS)));
        try {
            stranger.send(options(stranger.localPort(), "no-certificate"));
        } catch (IOException e) {
            // refused during the handshake: what should happen
        }
        assertThat(stranger.endedWithin(2000)).as("a client without a certificate is refused").isTrue();
        StreamPeer.Link member = open.add(StreamPeer.connect(tls, TLS.context(TLS)));
        member.send(options(member.localPort(), "with-certificate"));
        assertThat(status(member.receive())).isEqualTo(200);
        await().atMost(Duration.ofSeconds(2)).until(
                () -> lb.balancer.streams().errors(StreamTransport.Error.TLS_HANDSHAKE) == 1);
    }
}
