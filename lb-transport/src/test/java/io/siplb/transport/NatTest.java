package io.siplb.transport;

import static io.siplb.transport.SipText.header;
import static io.siplb.transport.SipText.headers;
import static io.siplb.transport.SipText.status;
import static org.assertj.core.api.Assertions.assertThat;

import io.siplb.core.transaction.ProxyCounters;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Phones behind NAT over UDP, on loopback sockets. Two sockets stand for one phone behind a NAT:
 * {@code binding} (127.0.0.1) is the NAT's public side, which siplb sees every datagram come from;
 * {@code lan} (127.0.0.3) is the phone's private address, which its Via and Contact name and which
 * nobody outside could reach. What the registrar and the callee send must arrive at the binding,
 * and nothing at the private address.
 */
class NatTest {
    @RegisterExtension
    final Opened open = new Opened();

    private LoopbackBalancer balancer(RawPeer registrar, String... settings) {
        return open.add(new LoopbackBalancer(List.of("1 sip:127.0.0.1:" + registrar.port() + " 0 1 duid=registrar"),
                settings));
    }


    private static String register(RawPeer binding, String sentBy, String callId) {
        return "REGISTER sip:example.com SIP/2.0\r\nVia: SIP/2.0/UDP " + sentBy + ";rport;branch=" + SipText.branch()
                + "\r\nFrom: <sip:alice@example.com>;tag=r1\r\nTo: <sip:alice@example.com>\r\nCall-ID: " + callId
                + "\r\nCSeq: 1 REGISTER\r\nContact: <sip:alice@" + sentBy + ">\r\nExpires: 600\r\n"
                + "Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n";
    }

    private static String invite(String requestUri, String via, String route, String callId, String contact) {
        return "INVITE " + requestUri + " SIP/2.0\r\nVia: " + via + "\r\n" + (route == null ? "" : "Route: " + route + "\r\n")
                + "From: <sip:bob@example.com>;tag=b1\r\nTo: <sip:alice@example.com>\r\nCall-ID: " + callId
                + "\r\nCSeq: 1 INVITE\r\nContact: <" + contact + ">\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n";
    }

    @Test
    void aPhoneBehindNatRegistersAndTheRegistrarsCallAndByeReachItsBindingNotItsContact() throws Exception {
        RawPeer registrar = open.add(new RawPeer());
        RawPeer binding = open.add(new RawPeer("127.0.0.1"));
        RawPeer lan = open.add(new RawPeer("127.0.0.3"));
        LoopbackBalancer lb = balancer(registrar);
        Ladder ladder = open.add(new Ladder());
        InetSocketAddress udp = lb.address;
        String privateAddress = "127.0.0.3:" + lan.port();

        binding.send(udp, register(binding, privateAddress, "reg-nat@test"));
        String register = registrar.receive("REGISTER ");
        String path = header(register, "Path");
        assertThat(path).as("a flow token in the user part (RFC 5626 §5.1), no connection flow")
                .matches("<sip:[A-Za-z0-9_-]{24}@127\\.0\\.0\\.1:" + udp.getPort() + ";lr>");
        registrar.send(udp, SipText.response(register, 200, "OK", "reg1", null));
        assertThat(status(binding.receive("SIP/2.0 "))).as("rport: the answer finds the binding").isEqualTo(200);

        // the registrar calls alice at her registered Contact, through the Path (RFC 3327 §5.2)
        String registrarVia = registrar.via();
        String contact = "sip:alice@" + privateAddress;
        registrar.send(udp, invite(contact, registrarVia, path, "to-nat@test", "sip:bob@127.0.0.1:" + registrar.port()));
        assertThat(status(registrar.receive("SIP/2.0 100"))).isEqualTo(100);
        String invite = binding.receive("INVITE ");
        assertThat(invite).startsWith("INVITE " + contact + " SIP/2.0");
        assertThat(headers(invite, "Route")).isEmpty();
        List<String> recordRoutes = headers(invite, "Record-Route");
        assertThat(recordRoutes).hasSize(2);
        assertThat(recordRoutes.get(0)).as("facing the phone: its flow").matches("<sip:[A-Za-z0-9_-]{24}@.*;lr>");
        assertThat(recordRoutes.get(1)).contains(";ds=");

        binding.send(udp, SipText.response(invite, 200, "OK", "a9", contact));
        String ok = registrar.receive("SIP/2.0 200");
        List<String> registrarRoutes = SipText.reversed(headers(ok, "Record-Route"));
        registrar.send(udp, SipText.inDialog("ACK", contact, registrarRoutes,
                registrar.via(),
                header(ok, "From"), header(ok, "To"), "to-nat@test", 1));
        assertThat(binding.receive("ACK ")).startsWith("ACK " + contact + " SIP/2.0");

        // the caller at the registrar hangs up: the BYE reaches the phone through the same binding
        registrar.send(udp, SipText.inDialog("BYE", contact, registrarRoutes,
                registrar.via(),
                header(ok, "From"), header(ok, "To"), "to-nat@test", 2));
        String bye = binding.receive("BYE ");
        binding.send(udp, SipText.response(bye, 200, "OK", null, null));
        assertThat(status(registrar.receive("SIP/2.0 200"))).isEqualTo(200);

        assertThat(lan.poll(300)).as("nothing went to the private address").isNull();
        assertThat(lb.balancer.tables().counters().flowTokensRejected.sum()).isZero();
        ladder.write(Path.of("target/nat-ladder.log"));
        assertThat(ladder.lines).anySatisfy(line -> assertThat(line)
                .startsWith("-> UDP 127.0.0.1:" + binding.port() + " (NAT flow, from lane ").contains("INVITE " + contact));
    }

    @Test
    void aPhoneBehindNatCallingOutGetsTheCalleesByeAtItsBinding() throws Exception {
        RawPeer pbx = open.add(new RawPeer());
        RawPeer binding = open.add(new RawPeer("127.0.0.1"));
        RawPeer lan = open.add(new RawPeer("127.0.0.3"));
        LoopbackBalancer lb = balancer(pbx);
        InetSocketAddress udp = lb.address;
        String contact = "sip:alice@127.0.0.3:" + lan.port();

        binding.send(udp, invite("sip:service@127.0.0.1:" + udp.getPort(), "SIP/2.0/UDP 127.0.0.3:" + lan.port()
                + ";rport;branch=" + SipText.branch(), null, "from-nat@test", contact));
        String invite = pbx.receive("INVITE ");
        List<String> recordRoutes = headers(invite, "Record-Route");
        assertThat(recordRoutes).as("a double Record-Route: the lower entry faces the phone with its flow").hasSize(2);
        assertThat(recordRoutes.get(0)).contains(";ds=");
        assertThat(recordRoutes.get(1)).matches("<sip:[A-Za-z0-9_-]{24}@.*;lr>");
        pbx.send(udp, SipText.response(invite, 200, "OK", "p1", "sip:service@127.0.0.1:" + pbx.port()));
        String ok = binding.receive("SIP/2.0 200");
        assertThat(status(ok)).isEqualTo(200);

        // the callee hangs up: toward the phone's Contact, through the route set — its binding
        pbx.send(udp, SipText.inDialog("BYE", contact, recordRoutes,
                pbx.via(),
                header(ok, "To"), header(ok, "From"), "from-nat@test", 1));
        String bye = binding.receive("BYE ");
        binding.send(udp, SipText.response(bye, 200, "OK", null, null));
        assertThat(status(pbx.receive("SIP/2.0 200"))).isEqualTo(200);
        assertThat(lan.poll(300)).as("nothing went to the private address").isNull();
    }

    @Test
    void aForgedOrAlteredFlowTokenIs403AndCounted() throws Exception {
        RawPeer registrar = open.add(new RawPeer());
        RawPeer binding = open.add(new RawPeer("127.0.0.1"));
        int admin = LoopbackBalancer.freeTcpPort();
        LoopbackBalancer lb = balancer(registrar, "siplb.admin.listen=127.0.0.1:" + admin);
        InetSocketAddress udp = lb.address;
        binding.send(udp, register(binding, "127.0.0.3:5060", "reg-forge@test"));
        String register = registrar.receive("REGISTER ");
        registrar.send(udp, SipText.response(register, 200, "OK", "reg1", null));
        assertThat(status(binding.receive("SIP/2.0 "))).isEqualTo(200);
        String path = header(register, "Path");
        String token = path.substring(5, path.indexOf('@'));
        // the same address with a port of the attacker's choosing: the signature no longer matches
        String altered = token.substring(0, 3) + (token.charAt(3) == 'A' ? 'B' : 'A') + token.substring(4);
        for (String forged : List.of(altered, "AAAAAAAAAAAAAAAAAAAAAAAA", "%00garbage")) {
            String route = "<sip:" + forged + "@127.0.0.1:" + udp.getPort() + ";lr>";
            registrar.send(udp, invite("sip:alice@127.0.0.3:5060", "SIP/2.0/UDP 127.0.0.1:" + registrar.port()
                    + ";branch=" + SipText.branch(), route, "forged-" + forged.hashCode() + "@test", "sip:x@127.0.0.1"));
            assertThat(status(registrar.receive("SIP/2.0 4"))).as(forged).isEqualTo(403);
        }
        assertThat(binding.poll(300)).as("the phone got nothing").isNull();
        assertThat(lb.balancer.tables().counters().flowTokensRejected.sum()).isEqualTo(3);
        assertThat(scrape(admin)).contains("siplb_nat_flow_rejected_total 3.0");
    }

    @Test
    void aPhoneWhoseViaIsItsSourceGetsNoPathUnlessAlwaysAndOffAddsNone() throws Exception {
        RawPeer registrar = open.add(new RawPeer());
        RawPeer phone = open.add(new RawPeer("127.0.0.1"));
        LoopbackBalancer auto = balancer(registrar);
        phone.send(auto.address, register(phone, "127.0.0.1:" + phone.port(), "reg-direct@test"));
        assertThat(header(registrar.receive("REGISTER "), "Path")).isNull();
        auto.close();

        LoopbackBalancer always = balancer(registrar, "siplb.nat.path=always", "siplb.nat.flow-key=0123456789abcdef");
        phone.send(always.address, register(phone, "127.0.0.1:" + phone.port(), "reg-always@test"));
        assertThat(header(registrar.receive("REGISTER "), "Path")).startsWith("<sip:");
        always.close();

        LoopbackBalancer off = balancer(registrar, "siplb.nat.path=off");
        phone.send(off.address, register(phone, "127.0.0.3:5060", "reg-off@test"));
        assertThat(header(registrar.receive("REGISTER "), "Path")).isNull();
    }

    @Test
    void stunBindingRequestsGetTheSendersAddressBadOnesAreDroppedAndCrlfPingsArePonged() throws Exception {
        RawPeer registrar = open.add(new RawPeer());
        int admin = LoopbackBalancer.freeTcpPort();
        LoopbackBalancer lb = balancer(registrar, "siplb.admin.listen=127.0.0.1:" + admin);
        try (DatagramSocket phone = new DatagramSocket(0, InetAddress.getByName("127.0.0.1"))) {
            phone.setSoTimeout(5000);
            byte[] transaction = new byte[12];
            ThreadLocalRandom.current().nextBytes(transaction);
            send(phone, lb.address, stun(0x0001, 0x2112A442, transaction, 0));
            ByteBuffer answer = ByteBuffer.wrap(receive(phone));
            assertThat(answer.getShort(0)).as("Binding success").isEqualTo((short) 0x0101);
            assertThat(answer.getShort(2)).isEqualTo((short) (answer.limit() - 20));
            assertThat(answer.getInt(4)).isEqualTo(0x2112A442);
            assertThat(Arrays.copyOfRange(answer.array(), 8, 20)).isEqualTo(transaction);
            assertThat(answer.getShort(20)).as("XOR-MAPPED-ADDRESS").isEqualTo((short) 0x0020);
            assertThat(answer.get(25)).as("IPv4").isEqualTo((byte) 1);
            assertThat((answer.getShort(26) ^ 0x2112) & 0xffff).isEqualTo(phone.getLocalPort());
            assertThat(answer.getInt(28) ^ 0x2112A442).isEqualTo(0x7f000001);
            assertThat(answer.getShort(32)).as("FINGERPRINT").isEqualTo((short) 0x8028);
            CRC32 crc = new CRC32();
            crc.update(answer.array(), 0, 32);
            assertThat(answer.getInt(36)).isEqualTo((int) crc.getValue() ^ 0x5354554e);

            send(phone, lb.address, stun(0x0001, 0x12345678, transaction, 0)); // a bad magic cookie
            send(phone, lb.address, stun(0x0001, 0x2112A442, transaction, 8)); // a length beyond the datagram
            send(phone, lb.address, new byte[] {0, 0, 0, 0}); // too short for a header
            send(phone, lb.address, stun(0x0011, 0x2112A442, transaction, 0)); // an indication: no answer
            send(phone, lb.address, "\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(new String(receive(phone), StandardCharsets.US_ASCII)).as("the CRLF pong, and nothing before it")
                    .isEqualTo("\r\n");
        }
        ProxyCounters counters = lb.balancer.tables().counters();
        assertThat(counters.stunAnswered.sum()).isEqualTo(1);
        assertThat(counters.stunDropped.sum()).isEqualTo(3);
        assertThat(counters.keepAlives.sum()).isEqualTo(2);
        assertThat(counters.internalErrors.sum()).isZero();
        assertThat(scrape(admin)).contains("siplb_stun_answered_total 1.0", "siplb_stun_dropped_total 3.0");
    }

    private static String scrape(int admin) throws IOException, InterruptedException {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + admin
                + "/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    /** A STUN header: type, a length field of {@code claimed} with no attributes behind it, cookie, id. */
    private static byte[] stun(int type, int cookie, byte[] transaction, int claimed) {
        return ByteBuffer.allocate(20).putShort((short) type).putShort((short) claimed).putInt(cookie).put(transaction)
                .array();
    }

    private static void send(DatagramSocket socket, InetSocketAddress to, byte[] bytes) throws IOException {
        socket.send(new DatagramPacket(bytes, bytes.length, to));
    }

    private static byte[] receive(DatagramSocket socket) throws IOException {
        DatagramPacket packet = new DatagramPacket(new byte[2048], 2048);
        socket.receive(packet);
        return Arrays.copyOf(packet.getData(), packet.getLength());
    }
}
