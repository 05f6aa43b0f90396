package io.siplb.transport.capture;

import io.netty.buffer.ByteBuf;
import io.siplb.core.net.Transport;
import java.net.Inet4Address;
import java.nio.charset.StandardCharsets;

/**
 * A captured message as one HEPv3 packet ("HEP3", the total length, then chunks of vendor 0):
 * IP family (1), IP protocol (2: 17 for UDP, 6 for TCP, TLS and WebSocket), source and destination
 * address (3/4 for IPv4, 5/6 for IPv6) and port (7/8), seconds and microseconds (9/10), protocol
 * type 1 (SIP, 11), capture agent id (12), the password when set (14), the payload (15) and the
 * Call-ID as correlation id (17). Every number big-endian; each chunk's length counts its 6-octet
 * header.
 */
public final class HepEncoder {
    private static final int CHUNK_HEADER = 6;
    private static final byte[] HEP3 = "HEP3".getBytes(StandardCharsets.US_ASCII);

    private HepEncoder() {
    }

    /** The octets of the packet for {@code message} with these chunks ({@link #encode}). */
    public static int length(Captured message, byte[] password, byte[] callId) {
        int address = v4(message) ? 4 : 16;
        return 6 + 3 * (CHUNK_HEADER + 1) + 2 * (CHUNK_HEADER + address) + 2 * (CHUNK_HEADER + 2)
                + 3 * (CHUNK_HEADER + 4) + CHUNK_HEADER + message.payload().length
                + (password.length > 0 ? CHUNK_HEADER + password.length : 0)
                + (callId.length > 0 ? CHUNK_HEADER + callId.length : 0);
    }

    /**
     * Writes the packet for {@code message} to {@code out}; {@code callId} and {@code password}
     * may be empty. The caller checks {@link #length} against the 16-bit limit first.
     */
    public static void encode(Captured message, int agentId, byte[] password, byte[] callId, ByteBuf out) {
        boolean v4 = v4(message);
        byte[] source = message.source().getAddress().getAddress();
        byte[] destination = message.destination().getAddress().getAddress();
        if (!v4 && source.length == 4) {
            source = mapped(source);
        }
        if (!v4 && destination.length == 4) {
            destination = mapped(destination);
        }
        out.writeBytes(HEP3).writeShort(length(message, password, callId));
        uint8(out, 1, v4 ? 2 : 10);
        uint8(out, 2, message.transport() == Transport.UDP ? 17 : 6);
        bytes(out, v4 ? 3 : 5, source);
        bytes(out, v4 ? 4 : 6, destination);
        uint16(out, 7, message.source().getPort());
        uint16(out, 8, message.destination().getPort());
        uint32(out, 9, message.epochMicros() / 1_000_000);
        uint32(out, 10, message.epochMicros() % 1_000_000);
        uint8(out, 11, 1);
        uint32(out, 12, agentId & 0xffffffffL);
        if (password.length > 0) {
            bytes(out, 14, password);
        }
        bytes(out, 15, message.payload());
        if (callId.length > 0) {
            bytes(out, 17, callId);
        }
    }

    /** Both ends IPv4: chunks 3/4; else both as IPv6 (5/6). */
    private static boolean v4(Captured message) {
        return message.source().getAddress() instanceof Inet4Address
                && message.destination().getAddress() instanceof Inet4Address;
    }

    /** An IPv4 address as IPv6 (::ffff:a.b.c.d), when the other end of the message is IPv6. */
    private static byte[] mapped(byte[] v4) {
        byte[] v6 = new byte[16];
        v6[10] = (byte) 0xff;
        v6[11] = (byte) 0xff;
        System.arraycopy(v4, 0, v6, 12, 4);
        return v6;
    }

    private static void header(ByteBuf out, int type, int payload) {
        out.writeShort(0).writeShort(type).writeShort(CHUNK_HEADER + payload);
    }

    private static void uint8(ByteBuf out, int type, int value) {
        header(out, type, 1);
        out.writeByte(value);
    }

    private static void uint16(ByteBuf out, int type, int value) {
        header(out, type, 2);
        out.writeShort(value);
    }

    private static void uint32(ByteBuf out, int type, long value) {
        header(out, type, 4);
        out.writeInt((int) value);
    }

    private static void bytes(ByteBuf out, int type, byte[] value) {
        header(out, type, value.length);
        out.writeBytes(value);
    }
}
