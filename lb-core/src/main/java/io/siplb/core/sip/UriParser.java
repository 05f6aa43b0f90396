package io.siplb.core.sip;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Parses the URI forms of RFC 3261 §25.1 ({@code SIP-URI}, {@code SIPS-URI}, {@code absoluteURI})
 * and RFC 3966 ({@code tel}). A URI holds no white space at all: LWS inside a URI is malformed
 * (RFC 4475 §3.1.2.8).
 */
final class UriParser {

    private static final boolean[] UNRESERVED = new boolean[256];
    private static final boolean[] USER = new boolean[256];
    private static final boolean[] PASSWORD = new boolean[256];
    private static final boolean[] PARAM = new boolean[256];
    private static final boolean[] HEADER = new boolean[256];
    private static final boolean[] HOST = new boolean[256];

    static {
        for (int c = 0; c < 256; c++) {
            UNRESERVED[c] = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9';
            HOST[c] = UNRESERVED[c];
        }
        mark(UNRESERVED, "-_.!~*'()");
        System.arraycopy(UNRESERVED, 0, USER, 0, 256);
        System.arraycopy(UNRESERVED, 0, PASSWORD, 0, 256);
        System.arraycopy(UNRESERVED, 0, PARAM, 0, 256);
        System.arraycopy(UNRESERVED, 0, HEADER, 0, 256);
        mark(USER, "&=+$,;?/");
        mark(PASSWORD, "&=+$,");
        mark(PARAM, "[]/:&+$");
        mark(HEADER, "[]/?:+$=&");
        mark(HOST, "-.");
    }

    private UriParser() {
    }

    private static void mark(boolean[] table, String chars) {
        for (char c : chars.toCharArray()) {
            table[c] = true;
        }
    }

    /** Parses {@code [from, to)}; throws {@link SyntaxError} naming the defect. */
    static Uri parse(byte[] bytes, int from, int to) {
        if (from >= to) {
            throw new SyntaxError(from, "empty URI");
        }
        for (int i = from; i < to; i++) {
            int b = bytes[i] & 0xFF;
            if (b <= ' ' || b >= 0x7F) {
                throw new SyntaxError(i, "white space or non-ASCII octet in URI");
            }
        }
        int colon = schemeEnd(bytes, from, to);
        String text = new String(bytes, from, to - from, StandardCharsets.US_ASCII);
        if (SipGrammar.equalsIgnoreCase(bytes, from, colon, "sip")) {
            return parseSip(bytes, colon + 1, to, false, text);
        }
        if (SipGrammar.equalsIgnoreCase(bytes, from, colon, "sips")) {
            return parseSip(bytes, colon + 1, to, true, text);
        }
        if (SipGrammar.equalsIgnoreCase(bytes, from, colon, "tel")) {
            return parseTel(bytes, colon + 1, to, text);
        }
        if (colon + 1 >= to) {
            throw new SyntaxError(colon, "URI has nothing after its scheme");
        }
        String scheme = new String(bytes, from, colon - from, StandardCharsets.US_ASCII);
        return new AbsoluteUri(scheme.toLowerCase(Locale.ROOT), text);
    }

    /** Index of the colon ending {@code scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )}. */
    private static int schemeEnd(byte[] bytes, int from, int to) {
        if (!isAlpha(bytes[from])) {
            throw new SyntaxError(from, "URI scheme must start with a letter");
        }
        for (int i = from + 1; i < to; i++) {
            byte b = bytes[i];
            if (b == ':') {
                return i;
            }
            if (!isAlpha(b) && !(b >= '0' && b <= '9') && b != '+' && b != '-' && b != '.') {
                throw new SyntaxError(i, "invalid character in URI scheme");
            }
        }
        throw new SyntaxError(to, "URI has no scheme");
    }

    private static SipUri parseSip(byte[] bytes, int from, int to, boolean secure, String text) {
        // '@' appears in no other component of a SIP URI unescaped, so the first one ends userinfo.
        int at = indexOf(bytes, from, to, (byte) '@');
        String user = null;
        String password = null;
        int hostStart = from;
        if (at >= 0) {
            int colon = indexOf(bytes, from, at, (byte) ':');
            int userEnd = colon >= 0 ? colon : at;
            if (userEnd == from) {
                throw new SyntaxError(from, "empty user part in SIP URI");
            }
            checkChars(bytes, from, userEnd, USER, "user part");
            user = ascii(bytes, from, userEnd);
            if (colon >= 0) {
                checkChars(bytes, colon + 1, at, PASSWORD, "password");
                password = ascii(bytes, colon + 1, at);
            }
            hostStart = at + 1;
        }
        int hostEnd = hostEnd(bytes, hostStart, to);
        String host = ascii(bytes, hostStart, hostEnd);
        int i = hostEnd;
        int port = -1;
        if (i < to && bytes[i] == ':') {
            int portEnd = i + 1;
            while (portEnd < to && bytes[portEnd] >= '0' && bytes[portEnd] <= '9') {
                portEnd++;
            }
            port = (int) SipGrammar.parseDecimal(bytes, i + 1, portEnd, 65535);
            if (port < 0) {
                throw new SyntaxError(i + 1, "invalid port in SIP URI");
            }
            i = portEnd;
        }
        List<Parameter> parameters = List.of(); // most URIs have none: no list to build and copy
        if (i < to && bytes[i] == ';') {
            parameters = new ArrayList<>(2);
            while (i < to && bytes[i] == ';') {
                i = parameter(bytes, i + 1, to, parameters);
            }
        }
        String headers = null;
        if (i < to && bytes[i] == '?') {
            checkChars(bytes, i + 1, to, HEADER, "URI headers");
            headers = ascii(bytes, i + 1, to);
            i = to;
        }
        if (i != to) {
            throw new SyntaxError(i, "unexpected character in SIP URI");
        }
        return new SipUri(secure, user, password, host, port, parameters, headers, text);
    }

    /** Validates the host starting at {@code from} and returns where it ends. */
    private static int hostEnd(byte[] bytes, int from, int to) {
        if (from >= to) {
            throw new SyntaxError(from, "SIP URI has no host");
        }
        if (bytes[from] == '[') {
            int close = indexOf(bytes, from, to, (byte) ']');
            if (close < 0) {
                throw new SyntaxError(from, "IPv6 reference without ']'");
            }
            for (int i = from + 1; i < close; i++) {
                byte b = bytes[i];
                if (!(isHex(b) || b == ':' || b == '.')) {
                    throw new SyntaxError(i, "invalid character in IPv6 reference");
                }
            }
            if (close == from + 1) {
                throw new SyntaxError(from, "empty IPv6 reference");
            }
            return close + 1;
        }
        int i = from;
        while (i < to && HOST[bytes[i] & 0xFF]) {
            i++;
        }
        if (i == from || bytes[from] == '-' || bytes[from] == '.') {
            throw new SyntaxError(from, "invalid host in SIP URI");
        }
        return i;
    }

    /** Parses {@code pname [ "=" pvalue ]} at {@code from} into {@code out}; returns its end. */
    private static int parameter(byte[] bytes, int from, int to, List<Parameter> out) {
        int i = from;
        while (i < to && (PARAM[bytes[i] & 0xFF] || bytes[i] == '%')) {
            i++;
        }
        if (i == from) {
            throw new SyntaxError(from, "empty URI parameter");
        }
        checkChars(bytes, from, i, PARAM, "URI parameter");
        String name = ascii(bytes, from, i);
        String value = null;
        if (i < to && bytes[i] == '=') {
            int valueStart = i + 1;
            i = valueStart;
            while (i < to && (PARAM[bytes[i] & 0xFF] || bytes[i] == '%')) {
                i++;
            }
            if (i == valueStart) {
                throw new SyntaxError(valueStart, "empty URI parameter value");
            }
            checkChars(bytes, valueStart, i, PARAM, "URI parameter");
            value = ascii(bytes, valueStart, i);
        }
        out.add(new Parameter(name, value));
        return i;
    }

    private static TelUri parseTel(byte[] bytes, int from, int to, String text) {
        int semi = indexOf(bytes, from, to, (byte) ';');
        int numberEnd = semi < 0 ? to : semi;
        if (numberEnd == from) {
            throw new SyntaxError(from, "tel URI has no number");
        }
        for (int i = from; i < numberEnd; i++) {
            byte b = bytes[i];
            if (!(isHex(b) || b == '+' || b == '*' || b == '#' || b == '-' || b == '.' || b == '('
                    || b == ')')) {
                throw new SyntaxError(i, "invalid character in tel number");
            }
        }
        List<Parameter> parameters = new ArrayList<>(2);
        int i = numberEnd;
        while (i < to && bytes[i] == ';') {
            i = parameter(bytes, i + 1, to, parameters);
        }
        if (i != to) {
            throw new SyntaxError(i, "unexpected character in tel URI");
        }
        return new TelUri(ascii(bytes, from, numberEnd), parameters, text);
    }

    /** Checks that {@code [from, to)} holds only {@code allowed} characters and valid escapes. */
    private static void checkChars(byte[] bytes, int from, int to, boolean[] allowed, String what) {
        for (int i = from; i < to; i++) {
            byte b = bytes[i];
            if (b == '%') {
                if (i + 2 >= to || !isHex(bytes[i + 1]) || !isHex(bytes[i + 2])) {
                    throw new SyntaxError(i, "invalid escape in " + what);
                }
                i += 2;
            } else if (!allowed[b & 0xFF]) {
                throw new SyntaxError(i, "invalid character in " + what);
            }
        }
    }

    /** Decodes every {@code %HH} escape of {@code text} once; the octets are read as UTF-8. */
    static String unescape(String text) {
        if (text.indexOf('%') < 0) {
            return text;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '%' && i + 2 < text.length()
                    && Character.digit(text.charAt(i + 1), 16) >= 0
                    && Character.digit(text.charAt(i + 2), 16) >= 0) {
                out.write(Character.digit(text.charAt(i + 1), 16) * 16
                        + Character.digit(text.charAt(i + 2), 16));
                i += 2;
            } else {
                out.write(c);
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    private static int indexOf(byte[] bytes, int from, int to, byte target) {
        for (int i = from; i < to; i++) {
            if (bytes[i] == target) {
                return i;
            }
        }
        return -1;
    }

    private static String ascii(byte[] bytes, int from, int to) {
        return new String(bytes, from, to - from, StandardCharsets.US_ASCII);
    }

    private static boolean isAlpha(byte b) {
        return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z';
    }

    private static boolean isHex(byte b) {
        return b >= '0' && b <= '9' || b >= 'a' && b <= 'f' || b >= 'A' && b <= 'F';
    }
}
