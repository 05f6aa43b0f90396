package io.siplb.benchmarks.rig;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;

/**
 * Byte-level reading of the few header fields the rig needs, over a datagram copied into an
 * array: no message model, no Strings on the way in.
 */
final class SipBytes {
    private SipBytes() {
    }

    static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
    }

    /** The offset of the CR of the CRLF ending the line that starts at {@code from}, or {@code length}. */
    static int lineEnd(byte[] bytes, int from, int length) {
        for (int i = from; i < length - 1; i++) {
            if (bytes[i] == '\r' && bytes[i + 1] == '\n') {
                return i;
            }
        }
        return length;
    }

    /**
     * Whether the line at {@code from} is header {@code name} (long form, or compact form
     * {@code compact}, lower case, -1 for none; any case): returns the offset of its value (after
     * the colon and spaces), or -1.
     */
    static int value(byte[] bytes, int from, int end, byte[] name, byte compact) {
        int colon = from;
        while (colon < end && bytes[colon] != ':') {
            colon++;
        }
        int nameEnd = colon;
        while (nameEnd > from && (bytes[nameEnd - 1] == ' ' || bytes[nameEnd - 1] == '\t')) {
            nameEnd--;
        }
        if (colon == end || !sameName(bytes, from, nameEnd, name, compact)) {
            return -1;
        }
        int at = colon + 1;
        while (at < end && (bytes[at] == ' ' || bytes[at] == '\t')) {
            at++;
        }
        return at;
    }

    private static boolean sameName(byte[] bytes, int from, int to, byte[] name, byte compact) {
        if (to - from == 1) {
            return (bytes[from] | 0x20) == compact;
        }
        if (to - from != name.length) {
            return false;
        }
        for (int i = 0; i < name.length; i++) {
            if ((bytes[from + i] | 0x20) != (name[i] | 0x20)) {
                return false;
            }
        }
        return true;
    }

    /** Whether {@code bytes[from..]} starts with {@code prefix}. */
    static boolean startsWith(byte[] bytes, int from, int end, byte[] prefix) {
        if (end - from < prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (bytes[from + i] != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    /** Whether {@code needle} occurs in {@code bytes[from, to)}. */
    static boolean contains(byte[] bytes, int from, int to, byte[] needle) {
        for (int i = from; i <= to - needle.length; i++) {
            if (startsWith(bytes, i, to, needle)) {
                return true;
            }
        }
        return false;
    }

    /** The decimal number at {@code from} (up to the first non-digit), or -1 when there is none. */
    static long decimal(byte[] bytes, int from, int end) {
        long n = -1;
        for (int i = from; i < end && bytes[i] >= '0' && bytes[i] <= '9'; i++) {
            n = (n < 0 ? 0 : n * 10) + (bytes[i] - '0');
        }
        return n;
    }

    static void writeDecimal(ByteBuf out, long n) {
        if (n >= 10) {
            writeDecimal(out, n / 10);
        }
        out.writeByte((int) ('0' + n % 10));
    }
}
