package io.siplb.transport.udp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.net.InetSocketAddress;
import java.util.zip.CRC32;

/**
 * STUN keep-alives on a SIP UDP socket (RFC 5626 §4.4.2, RFC 5389): a client behind NAT sends
 * Binding requests among its SIP datagrams to keep its binding open and to learn the address the
 * binding gives it; siplb answers each with a Binding success response naming that address
 * (XOR-MAPPED-ADDRESS) and a FINGERPRINT. A datagram is read as STUN when its first octet is 0 or
 * 1: a STUN message's first two bits are zero (RFC 5389 §6), SIP begins with a letter or CR LF.
 */
public final class Stun {
    /** RFC 5389 §6: the magic cookie that makes a datagram STUN. */
    static final int MAGIC_COOKIE = 0x2112A442;
    private static final int HEADER = 20;
    private static final int BINDING_REQUEST = 0x0001;
    private static final int BINDING_INDICATION = 0x0011;
    private static final int BINDING_SUCCESS = 0x0101;
    private static final int XOR_MAPPED_ADDRESS = 0x0020;
    private static final int FINGERPRINT = 0x8028;
    private static final int FINGERPRINT_XOR = 0x5354554e;

    /** What a STUN datagram is. */
    public enum Kind {
        /** A Binding request: answered. */
        BINDING_REQUEST,
        /** A Binding indication: a keep-alive that wants no answer. */
        INDICATION,
        /** A bad magic cookie or length, or any other message: dropped and counted. */
        DROPPED
    }

    private Stun() {
    }

    /** Whether {@code datagram} is to be read as STUN rather than SIP. */
    public static boolean isStun(ByteBuf datagram) {
        return datagram.isReadable() && (datagram.getByte(datagram.readerIndex()) & 0xfe) == 0;
    }

    /** What a STUN datagram is, from its header alone: type, length (the rest, a multiple of 4), cookie. */
    public static Kind read(ByteBuf datagram) {
        int start = datagram.readerIndex();
        int size = datagram.readableBytes();
        if (size < HEADER || datagram.getInt(start + 4) != MAGIC_COOKIE
                || datagram.getUnsignedShort(start + 2) != size - HEADER || (size & 3) != 0) {
            return Kind.DROPPED;
        }
        int type = datagram.getUnsignedShort(start);
        return type == BINDING_REQUEST ? Kind.BINDING_REQUEST
                : type == BINDING_INDICATION ? Kind.INDICATION : Kind.DROPPED;
    }

    /**
     * The Binding success response to {@code request} (a {@link Kind#BINDING_REQUEST}): its
     * transaction id, the XOR-MAPPED-ADDRESS of {@code mapped} (where the request came from), and
     * a FINGERPRINT.
     */
    public static ByteBuf bindingSuccess(ByteBuf request, InetSocketAddress mapped, ByteBufAllocator alloc) {
        byte[] ip = mapped.getAddress().getAddress();
        int attributes = 4 + 4 + ip.length + 8; // XOR-MAPPED-ADDRESS, then FINGERPRINT
        ByteBuf answer = alloc.buffer(HEADER + attributes);
        answer.writeShort(BINDING_SUCCESS).writeShort(attributes).writeInt(MAGIC_COOKIE);
        answer.writeBytes(request, request.readerIndex() + 8, 12); // the transaction id
        answer.writeShort(XOR_MAPPED_ADDRESS).writeShort(4 + ip.length).writeByte(0).writeByte(ip.length == 4 ? 1 : 2);
        answer.writeShort(mapped.getPort() ^ (MAGIC_COOKIE >>> 16));
        for (int i = 0; i < ip.length; i++) {
            // the address XORed with the cookie and, for IPv6, the transaction id after it (§15.2)
            answer.writeByte(ip[i] ^ answer.getByte(4 + i));
        }
        CRC32 crc = new CRC32();
        crc.update(answer.nioBuffer(0, answer.writerIndex()));
        answer.writeShort(FINGERPRINT).writeShort(4).writeInt((int) crc.getValue() ^ FINGERPRINT_XOR);
        return answer;
    }
}
