package io.siplb.transport.capture;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A HEPv3 packet read back strictly, written from the protocol's description (not from
 * {@link HepEncoder}): "HEP3", a 16-bit total length that must match, then chunks of vendor id,
 * type and length (header included). A chunk twice, a length that runs past the end or a
 * missing mandatory chunk fails.
 */
public record HepPacket(Map<Integer, byte[]> chunks) {

    public static HepPacket decode(byte[] packet, int length) {
        ByteBuffer in = ByteBuffer.wrap(packet, 0, length);
        byte[] magic = new byte[4];
        in.get(magic);
        if (!"HEP3".equals(new String(magic, StandardCharsets.US_ASCII))) {
            throw new IllegalArgumentException("not HEP3");
        }
        int total = in.getShort() & 0xffff;
        if (total != length) {
            throw new IllegalArgumentException("length " + total + " but " + length + " octets");
        }
        Map<Integer, byte[]> chunks = new LinkedHashMap<>();
        while (in.hasRemaining()) {
            int vendor = in.getShort() & 0xffff;
            int type = in.getShort() & 0xffff;
            int chunkLength = in.getShort() & 0xffff;
            if (vendor != 0 || chunkLength < 6 || chunkLength - 6 > in.remaining()) {
                throw new IllegalArgumentException("bad chunk " + vendor + "/" + type + " of " + chunkLength);
            }
            byte[] value = new byte[chunkLength - 6];
            in.get(value);
            if (chunks.put(type, value) != null) {
                throw new IllegalArgumentException("chunk " + type + " twice");
            }
        }
        for (int mandatory : new int[] {1, 2, 7, 8, 9, 10, 11, 12, 15}) {
            if (!chunks.containsKey(mandatory)) {
                throw new IllegalArgumentException("no chunk " + mandatory);
            }
        }
        return new HepPacket(chunks);
    }

    public int number(int type) {
        byte[] value = chunks.get(type);
        long n = 0;
        for (byte b : value) {
            n = n << 8 | (b & 0xff);
        }
        return (int) n;
    }

    public long unsigned(int type) {
        return number(type) & 0xffffffffL;
    }

    public InetSocketAddress source() {
        return address(number(1) == 2 ? 3 : 5, 7);
    }

    public InetSocketAddress destination() {
        return address(number(1) == 2 ? 4 : 6, 8);
    }

    private InetSocketAddress address(int addressChunk, int portChunk) {
        try {
            return new InetSocketAddress(InetAddress.getByAddress(chunks.get(addressChunk)), number(portChunk));
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }

    public String payload() {
        return new String(chunks.get(15), StandardCharsets.UTF_8);
    }

    public String text(int type) {
        byte[] value = chunks.get(type);
        return value == null ? null : new String(value, StandardCharsets.UTF_8);
    }

    /** Microseconds since 1970 from chunks 9 and 10. */
    public long epochMicros() {
        return unsigned(9) * 1_000_000 + unsigned(10);
    }
}
