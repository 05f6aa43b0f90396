package io.siplb.core.sip;

/**
 * Walks the comma-separated values of one header name across all of its lines (RFC 3261 §7.3.1),
 * splitting only at commas outside quoted strings and {@code <…>}. For each value it knows enough
 * to remove it cleanly: the whole line when it is the line's only value, else the value and one
 * neighbouring comma.
 */
final class ValueCursor {
    private final SipMessage message;
    private final byte[] bytes;
    private final HeaderName name;
    private int header = -1;
    private int lineEnd;
    private int position;
    private int previousComma;

    /** Index of the header line holding the current value. */
    int headerIndex;
    /** The current value, trimmed of LWS. */
    int start;
    int end;
    /** Offset of the comma after the current value, or {@code -1} when it ends the line. */
    int comma;

    ValueCursor(SipMessage message, HeaderName name) {
        this.message = message;
        this.bytes = message.rawBytes();
        this.name = name;
    }

    /**
     * Moves to the next value; {@code false} when there is none.
     *
     * @throws SyntaxError on an empty value ({@code a,,b}) or an unbalanced quote or bracket
     */
    boolean next() {
        if (header < 0 || position > lineEnd) {
            header = message.nextHeaderIndex(name, header + 1);
            if (header < 0) {
                return false;
            }
            position = message.valueStart(header);
            lineEnd = message.valueEnd(header);
        }
        int separator = SipGrammar.indexOfUnquoted(bytes, position, lineEnd, (byte) ',');
        if (separator < 0) {
            throw new SyntaxError(position, "unbalanced quote or angle bracket in " + name.canonical());
        }
        headerIndex = header;
        start = SipGrammar.skipLws(bytes, position, separator);
        end = SipGrammar.trimEnd(bytes, start, separator);
        if (start == end) {
            throw new SyntaxError(position, "empty value in " + name.canonical());
        }
        comma = separator < lineEnd ? separator : -1;
        previousComma = position == message.valueStart(header) ? -1 : position - 1;
        position = separator + 1;
        return true;
    }

    /** Whether the current value is the last of its line. */
    boolean lastOnLine() {
        return comma < 0 || SipGrammar.skipLws(bytes, comma + 1, lineEnd) == lineEnd;
    }

    /** The whole line of the current value, as {@code {from, to}}. */
    int[] lineRange() {
        return new int[] {message.headerStart(headerIndex), message.lineEnd(headerIndex)};
    }

    /** The range that removing the current value must cut, as {@code {from, to}}. */
    int[] removalRange() {
        boolean first = previousComma < 0;
        // "v1," with nothing after the comma: the value is alone on its line all the same
        boolean last = comma < 0 || SipGrammar.skipLws(bytes, comma + 1, lineEnd) == lineEnd;
        if (first && last) {
            return new int[] {message.headerStart(headerIndex), message.lineEnd(headerIndex)};
        }
        if (!last) {
            return new int[] {start, SipGrammar.skipLws(bytes, comma + 1, lineEnd)};
        }
        return new int[] {previousComma, end};
    }
}
