package io.siplb.transport;

import static io.siplb.transport.SipText.header;
import static io.siplb.transport.SipText.headers;
import static io.siplb.transport.SipText.status;
import static io.siplb.transport.SipText.uri;
import static org.assertj.core.api.Assertions.assertThat;

import io.siplb.core.net.Transport;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Calls across transports on real loopback sockets: a caller over one transport, a destination over
 * another, INVITE/100/180/200/ACK from the caller, then the destination hangs up (BYE/200) — so
 * that both directions of the dialog cross siplb, each leaving on the right transport and the
 * caller's own connection.
 */
class StreamCallTest {
    private static final TestTls TLS = TestTls.generate("siplb test");
    @RegisterExtension
    final Opened open = new Opened();

    /** One side of the call: a UDP socket or a stream connection, sending to siplb. */
    private interface Side {
        void send(String text) throws IOException;

        String receive(String start) throws Exception;

        /** host:port this side writes in its Via and Contact. */
        int port();
    }

    private static final class UdpSide implements Side {
        final RawPeer peer;
        final InetSocketAddress balancer;

        UdpSide(RawPeer peer, InetSocketAddress balancer) {
            this.peer = peer;
            this.balancer = balancer;
        }

        @Override
        public void send(String text) throws IOException {
            peer.send(balancer, text);
        }

        @Override
        public String receive(String start) throws Exception {
            while (true) {
                String message = peer.receive();
                if (message.startsWith(start)) {
                    return message;
                }
            }
        }

        @Override
        public int port() {
            return peer.port();
        }
    }

    /** The caller's connection to siplb, or the destination's listener and the connection siplb opened. */
    private static final class StreamSide implements Side {
        final StreamPeer listener;
        StreamPeer.Link link;

        StreamSide(StreamPeer.Link link) {
            this.listener = null;
            this.link = link;
        }

        StreamSide(StreamPeer listener) {
            this.listener = listener;
        }

        private StreamPeer.Link link() throws InterruptedException {
            if (link == null) {
                link = listener.accepted();
            }
            return link;
        }

        @Override
        public void send(String text) throws IOException {
            try {
                link().send(text);
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        }

        @Override
        public String receive(String start) throws Exception {
            return link().receive(start);
        }

        @Override
        public int port() {
            return listener != null ? listener.port() : link.localPort();
        }
    }

    private SSLContext peerTls() {
        return TLS.context(TLS);
    }

    @ParameterizedTest(name = "{0} caller, {1} destination")
    @CsvSource({"udp,udp", "tcp,udp", "udp,tcp", "tls,udp", "udp,tls", "tcp,tcp", "tls,tcp"})
    void aCallCrossesTransportsBothWays(String in, String out) throws Exception {
        Transport inbound = Transport.fromToken(in);
        Transport outbound = Transport.fromToken(out);
        // the destination
        Side destination;
        String destinationUri;
        if (outbound == Transport.UDP) {
            RawPeer uas = open.add(new RawPeer());
            destination = null;
            destinationUri = "sip:127.0.0.1:" + uas.port();
            destination = new UdpSide(uas, null); // its balancer address is known once siplb is up
        } else {
            StreamPeer uas = open.add(new StreamPeer(outbound == Transport.TLS ? peerTls() : null));
            destination = new StreamSide(uas);
            destinationUri = "sip:127.0.0.1:" + uas.port() + ";transport=" + out;
        }
        List<String> settings = new ArrayList<>(List.of(
                "siplb.listen=udp:127.0.0.1:0,tcp:127.0.0.1:0,tls:127.0.0.1:0", "siplb.failover.timeout=2s"));
        settings.addAll(List.of(TLS.settings()));
        LoopbackBalancer lb = open.add(new LoopbackBalancer(List.of("1 " + destinationUri + " 0 1 duid=uas"),
                settings.toArray(String[]::new)));
        InetSocketAddress udp = lb.balancer.boundAddress(Transport.UDP);
        if (destination instanceof UdpSide side) {
            destination = new UdpSide(side.peer, udp);
        }
        // the caller
        Side caller;
        if (inbound == Transport.UDP) {
            caller = new UdpSide(open.add(new RawPeer()), udp);
        } else {
            StreamPeer.Link link = open.add(StreamPeer.connect(lb.balancer.boundAddress(inbound),
                    inbound == Transport.TLS ? peerTls() : null));
            caller = new StreamSide(link);
        }
        String callId = "x-" + in + "-" + out + "@test";
        String callerVia = "SIP/2.0/" + in.toUpperCase(Locale.ROOT) + " 127.0.0.1:" + caller.port() + ";branch="
                + SipText.branch() + ";rport";
        String callerContact = "sip:alice@127.0.0.1:" + caller.port() + (inbound == Transport.UDP ? "" : ";transport=" + in);
        caller.send("INVITE sip:service@127.0.0.1 SIP/2.0\r\nVia: " + callerVia + "\r\n"
                + "From: <sip:alice@example.com>;tag=a1\r\nTo: <sip:service@example.com>\r\n"
                + "Call-ID: " + callId + "\r\nCSeq: 1 INVITE\r\nContact: <" + callerContact + ">\r\n"
                + "Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n");
        assertThat(status(caller.receive("SIP/2.0 100"))).isEqualTo(100);

        String invite = destination.receive("INVITE ");
        assertThat(header(invite, "Via")).startsWith("SIP/2.0/" + out.toUpperCase(Locale.ROOT) + " 127.0.0.1:");
        List<String> recordRoutes = headers(invite, "Record-Route");
        if (inbound == Transport.UDP && outbound == Transport.UDP) {
            assertThat(recordRoutes).hasSize(1);
        } else {
            // RFC 5658: the top entry faces the destination and names it, the other faces the caller
            assertThat(recordRoutes).hasSize(2);
            assertThat(recordRoutes.get(0)).contains(";ds=");
            assertThat(recordRoutes.get(1)).doesNotContain(";ds=");
            if (outbound != Transport.UDP) {
                assertThat(recordRoutes.get(0)).contains(";transport=" + out);
            }
            if (inbound != Transport.UDP) {
                assertThat(recordRoutes.get(1)).contains(";transport=" + in).contains(";flow=");
            }
        }
        String uasContact = "sip:uas@127.0.0.1:" + destination.port() + (outbound == Transport.UDP ? "" : ";transport=" + out);
        destination.send(SipText.response(invite, 180, "Ringing", "b1", uasContact));
        destination.send(SipText.response(invite, 200, "OK", "b1", uasContact));
        assertThat(status(caller.receive("SIP/2.0 180"))).isEqualTo(180);
        String ok = caller.receive("SIP/2.0 200");
        List<String> routeSet = SipText.reversed(headers(ok, "Record-Route")); // the caller's route set

        caller.send(SipText.inDialog("ACK", uri(header(ok, "Contact")), routeSet,
                "SIP/2.0/" + in.toUpperCase(Locale.ROOT) + " 127.0.0.1:" + caller.port() + ";branch=" + SipText.branch(),
                header(ok, "From"), header(ok, "To"), callId, 1));
        String ack = destination.receive("ACK ");
        assertThat(ack).startsWith("ACK " + uasContact + " SIP/2.0");
        assertThat(headers(ack, "Route")).as("siplb removed its own entries").isEmpty();

        // the destination hangs up: through siplb back to the caller, over the caller's connection
        destination.send(SipText.inDialog("BYE", uri(header(invite, "Contact")), headers(invite, "Record-Route"),
                "SIP/2.0/" + out.toUpperCase(Locale.ROOT) + " 127.0.0.1:" + destination.port() + ";branch=" + SipText.branch(),
                header(ok, "To"), header(ok, "From"), callId, 1));
        String bye = caller.receive("BYE ");
        assertThat(header(bye, "Via")).startsWith("SIP/2.0/" + in.toUpperCase(Locale.ROOT) + " 127.0.0.1:");
        assertThat(headers(bye, "Route")).isEmpty();
        caller.send(SipText.response(bye, 200, "OK", null, null));
        assertThat(status(destination.receive("SIP/2.0 200"))).isEqualTo(200);
        if (inbound != Transport.UDP) {
            // the BYE came back over the connection the caller opened, and siplb holds no other with it
            long withCaller = lb.balancer.streams().connections().stream()
                    .filter(c -> c.transport() == inbound && c.remote().getPort() == caller.port()).count();
            assertThat(withCaller).as("the caller's one connection, reused").isEqualTo(1);
        }
    }

}
