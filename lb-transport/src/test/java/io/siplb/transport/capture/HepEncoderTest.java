package io.siplb.transport.capture;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.siplb.core.net.Transport;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class HepEncoderTest {
    private static final String INVITE = "INVITE sip:bob@example.com SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK1\r\n"
            + "Call-ID: a84b4c76e66710@pc33\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n";

    private static byte[] encode(String from, int fromPort, String to, int toPort, Transport transport, String password)
            throws Exception {
        Captured message = new Captured(1_765_000_123_456_789L, new InetSocketAddress(InetAddress.getByName(from), fromPort),
                new InetSocketAddress(InetAddress.getByName(to), toPort), transport,
                INVITE.getBytes(StandardCharsets.UTF_8));
        byte[] secret = password.getBytes(StandardCharsets.UTF_8);
        byte[] callId = CallIdScanner.callId(message.payload());
        ByteBuf out = Unpooled.buffer();
        HepEncoder.encode(message, 2001, secret, callId, out);
        assertThat(out.readableBytes()).as("length()").isEqualTo(HepEncoder.length(message, secret, callId));
        return ByteBufUtil.getBytes(out);
    }

    @Test
    void everyChunkOfAnIpv4UdpMessage() throws Exception {
        byte[] bytes = encode("192.0.2.10", 5062, "127.0.0.1", 5060, Transport.UDP, "");
        HepPacket packet = HepPacket.decode(bytes, bytes.length);
        assertThat(packet.number(1)).as("family").isEqualTo(2);
        assertThat(packet.number(2)).as("protocol").isEqualTo(17);
        assertThat(packet.chunks().get(3)).hasSize(4);
        assertThat(packet.source()).isEqualTo(new InetSocketAddress("192.0.2.10", 5062));
        assertThat(packet.destination()).isEqualTo(new InetSocketAddress("127.0.0.1", 5060));
        assertThat(packet.unsigned(9)).as("seconds").isEqualTo(1_765_000_123L);
        assertThat(packet.unsigned(10)).as("microseconds").isEqualTo(456_789L);
        assertThat(packet.number(11)).as("protocol type SIP").isEqualTo(1);
        assertThat(packet.unsigned(12)).as("capture agent id").isEqualTo(2001);
        assertThat(packet.chunks()).doesNotContainKey(14);
        assertThat(packet.payload()).isEqualTo(INVITE);
        assertThat(packet.text(17)).as("correlation id").isEqualTo("a84b4c76e66710@pc33");
        assertThat(packet.chunks().keySet()).containsExactly(1, 2, 3, 4, 7, 8, 9, 10, 11, 12, 15, 17);
    }

    @Test
    void ipv6TcpWithAPassword() throws Exception {
        byte[] bytes = encode("2001:db8::1", 40000, "::1", 5061, Transport.TLS, "s3cret");
        HepPacket packet = HepPacket.decode(bytes, bytes.length);
        assertThat(packet.number(1)).isEqualTo(10);
        assertThat(packet.number(2)).as("TLS travels over TCP").isEqualTo(6);
        assertThat(packet.chunks().get(5)).hasSize(16);
        assertThat(packet.source()).isEqualTo(new InetSocketAddress("2001:db8::1", 40000));
        assertThat(packet.destination()).isEqualTo(new InetSocketAddress("::1", 5061));
        assertThat(packet.text(14)).isEqualTo("s3cret");
    }

    @Test
    void anIpv4EndBesideAnIpv6EndIsWrittenAsMappedIpv6() throws Exception {
        byte[] bytes = encode("192.0.2.10", 5060, "2001:db8::2", 5060, Transport.UDP, "");
        HepPacket packet = HepPacket.decode(bytes, bytes.length);
        assertThat(packet.number(1)).isEqualTo(10);
        assertThat(packet.chunks().get(5)).hasSize(16).endsWith(192, 0, 2, 10);
    }

    @Test
    void theCallIdIsFoundInItsCompactFormAndNotInABody() {
        assertThat(CallIdScanner.callId("BYE sip:x SIP/2.0\r\ni: abc@h \r\n\r\n".getBytes(StandardCharsets.UTF_8)))
                .asString(StandardCharsets.UTF_8).isEqualTo("abc@h");
        assertThat(CallIdScanner.callId("BYE sip:x SIP/2.0\r\nCSeq: 1 BYE\r\n\r\nCall-ID: body\r\n"
                .getBytes(StandardCharsets.UTF_8))).isNull();
    }
}
