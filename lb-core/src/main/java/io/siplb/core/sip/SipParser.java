package io.siplb.core.sip;

import io.netty.buffer.ByteBuf;
import io.netty.util.concurrent.FastThreadLocal;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/**
 * Frames a datagram into a {@link SipMessage} (RFC 3261 §7, §18.3): start line, header field
 * boundaries, Content-Length. Framing is one pass over the bytes; typed headers are left to the
 * message to parse on demand, and {@link #parse} adds the checks a proxy relies on
 * ({@link SipMessage#validate()}).
 *
 * <p>No input makes it throw: every defect is a {@link ParseResult.Malformed} with the offset
 * where it was found.
 *
 * <p>Framing rules, beyond the ABNF:
 * <ul>
 *   <li>CRLFs before the start line are skipped (RFC 3261 §7.5); a datagram of nothing else is a
 *       {@link ParseResult.KeepAlive}.</li>
 *   <li>Lines end in CRLF; a bare CR or LF in the start line or header section is malformed.</li>
 *   <li>A line starting with SP or HT continues the previous header field (folding, §7.3.1).</li>
 *   <li>Over a datagram Content-Length is authoritative: a body shorter than declared is
 *       malformed, octets beyond it are not part of the message; without Content-Length the
 *       body is the rest of the datagram (§18.3). Two Content-Length values, or one that is not
 *       a number, are malformed (RFC 4475 §3.1.2.3, §3.3.9).</li>
 * </ul>
 *
 * <p>It is one class of some 480 lines on purpose: framing is one pass over the bytes, and its
 * states (start line, header lines, folding, Content-Length, the body) share the cursor and the
 * header index; split into classes, each step would hand them across on every message.
 */
public final class SipParser {

    /** A parser with {@link SipParserLimits#DEFAULT}. */
    public static final SipParser DEFAULT = new SipParser(SipParserLimits.DEFAULT);

    /**
     * Frames what the balancer itself built from a message that already passed a parser: an
     * edit or a response may add header fields and octets, so only the index's own bounds apply.
     */
    static final SipParser OWN_OUTPUT = new SipParser(new SipParserLimits(
            SipParserLimits.MAX_MESSAGE_BYTES, 4096, SipParserLimits.MAX_MESSAGE_BYTES));

    /** Room in a new header index; SIPp's INVITE has 10 headers, RFC 3261's examples up to 11. */
    private static final int INITIAL_HEADERS = 12;

    /**
     * One framer per thread: framing state is scratch, and reusing it keeps the per-datagram
     * allocation to the copy, the index and the message (measured: 72 octets a message fewer).
     */
    private static final FastThreadLocal<Framer> FRAMERS = new FastThreadLocal<>() {
        @Override
        protected Framer initialValue() {
            return new Framer();
        }
    };

    private final SipParserLimits limits;

    /** A parser enforcing {@code limits}. */
    public SipParser(SipParserLimits limits) {
        this.limits = Objects.requireNonNull(limits, "limits");
    }

    /** The limits this parser enforces. */
    public SipParserLimits limits() {
        return limits;
    }

    /**
     * Frames and validates the readable bytes of {@code datagram}.
     *
     * @param datagram one UDP payload; read without moving its reader index. The caller keeps
     *     ownership and releases it: the message holds a heap copy.
     */
    public ParseResult parse(ByteBuf datagram) {
        return validated(frame(datagram));
    }

    /**
     * Frames and validates {@code datagram[0, length)}.
     *
     * @param datagram one UDP payload; the message takes it over, so the caller must not change it
     */
    public ParseResult parse(byte[] datagram, int length) {
        return validated(frame(datagram, length));
    }

    private static ParseResult validated(ParseResult framed) {
        return framed instanceof ParseResult.Parsed parsed ? parsed.message().validate() : framed;
    }

    /**
     * Frames the readable bytes of {@code datagram} without validating typed headers.
     *
     * @param datagram one UDP payload; read without moving its reader index, never released here
     */
    public ParseResult frame(ByteBuf datagram) {
        Objects.requireNonNull(datagram, "datagram");
        int readable = datagram.readableBytes();
        if (readable > limits.maxMessageBytes()) {
            return tooLarge(readable);
        }
        byte[] copy = new byte[readable];
        datagram.getBytes(datagram.readerIndex(), copy);
        return frame(copy, readable);
    }

    /**
     * Frames {@code datagram[0, length)} without validating typed headers.
     *
     * @param datagram one UDP payload; the message takes it over, so the caller must not change it
     */
    public ParseResult frame(byte[] datagram, int length) {
        Objects.requireNonNull(datagram, "datagram");
        Objects.checkFromIndexSize(0, length, datagram.length);
        int skip = 0;
        while (skip < length && (datagram[skip] == '\r' || datagram[skip] == '\n')) {
            skip++;
        }
        if (skip == length) {
            return new ParseResult.KeepAlive();
        }
        byte[] bytes = datagram;
        if (skip > 0) {
            bytes = Arrays.copyOfRange(datagram, skip, length);
            length -= skip;
        }
        if (length > limits.maxMessageBytes()) {
            return tooLarge(length);
        }
        return FRAMERS.get().frame(bytes, length, limits);
    }

    private ParseResult tooLarge(int size) {
        return new ParseResult.Malformed(0, "message of " + size + " octets exceeds "
                + limits.maxMessageBytes() + " (siplb.parser.max-message-bytes)", ParseResult.TOO_LARGE, null);
    }

    private static final byte[] UNKNOWN_METHOD = "UNKNOWN".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] PLACEHOLDER_URI = " sip:invalid SIP/2.0".getBytes(StandardCharsets.US_ASCII);

    /** The state of one framing pass; reused by its thread, never shared. */
    private static final class Framer {
        private byte[] bytes;
        private int length;
        private SipParserLimits limits;

        private boolean request;
        private SipMethod method = SipMethod.OTHER;
        private int methodEnd;
        private int uriStart;
        private int uriEnd;
        private int status;
        private int reasonStart;
        private int versionStart;
        private int versionEnd;
        private int startLineEnd;
        private int[] index;
        private int count;
        private int headersEnd;
        /** Set on the framer that checks a salvaged message: it salvages nothing itself. */
        private boolean salvaging;

        ParseResult frame(byte[] bytes, int length, SipParserLimits limits) {
            this.bytes = bytes;
            this.length = length;
            this.limits = limits;
            request = false;
            method = SipMethod.OTHER;
            methodEnd = 0;
            uriStart = 0;
            uriEnd = 0;
            status = 0;
            reasonStart = 0;
            versionStart = 0;
            versionEnd = 0;
            index = new int[2 * INITIAL_HEADERS];
            count = 0;
            headersEnd = 0;
            try {
                startLineEnd = lineEnd(0);
                startLine();
                headers();
                return body();
            } catch (SyntaxError e) {
                return new ParseResult.Malformed(e.offset(), e.getMessage(), 400, salvaging ? null : salvage());
            } finally {
                this.bytes = null; // do not keep the last datagram reachable from the thread
                this.index = null;
            }
        }

        /**
         * After a framing error in a request: the request rebuilt from the lines that do frame,
         * so that it can still be answered 400 with the defect (RFC 3261 §8.2, §21.4.1) instead of
         * vanishing. Lines are cut at CRLF alone; a header line that is too long, holds a bare CR
         * or LF, or has no name or colon is left out, and so is Content-Length (the answer carries
         * no body). A start line that is no Request-Line becomes its first token (or
         * {@code UNKNOWN}) with a placeholder URI: an ACK is still never answered. {@code null}
         * for a response, or when no empty line ends the headers. Runs on the error path only.
         */
        private SipMessage salvage() {
            if (length >= 4 && SipGrammar.equalsIgnoreCase(bytes, 0, 4, "SIP/")) {
                return null; // a response: never answered
            }
            int end = crlf(0);
            if (end < 0) {
                return null;
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream(length);
            startLineEnd = end;
            try {
                requestLine();
                out.write(bytes, 0, end);
            } catch (SyntaxError e) {
                int token = SipGrammar.skipToken(bytes, 0, end);
                if (token > 0) {
                    out.write(bytes, 0, token);
                } else {
                    out.writeBytes(UNKNOWN_METHOD);
                }
                out.writeBytes(PLACEHOLDER_URI);
            }
            out.write('\r');
            out.write('\n');
            int position = end + 2;
            boolean previousKept = false;
            while (position + 1 >= length || bytes[position] != '\r' || bytes[position + 1] != '\n') {
                int eol = crlf(position);
                if (eol < 0) {
                    return null;
                }
                boolean fold = bytes[position] == ' ' || bytes[position] == '\t';
                boolean keep = eol - position <= limits.maxLineBytes() && clean(position, eol)
                        && (fold ? previousKept : namedHeader(position, eol));
                if (keep) {
                    out.write(bytes, position, eol + 2 - position);
                }
                previousKept = keep;
                position = eol + 2;
            }
            out.write('\r');
            out.write('\n');
            byte[] rebuilt = out.toByteArray();
            Framer strict = new Framer();
            strict.salvaging = true; // no second salvage of the rebuilt message
            return strict.frame(rebuilt, rebuilt.length, limits) instanceof ParseResult.Parsed parsed
                    ? parsed.message() : null;
        }

        /** Whether {@code [from, to)} is {@code token *WSP ":"…}, and not a Content-Length. */
        private boolean namedHeader(int from, int to) {
            int nameEnd = SipGrammar.skipToken(bytes, from, to);
            int colon = nameEnd;
            while (colon < to && (bytes[colon] == ' ' || bytes[colon] == '\t')) {
                colon++;
            }
            return nameEnd > from && colon < to && bytes[colon] == ':'
                    && HeaderName.lookup(bytes, from, nameEnd) != HeaderName.CONTENT_LENGTH;
        }

        /** Offset of the next CRLF at or after {@code from}, or -1. */
        private int crlf(int from) {
            for (int i = from; i + 1 < length; i++) {
                if (bytes[i] == '\r' && bytes[i + 1] == '\n') {
                    return i;
                }
            }
            return -1;
        }

        /** Whether {@code [from, to)} holds no bare CR or LF. */
        private boolean clean(int from, int to) {
            for (int i = from; i < to; i++) {
                if (bytes[i] == '\r' || bytes[i] == '\n') {
                    return false;
                }
            }
            return true;
        }

        /** Offset of the CR ending the line that starts at {@code from}. */
        private int lineEnd(int from) {
            int max = Math.min(length, from + limits.maxLineBytes() + 1);
            for (int i = from; i < max; i++) {
                byte b = bytes[i];
                if (b == '\r') {
                    if (i + 1 < length && bytes[i + 1] == '\n') {
                        return i;
                    }
                    throw new SyntaxError(i, "bare CR in the header section");
                }
                if (b == '\n') {
                    throw new SyntaxError(i, "bare LF in the header section");
                }
            }
            if (max < length) {
                throw new SyntaxError(from, "line longer than " + limits.maxLineBytes()
                        + " octets (siplb.parser.max-line-bytes)");
            }
            throw new SyntaxError(length, from == 0 ? "no CRLF after the start line"
                    : "header section not terminated by an empty line");
        }

        private void startLine() {
            if (startsWithSipVersion(0)) {
                responseLine();
            } else {
                requestLine();
            }
        }

        /** Request-Line = Method SP Request-URI SP SIP-Version CRLF, single SPs (§25.1). */
        private void requestLine() {
            request = true;
            methodEnd = SipGrammar.skipToken(bytes, 0, startLineEnd);
            if (methodEnd == 0 || methodEnd == startLineEnd || bytes[methodEnd] != ' ') {
                throw new SyntaxError(methodEnd, "request line must start with a method token and SP");
            }
            method = SipMethod.lookup(bytes, 0, methodEnd);
            uriStart = methodEnd + 1;
            uriEnd = uriStart;
            while (uriEnd < startLineEnd && bytes[uriEnd] != ' ') {
                uriEnd++;
            }
            if (uriEnd == uriStart) {
                throw new SyntaxError(uriStart, "extra white space or no Request-URI in the request line");
            }
            if (uriEnd == startLineEnd) {
                throw new SyntaxError(uriEnd, "request line has no SIP-Version");
            }
            versionStart = uriEnd + 1;
            versionEnd = startLineEnd;
            if (!startsWithSipVersion(versionStart) || versionEnd(versionStart) != startLineEnd) {
                throw new SyntaxError(versionStart, "request line must end with SIP/x.y");
            }
        }

        /** Status-Line = SIP-Version SP Status-Code SP Reason-Phrase CRLF (§25.1). */
        private void responseLine() {
            versionStart = 0;
            versionEnd = versionEnd(0);
            if (versionEnd >= startLineEnd || bytes[versionEnd] != ' ') {
                throw new SyntaxError(versionEnd, "status line must be SIP/x.y SP code SP reason");
            }
            int codeStart = versionEnd + 1;
            int codeEnd = codeStart;
            while (codeEnd < startLineEnd && bytes[codeEnd] >= '0' && bytes[codeEnd] <= '9') {
                codeEnd++;
            }
            if (codeEnd - codeStart != 3) {
                throw new SyntaxError(codeStart, "status code must be three digits");
            }
            status = (int) SipGrammar.parseDecimal(bytes, codeStart, codeEnd, 699);
            if (status < 100) {
                throw new SyntaxError(codeStart, "status code must be 100..699");
            }
            if (codeEnd == startLineEnd) {
                // Liberal: "SIP/2.0 100" without the SP before an empty reason (RFC 4475 §3.1.1.13).
                reasonStart = codeEnd;
            } else if (bytes[codeEnd] == ' ') {
                reasonStart = codeEnd + 1;
            } else {
                throw new SyntaxError(codeEnd, "status code must be followed by SP");
            }
        }

        private boolean startsWithSipVersion(int from) {
            return from + 4 <= startLineEnd && SipGrammar.equalsIgnoreCase(bytes, from, from + 4, "SIP/")
                    && versionEnd(from) > 0;
        }

        /** End of {@code "SIP/" 1*DIGIT "." 1*DIGIT} at {@code from}, or {@code -1}. */
        private int versionEnd(int from) {
            int i = from + 4;
            int majorStart = i;
            while (i < startLineEnd && bytes[i] >= '0' && bytes[i] <= '9') {
                i++;
            }
            if (i == majorStart || i >= startLineEnd || bytes[i] != '.') {
                return -1;
            }
            int minorStart = ++i;
            while (i < startLineEnd && bytes[i] >= '0' && bytes[i] <= '9') {
                i++;
            }
            return i == minorStart ? -1 : i;
        }

        private void headers() {
            int position = startLineEnd + 2;
            while (true) {
                if (position + 1 < length && bytes[position] == '\r' && bytes[position + 1] == '\n') {
                    headersEnd = position;
                    break;
                }
                if (position >= length) {
                    throw new SyntaxError(length, "header section not terminated by an empty line");
                }
                int eol = lineEnd(position);
                byte first = bytes[position];
                if (first == ' ' || first == '\t') {
                    if (count == 0) {
                        throw new SyntaxError(position, "continuation line before any header field");
                    }
                    // the fold extends the previous value: keep its start, move its end
                    index[2 * count - 1] = index[2 * count - 1] & 0xFFFF0000 | eol;
                } else {
                    addHeader(position, eol);
                }
                position = eol + 2;
            }
            // During the pass [2k+1] held the raw bounds of the (possibly folded) value; now
            // both ends are trimmed of LWS.
            for (int k = 0; k < count; k++) {
                int raw = index[2 * k + 1];
                int from = SipGrammar.skipLws(bytes, raw >>> 16, raw & 0xFFFF);
                int to = SipGrammar.trimEnd(bytes, from, raw & 0xFFFF);
                index[2 * k + 1] = from << 16 | to;
            }
        }

        private void addHeader(int position, int eol) {
            int nameEnd = SipGrammar.skipToken(bytes, position, eol);
            if (nameEnd == position) {
                throw new SyntaxError(position, "invalid character in header field name");
            }
            int colon = nameEnd;
            while (colon < eol && (bytes[colon] == ' ' || bytes[colon] == '\t')) {
                colon++;
            }
            if (colon == eol || bytes[colon] != ':') {
                throw new SyntaxError(colon, "header field without ':'");
            }
            if (count == limits.maxHeaders()) {
                throw new SyntaxError(position, "more than " + limits.maxHeaders()
                        + " header fields (siplb.parser.max-headers)");
            }
            if (2 * count == index.length) {
                index = Arrays.copyOf(index, index.length * 2);
            }
            HeaderName name = HeaderName.lookup(bytes, position, nameEnd);
            index[2 * count] = name.ordinal() << 16 | position;
            index[2 * count + 1] = (colon + 1) << 16 | eol;
            count++;
        }

        private SipMessage build(int end) {
            return new SipMessage(bytes, end, request, method, methodEnd, uriStart, uriEnd, status,
                    reasonStart, versionStart, versionEnd, startLineEnd, index, count, headersEnd);
        }

        /**
         * The message with its body as Content-Length declares it, read from the header index so
         * that a message is built once; a malformed one carries its headers for the 400.
         */
        private ParseResult body() {
            int bodyStart = headersEnd + 2;
            int available = length - bodyStart;
            int k = SipMessage.nextHeaderIndex(index, count, HeaderName.CONTENT_LENGTH, 0);
            if (k < 0) {
                return new ParseResult.Parsed(build(available == 0 ? bodyStart : length));
            }
            int again = SipMessage.nextHeaderIndex(index, count, HeaderName.CONTENT_LENGTH, k + 1);
            if (again >= 0) {
                return new ParseResult.Malformed(index[2 * again] & 0xFFFF,
                        "more than one Content-Length", 400, build(bodyStart));
            }
            int valueStart = index[2 * k + 1] >>> 16;
            long declared = SipGrammar.parseDecimal(bytes, valueStart, index[2 * k + 1] & 0xFFFF,
                    SipParserLimits.MAX_MESSAGE_BYTES);
            if (declared < 0) {
                return new ParseResult.Malformed(valueStart,
                        "Content-Length is not a number of octets", 400, build(bodyStart));
            }
            if (declared > available) {
                return new ParseResult.Malformed(length, "Content-Length " + declared
                        + " exceeds the " + available + " body octets received", 400, build(bodyStart));
            }
            return new ParseResult.Parsed(build(bodyStart + (int) declared));
        }
    }
}
