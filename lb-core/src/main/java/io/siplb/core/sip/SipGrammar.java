package io.siplb.core.sip;

import io.netty.util.AsciiString;

/**
 * Character classes and scanning primitives of the RFC 3261 §25 grammar, over raw message bytes.
 *
 * <p>Every scanner takes {@code (bytes, from, to)} and returns an index; none allocates. Inside a
 * framed header value a CR or LF is always part of a fold (CRLF followed by SP or HT: the framer
 * guarantees it), so the scanners treat CR and LF as linear white space (LWS, §25.1).
 */
public final class SipGrammar {

    private static final boolean[] TOKEN = new boolean[256];
    private static final boolean[] WORD = new boolean[256];
    private static final boolean[] LWS = new boolean[256];

    static {
        for (int c = 'a'; c <= 'z'; c++) {
            TOKEN[c] = true;
        }
        for (int c = 'A'; c <= 'Z'; c++) {
            TOKEN[c] = true;
        }
        for (int c = '0'; c <= '9'; c++) {
            TOKEN[c] = true;
        }
        // token = 1*(alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~")
        for (char c : "-.!%*_+`'~".toCharArray()) {
            TOKEN[c] = true;
        }
        System.arraycopy(TOKEN, 0, WORD, 0, 256);
        // word adds ( ) < > : \ DQUOTE / [ ] ? { }
        for (char c : "()<>:\\\"/[]?{}".toCharArray()) {
            WORD[c] = true;
        }
        LWS[' '] = true;
        LWS['\t'] = true;
        LWS['\r'] = true;
        LWS['\n'] = true;
    }

    private SipGrammar() {
    }

    /** Whether {@code b} may appear in a {@code token} (RFC 3261 §25.1). */
    public static boolean isTokenChar(byte b) {
        return TOKEN[b & 0xFF];
    }

    /** Whether {@code text} is a {@code token} (RFC 3261 §25.1), as a header name is: not empty, token characters only. */
    public static boolean isToken(CharSequence text) {
        if (text.length() == 0) {
            return false;
        }
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c > 0x7F || !isTokenChar((byte) c)) {
                return false;
            }
        }
        return true;
    }

    /** Whether {@code b} may appear in a {@code word}, the Call-ID alphabet (RFC 3261 §25.1). */
    public static boolean isWordChar(byte b) {
        return WORD[b & 0xFF];
    }

    /** Whether {@code b} is SP, HT, or the CR/LF of a header fold. */
    public static boolean isLws(byte b) {
        return LWS[b & 0xFF];
    }

    /** First index in {@code [from, to)} that is not LWS, or {@code to}. */
    public static int skipLws(byte[] bytes, int from, int to) {
        int i = from;
        while (i < to && LWS[bytes[i] & 0xFF]) {
            i++;
        }
        return i;
    }

    /** Index just past the last non-LWS byte of {@code [from, to)}, or {@code from}. */
    public static int trimEnd(byte[] bytes, int from, int to) {
        int i = to;
        while (i > from && LWS[bytes[i - 1] & 0xFF]) {
            i--;
        }
        return i;
    }

    /** First index in {@code [from, to)} that is not a token character, or {@code to}. */
    public static int skipToken(byte[] bytes, int from, int to) {
        int i = from;
        while (i < to && TOKEN[bytes[i] & 0xFF]) {
            i++;
        }
        return i;
    }

    /**
     * Index just past the closing quote of the quoted-string opening at {@code from}, honouring
     * quoted-pairs, or {@code -1} when the string is not terminated before {@code to}.
     */
    public static int skipQuoted(byte[] bytes, int from, int to) {
        int i = from + 1;
        while (i < to) {
            byte b = bytes[i];
            if (b == '"') {
                return i + 1;
            }
            // quoted-pair = "\" (%x00-09 / %x0B-0C / %x0E-7F): the escaped octet is taken as is
            i += b == '\\' ? 2 : 1;
        }
        return -1;
    }

    /**
     * First index in {@code [from, to)} holding {@code target} outside quoted strings and outside
     * {@code <…>}, or {@code to}; {@code -1} when a quote or angle bracket is left open.
     */
    public static int indexOfUnquoted(byte[] bytes, int from, int to, byte target) {
        int i = from;
        boolean inAngle = false;
        while (i < to) {
            byte b = bytes[i];
            if (b == '"') {
                i = skipQuoted(bytes, i, to);
                if (i < 0) {
                    return -1;
                }
                continue;
            }
            if (inAngle) {
                if (b == '>') {
                    inAngle = false;
                }
            } else if (b == target) {
                return i;
            } else if (b == '<') {
                inAngle = true;
            }
            i++;
        }
        return inAngle ? -1 : to;
    }

    /** Whether the bytes of {@code [from, to)} equal {@code ascii} ignoring ASCII case. */
    public static boolean equalsIgnoreCase(byte[] bytes, int from, int to, String ascii) {
        int n = ascii.length();
        if (to - from != n) {
            return false;
        }
        for (int k = 0; k < n; k++) {
            int a = bytes[from + k];
            int b = ascii.charAt(k);
            if (a != b && toLower(a) != toLower(b)) {
                return false;
            }
        }
        return true;
    }

    /**
     * Parses the unsigned decimal {@code [from, to)}; {@code -1} when it is empty, holds a non-digit,
     * or exceeds {@code max}. Leading zeros are allowed (RFC 4475 §3.1.1.1).
     */
    public static long parseDecimal(byte[] bytes, int from, int to, long max) {
        if (from >= to) {
            return -1;
        }
        long value = 0;
        for (int i = from; i < to; i++) {
            int d = bytes[i] - '0';
            if (d < 0 || d > 9) {
                return -1;
            }
            value = value * 10 + d;
            if (value > max) {
                return -1;
            }
        }
        return value;
    }

    /** A view of {@code [from, to)} as an ASCII string that shares the message bytes. */
    public static AsciiString slice(byte[] bytes, int from, int to) {
        return new AsciiString(bytes, from, to - from, false);
    }

    private static int toLower(int c) {
        return c >= 'A' && c <= 'Z' ? c + 32 : c;
    }

    private static final String WEEKDAYS = "MonTueWedThuFriSatSun";
    private static final String MONTHS = "JanFebMarAprMayJunJulAugSepOctNovDec";

    /**
     * Whether {@code [from, to)} is a SIP-date (RFC 3261 §25.1: RFC 1123's
     * {@code wkday "," SP 2DIGIT SP month SP 4DIGIT SP 2DIGIT ":" 2DIGIT ":" 2DIGIT SP "GMT"}),
     * surrounding white space aside. Names compare without case, as ABNF strings do.
     */
    static boolean isSipDate(byte[] bytes, int from, int to) {
        while (from < to && (bytes[from] == ' ' || bytes[from] == '\t')) {
            from++;
        }
        while (to > from && (bytes[to - 1] == ' ' || bytes[to - 1] == '\t')) {
            to--;
        }
        if (to - from != 29) {
            return false;
        }
        return nameAt(bytes, from, WEEKDAYS) && bytes[from + 3] == ',' && bytes[from + 4] == ' '
                && digits(bytes, from + 5, 2) && bytes[from + 7] == ' ' && nameAt(bytes, from + 8, MONTHS)
                && bytes[from + 11] == ' ' && digits(bytes, from + 12, 4) && bytes[from + 16] == ' '
                && digits(bytes, from + 17, 2) && bytes[from + 19] == ':' && digits(bytes, from + 20, 2)
                && bytes[from + 22] == ':' && digits(bytes, from + 23, 2) && bytes[from + 25] == ' '
                && equalsIgnoreCase(bytes, from + 26, from + 29, "GMT");
    }

    /** Whether the three octets at {@code at} are one of the three-letter names in {@code names}. */
    private static boolean nameAt(byte[] bytes, int at, String names) {
        for (int i = 0; i < names.length(); i += 3) {
            int k = 0;
            while (k < 3 && (bytes[at + k] | 0x20) == (names.charAt(i + k) | 0x20)) {
                k++;
            }
            if (k == 3) {
                return true;
            }
        }
        return false;
    }

    private static boolean digits(byte[] bytes, int at, int count) {
        for (int i = at; i < at + count; i++) {
            if (bytes[i] < '0' || bytes[i] > '9') {
                return false;
            }
        }
        return true;
    }
}
