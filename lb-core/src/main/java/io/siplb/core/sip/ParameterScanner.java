package io.siplb.core.sip;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Walks the {@code *( SEMI generic-param )} tail of a header field value (RFC 3261 §25.1), where
 * {@code SEMI = SWS ";" SWS}, {@code EQUAL = SWS "=" SWS} and
 * {@code gen-value = token / host / quoted-string}. One scanner serves one value; it allocates
 * nothing itself, so each header parser decides what to keep.
 */
final class ParameterScanner {
    private final byte[] bytes;
    private final int end;
    private int position;

    int nameStart;
    int nameEnd;
    /** Start of the value, or {@code -1} for a parameter without one. */
    int valueStart;
    int valueEnd;

    ParameterScanner(byte[] bytes, int from, int end) {
        this.bytes = bytes;
        this.position = from;
        this.end = end;
    }

    /**
     * Reads the next parameter; returns {@code false} at the end of the value.
     *
     * @throws SyntaxError when what follows is not {@code SEMI generic-param}
     */
    boolean next() {
        int i = SipGrammar.skipLws(bytes, position, end);
        if (i == end) {
            position = end;
            return false;
        }
        if (bytes[i] != ';') {
            throw new SyntaxError(i, "expected ';' before a parameter");
        }
        i = SipGrammar.skipLws(bytes, i + 1, end);
        nameStart = i;
        nameEnd = SipGrammar.skipToken(bytes, i, end);
        if (nameEnd == nameStart) {
            throw new SyntaxError(i, "empty parameter");
        }
        i = SipGrammar.skipLws(bytes, nameEnd, end);
        valueStart = -1;
        valueEnd = -1;
        if (i < end && bytes[i] == '=') {
            i = SipGrammar.skipLws(bytes, i + 1, end);
            valueStart = i;
            if (i < end && bytes[i] == '"') {
                valueEnd = SipGrammar.skipQuoted(bytes, i, end);
                if (valueEnd < 0) {
                    throw new SyntaxError(i, "unterminated quoted parameter value");
                }
            } else if (i < end && bytes[i] == '[') {
                valueEnd = i + 1;
                while (valueEnd < end && bytes[valueEnd] != ']') {
                    valueEnd++;
                }
                if (valueEnd == end) {
                    throw new SyntaxError(i, "IPv6 reference without ']'");
                }
                valueEnd++;
            } else {
                valueEnd = SipGrammar.skipToken(bytes, i, end);
                if (valueEnd == i) {
                    throw new SyntaxError(i, "empty parameter value");
                }
            }
            i = valueEnd;
        }
        position = i;
        return true;
    }

    /** Whether the current parameter is named {@code name}, ignoring case. */
    boolean nameIs(String name) {
        return SipGrammar.equalsIgnoreCase(bytes, nameStart, nameEnd, name);
    }

    /** The current parameter as a value object (UTF-8: quoted values may carry it). */
    Parameter toParameter() {
        String name = new String(bytes, nameStart, nameEnd - nameStart, StandardCharsets.US_ASCII);
        String value = valueStart < 0 ? null
                : new String(bytes, valueStart, valueEnd - valueStart, StandardCharsets.UTF_8);
        return new Parameter(name, value);
    }

    /** Reads every remaining parameter into {@code out}; returns the end position. */
    int readAll(List<Parameter> out) {
        while (next()) {
            out.add(toParameter());
        }
        return position;
    }
}
