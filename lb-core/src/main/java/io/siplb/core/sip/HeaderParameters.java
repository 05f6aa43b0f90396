package io.siplb.core.sip;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Walks the {@code *( SEMI generic-param )} tail of a header field value (RFC 3261 §25.1), where
 * {@code SEMI = SWS ";" SWS}, {@code EQUAL = SWS "=" SWS} and
 * {@code gen-value = token / host / quoted-string}.
 *
 * <p>Every parse of a Via runs this, so it allocates nothing: {@link #next} returns the four
 * offsets of one parameter packed into a {@code long} (16 bits each, which the 64 KiB message limit
 * allows). A parameter without a value has {@code valueStart == valueEnd == nameEnd}; an empty
 * value is malformed, so the two cannot be confused.
 */
final class HeaderParameters {
    /** {@link #next} at the end of the value. */
    static final long END = -1L;

    private HeaderParameters() {
    }

    /**
     * Reads the parameter at {@code from}.
     *
     * @return the packed offsets, or {@link #END} when only LWS is left before {@code to}
     * @throws SyntaxError when what follows is not {@code SEMI generic-param}
     */
    static long next(byte[] bytes, int from, int to) {
        int i = SipGrammar.skipLws(bytes, from, to);
        if (i == to) {
            return END;
        }
        if (bytes[i] != ';') {
            throw new SyntaxError(i, "expected ';' before a parameter");
        }
        int nameStart = SipGrammar.skipLws(bytes, i + 1, to);
        int nameEnd = SipGrammar.skipToken(bytes, nameStart, to);
        if (nameEnd == nameStart) {
            throw new SyntaxError(nameStart, "empty parameter");
        }
        i = SipGrammar.skipLws(bytes, nameEnd, to);
        if (i == to || bytes[i] != '=') {
            return pack(nameStart, nameEnd, nameEnd, nameEnd);
        }
        int valueStart = SipGrammar.skipLws(bytes, i + 1, to);
        int valueEnd;
        if (valueStart < to && bytes[valueStart] == '"') {
            valueEnd = SipGrammar.skipQuoted(bytes, valueStart, to);
            if (valueEnd < 0) {
                throw new SyntaxError(valueStart, "unterminated quoted parameter value");
            }
        } else if (valueStart < to && bytes[valueStart] == '[') {
            valueEnd = valueStart + 1;
            while (valueEnd < to && bytes[valueEnd] != ']') {
                valueEnd++;
            }
            if (valueEnd == to) {
                throw new SyntaxError(valueStart, "IPv6 reference without ']'");
            }
            valueEnd++;
        } else {
            valueEnd = SipGrammar.skipToken(bytes, valueStart, to);
            if (valueEnd < to && bytes[valueEnd] == ':') {
                // an IPv6 address without brackets, as via-received allows (RFC 3261 §25.1,
                // RFC 5118 §4.5): the colons are part of the value
                while (valueEnd < to && isIpv6Char(bytes[valueEnd])) {
                    valueEnd++;
                }
            }
            if (valueEnd == valueStart) {
                throw new SyntaxError(valueStart, "empty parameter value");
            }
        }
        return pack(nameStart, nameEnd, valueStart, valueEnd);
    }

    private static boolean isIpv6Char(byte b) {
        return b >= '0' && b <= '9' || b >= 'a' && b <= 'f' || b >= 'A' && b <= 'F' || b == ':' || b == '.';
    }

    private static long pack(int nameStart, int nameEnd, int valueStart, int valueEnd) {
        return (long) nameStart << 48 | (long) nameEnd << 32 | (long) valueStart << 16 | valueEnd;
    }

    static int nameStart(long p) {
        return (int) (p >>> 48) & 0xFFFF;
    }

    static int nameEnd(long p) {
        return (int) (p >>> 32) & 0xFFFF;
    }

    static int valueStart(long p) {
        return (int) (p >>> 16) & 0xFFFF;
    }

    static int valueEnd(long p) {
        return (int) p & 0xFFFF;
    }

    static boolean hasValue(long p) {
        return valueEnd(p) != nameEnd(p);
    }

    /** Where the next parameter may start: just past this one. */
    static int end(long p) {
        return valueEnd(p);
    }

    /** Whether the parameter is named {@code name}, ignoring case. */
    static boolean nameIs(byte[] bytes, long p, String name) {
        return SipGrammar.equalsIgnoreCase(bytes, nameStart(p), nameEnd(p), name);
    }

    /** The parameter as a value object (UTF-8: quoted values may carry it). */
    static Parameter toParameter(byte[] bytes, long p) {
        String name = new String(bytes, nameStart(p), nameEnd(p) - nameStart(p), StandardCharsets.US_ASCII);
        String value = hasValue(p)
                ? new String(bytes, valueStart(p), valueEnd(p) - valueStart(p), StandardCharsets.UTF_8)
                : null;
        return new Parameter(name, value);
    }

    /** Every parameter of {@code [from, to)}, unmodifiable ({@code List.of()} when there is none). */
    static List<Parameter> readAll(byte[] bytes, int from, int to) {
        long p = next(bytes, from, to);
        if (p == END) {
            return List.of(); // the usual case: no list built
        }
        List<Parameter> out = new ArrayList<>(2);
        for (; p != END; p = next(bytes, end(p), to)) {
            out.add(toParameter(bytes, p));
        }
        return Collections.unmodifiableList(out);
    }
}
