package io.siplb.core.sip;

import io.netty.buffer.ByteBuf;
import io.netty.util.AsciiString;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * One SIP request or response, framed once over its bytes: the start line and the boundaries of
 * every header field are indexed; typed header values are parsed on first use and cached.
 *
 * <p>Instances are immutable views; they own a heap copy of the datagram, so they hold no
 * reference-counted buffer and can be kept in a transaction table without a release discipline.
 * The lazy caches are benign races: any thread computes the same value.
 *
 * <p>To forward or answer a message, edit it with {@link #edit()} (new bytes spliced over the old
 * ones, RFC 3261 §16.6) or derive one with {@link MessageFactory}.
 *
 * <p>It is one class of some 620 lines on purpose: it is the message model every layer reads, an
 * accessor and a lazy cache per header the proxy uses, all over the one packed index.
 */
public final class SipMessage implements SipWritable {

    /*
     * The header index packs two ints per header field, which the 16-bit offset limit
     * (SipParserLimits.MAX_MESSAGE_BYTES) allows:
     *   index[2k]     = headerName.ordinal() << 16 | nameStart
     *   index[2k + 1] = valueStart << 16 | valueEnd      (value trimmed of LWS, folds inside)
     * A header line runs from its nameStart to the next header's nameStart (or headersEnd), CRLF
     * included.
     */
    private final byte[] bytes;
    private final int length;
    private final boolean request;
    private final SipMethod method;
    private final int methodEnd;
    private final int uriStart;
    private final int uriEnd;
    private final int status;
    private final int reasonStart;
    private final int versionStart;
    private final int versionEnd;
    private final int startLineEnd;
    private final int[] index;
    private final int headerCount;
    private final int headersEnd;

    private Uri requestUri;
    private Via topVia;
    private AsciiString callId;
    private CSeq cseq;
    private NameAddress from;
    private NameAddress to;
    private int maxForwards = -2;

    SipMessage(byte[] bytes, int length, boolean request, SipMethod method, int methodEnd,
            int uriStart, int uriEnd, int status, int reasonStart, int versionStart, int versionEnd,
            int startLineEnd, int[] index, int headerCount, int headersEnd) {
        this.bytes = bytes;
        this.length = length;
        this.request = request;
        this.method = method;
        this.methodEnd = methodEnd;
        this.uriStart = uriStart;
        this.uriEnd = uriEnd;
        this.status = status;
        this.reasonStart = reasonStart;
        this.versionStart = versionStart;
        this.versionEnd = versionEnd;
        this.startLineEnd = startLineEnd;
        this.index = index;
        this.headerCount = headerCount;
        this.headersEnd = headersEnd;
    }

    // ---------------------------------------------------------------- start line

    /** Whether this is a request (else a response). */
    public boolean isRequest() {
        return request;
    }

    /** The request method; {@link SipMethod#OTHER} for extension methods and for responses. */
    public SipMethod method() {
        return method;
    }

    /** The request method as written; for a response, the CSeq method. */
    public AsciiString methodName() {
        if (request) {
            return SipGrammar.slice(bytes, 0, methodEnd);
        }
        CSeq c = cseq();
        return c == null ? AsciiString.EMPTY_STRING : new AsciiString(c.methodName());
    }

    /** The Request-URI exactly as written, or {@code null} for a response. */
    public AsciiString requestUriText() {
        return request ? SipGrammar.slice(bytes, uriStart, uriEnd) : null;
    }

    /** The Request-URI parsed, or {@code null} for a response or a malformed URI. */
    public Uri requestUri() {
        if (!request) {
            return null;
        }
        try {
            return parseRequestUri();
        } catch (SyntaxError e) {
            return null;
        }
    }

    private Uri parseRequestUri() {
        Uri uri = requestUri;
        if (uri == null) {
            uri = UriParser.parse(bytes, uriStart, uriEnd);
            requestUri = uri;
        }
        return uri;
    }

    /** The status code of a response, or {@code 0} for a request. */
    public int statusCode() {
        return status;
    }

    /** The reason phrase of a response (UTF-8, possibly empty), or {@code null} for a request. */
    public String reasonPhrase() {
        return request ? null
                : new String(bytes, reasonStart, startLineEnd - reasonStart, StandardCharsets.UTF_8);
    }

    /** The SIP-Version of the start line as written, such as {@code SIP/2.0}. */
    public AsciiString version() {
        return SipGrammar.slice(bytes, versionStart, versionEnd);
    }

    /** Whether the start line says SIP/2.0, the only version this element speaks (RFC 3261 §7). */
    public boolean isVersion20() {
        return versionEnd - versionStart == 7
                && SipGrammar.equalsIgnoreCase(bytes, versionStart, versionEnd, "SIP/2.0");
    }

    // ---------------------------------------------------------------- header index

    /** How many header fields (logical lines) the message has. */
    public int headerCount() {
        return headerCount;
    }

    /** The known name of header {@code k}, or {@link HeaderName#OTHER}. */
    public HeaderName headerName(int k) {
        return HeaderName.byOrdinal(index[2 * checkHeader(k)] >>> 16);
    }

    /** The name of header {@code k} exactly as written. */
    public AsciiString headerNameText(int k) {
        int nameStart = headerStart(checkHeader(k));
        return SipGrammar.slice(bytes, nameStart, SipGrammar.skipToken(bytes, nameStart, length));
    }

    /** The value of header {@code k} as written, trimmed, folds kept. */
    public AsciiString headerValue(int k) {
        checkHeader(k);
        return SipGrammar.slice(bytes, valueStart(k), valueEnd(k));
    }

    /** Index of the first header named {@code name}, or {@code -1}. */
    public int headerIndex(HeaderName name) {
        return nextHeaderIndex(name, 0);
    }

    /** Index of the first header named {@code name} at or after {@code from}, or {@code -1}. */
    public int nextHeaderIndex(HeaderName name, int from) {
        return nextHeaderIndex(index, headerCount, name, from);
    }

    /** As {@link #nextHeaderIndex(HeaderName, int)}, over a header index the parser is still building. */
    static int nextHeaderIndex(int[] index, int headerCount, HeaderName name, int from) {
        int wanted = name.ordinal();
        for (int k = Math.max(from, 0); k < headerCount; k++) {
            if (index[2 * k] >>> 16 == wanted) {
                return k;
            }
        }
        return -1;
    }

    /** How many header lines are named {@code name}. */
    public int headerLines(HeaderName name) {
        int count = 0;
        for (int k = nextHeaderIndex(name, 0); k >= 0; k = nextHeaderIndex(name, k + 1)) {
            count++;
        }
        return count;
    }

    /** The value of the first header named {@code name}, or {@code null}. */
    public AsciiString headerValue(HeaderName name) {
        int k = headerIndex(name);
        return k < 0 ? null : headerValue(k);
    }

    /**
     * The value of the first header whose name is {@code name} (ignoring case; long or compact form
     * for the names of {@link HeaderName}), or {@code null}.
     */
    public AsciiString headerValue(String name) {
        Objects.requireNonNull(name, "name");
        byte[] asked = name.getBytes(StandardCharsets.US_ASCII);
        HeaderName known = HeaderName.lookup(asked, 0, asked.length);
        if (known != HeaderName.OTHER) {
            return headerValue(known);
        }
        for (int k = 0; k < headerCount; k++) {
            int nameStart = headerStart(k);
            int nameEnd = SipGrammar.skipToken(bytes, nameStart, length);
            if (headerName(k) == HeaderName.OTHER
                    && SipGrammar.equalsIgnoreCase(bytes, nameStart, nameEnd, name)) {
                return headerValue(k);
            }
        }
        return null;
    }

    private int checkHeader(int k) {
        Objects.checkIndex(k, headerCount);
        return k;
    }

    int headerStart(int k) {
        return index[2 * k] & 0xFFFF;
    }

    int valueStart(int k) {
        return index[2 * k + 1] >>> 16;
    }

    int valueEnd(int k) {
        return index[2 * k + 1] & 0xFFFF;
    }

    /** Offset just past the CRLF of header {@code k}. */
    int lineEnd(int k) {
        return k + 1 < headerCount ? headerStart(k + 1) : headersEnd;
    }

    /** Offset where the first header line starts. */
    int headersStart() {
        return startLineEnd + 2;
    }

    /** Offset of the CRLF that ends the header section. */
    int headersEnd() {
        return headersEnd;
    }

    int requestUriStart() {
        return uriStart;
    }

    int requestUriEnd() {
        return uriEnd;
    }

    byte[] rawBytes() {
        return bytes;
    }

    // ---------------------------------------------------------------- typed headers

    /** The top Via value, or {@code null} when there is none or it is malformed. */
    public Via topVia() {
        try {
            return parseTopVia();
        } catch (SyntaxError e) {
            return null;
        }
    }

    private Via parseTopVia() {
        Via via = topVia;
        if (via == null) {
            // The hot path of every message: find the first value directly, without a cursor.
            int k = headerIndex(HeaderName.VIA);
            if (k < 0) {
                throw new SyntaxError(headersStart(), "missing Via");
            }
            int from = valueStart(k);
            int comma = SipGrammar.indexOfUnquoted(bytes, from, valueEnd(k), (byte) ',');
            if (comma < 0) {
                throw new SyntaxError(from, "unbalanced quote or angle bracket in Via");
            }
            int to = SipGrammar.trimEnd(bytes, from, comma);
            if (to == from) {
                throw new SyntaxError(from, "empty value in Via");
            }
            via = Via.parse(bytes, from, to);
            topVia = via;
        }
        return via;
    }

    /**
     * Every Via value, top first; empty when there is none, {@code null} when one is malformed.
     */
    public List<Via> vias() {
        try {
            List<Via> vias = new ArrayList<>(4);
            ValueCursor cursor = new ValueCursor(this, HeaderName.VIA);
            while (cursor.next()) {
                vias.add(Via.parse(bytes, cursor.start, cursor.end));
            }
            return vias;
        } catch (SyntaxError e) {
            return null;
        }
    }

    /** The Call-ID, or {@code null} when it is absent, repeated or malformed. */
    public AsciiString callId() {
        try {
            return parseCallId();
        } catch (SyntaxError e) {
            return null;
        }
    }

    private AsciiString parseCallId() {
        AsciiString id = callId;
        if (id == null) {
            int k = single(HeaderName.CALL_ID);
            int from = valueStart(k);
            int to = valueEnd(k);
            // callid = word [ "@" word ]
            int at = -1;
            for (int i = from; i < to; i++) {
                byte b = bytes[i];
                if (b == '@' && at < 0 && i > from && i + 1 < to) {
                    at = i;
                } else if (!SipGrammar.isWordChar(b)) {
                    throw new SyntaxError(i, "invalid character in Call-ID");
                }
            }
            if (from == to) {
                throw new SyntaxError(from, "empty Call-ID");
            }
            id = SipGrammar.slice(bytes, from, to);
            callId = id;
        }
        return id;
    }

    /** The CSeq, or {@code null} when it is absent, repeated or malformed. */
    public CSeq cseq() {
        try {
            return parseCseq();
        } catch (SyntaxError e) {
            return null;
        }
    }

    private CSeq parseCseq() {
        CSeq c = cseq;
        if (c == null) {
            int k = single(HeaderName.CSEQ);
            c = CSeq.parse(bytes, valueStart(k), valueEnd(k));
            cseq = c;
        }
        return c;
    }

    /** The From value, or {@code null} when it is absent, repeated or malformed. */
    public NameAddress from() {
        try {
            return parseFrom();
        } catch (SyntaxError e) {
            return null;
        }
    }

    private NameAddress parseFrom() {
        NameAddress f = from;
        if (f == null) {
            int k = single(HeaderName.FROM);
            f = NameAddress.parse(bytes, valueStart(k), valueEnd(k));
            from = f;
        }
        return f;
    }

    /** The To value, or {@code null} when it is absent, repeated or malformed. */
    public NameAddress to() {
        try {
            return parseTo();
        } catch (SyntaxError e) {
            return null;
        }
    }

    private NameAddress parseTo() {
        NameAddress t = to;
        if (t == null) {
            int k = single(HeaderName.TO);
            t = NameAddress.parse(bytes, valueStart(k), valueEnd(k));
            to = t;
        }
        return t;
    }

    /**
     * Max-Forwards: {@code -1} when absent or malformed (check with {@link #validate()}), else
     * 0..255.
     */
    public int maxForwards() {
        try {
            return parseMaxForwards();
        } catch (SyntaxError e) {
            return -1;
        }
    }

    private int parseMaxForwards() {
        int value = maxForwards;
        if (value == -2) {
            int k = headerIndex(HeaderName.MAX_FORWARDS);
            if (k < 0) {
                value = -1;
            } else {
                if (nextHeaderIndex(HeaderName.MAX_FORWARDS, k + 1) >= 0) {
                    throw new SyntaxError(headerStart(k), "more than one Max-Forwards");
                }
                value = (int) SipGrammar.parseDecimal(bytes, valueStart(k), valueEnd(k), 255);
                if (value < 0) {
                    throw new SyntaxError(valueStart(k), "Max-Forwards must be a number 0..255");
                }
            }
            maxForwards = value;
        }
        return value;
    }

    /** The Route values in order; empty when absent, {@code null} when one is malformed. */
    public List<NameAddress> routes() {
        return addresses(HeaderName.ROUTE);
    }

    /** The Record-Route values in order; empty when absent, {@code null} when one is malformed. */
    public List<NameAddress> recordRoutes() {
        return addresses(HeaderName.RECORD_ROUTE);
    }

    /** The Contact values in order; empty when absent, {@code null} when one is malformed. */
    public List<NameAddress> contacts() {
        return addresses(HeaderName.CONTACT);
    }

    private List<NameAddress> addresses(HeaderName name) {
        try {
            return parseAddresses(name);
        } catch (SyntaxError e) {
            return null;
        }
    }

    private List<NameAddress> parseAddresses(HeaderName name) {
        if (headerIndex(name) < 0) {
            return List.of();
        }
        List<NameAddress> values = new ArrayList<>(2);
        ValueCursor cursor = new ValueCursor(this, name);
        while (cursor.next()) {
            values.add(NameAddress.parse(bytes, cursor.start, cursor.end));
        }
        return values;
    }

    /** The Content-Type as written, or {@code null}. */
    public String contentType() {
        AsciiString value = headerValue(HeaderName.CONTENT_TYPE);
        return value == null ? null : value.toString();
    }

    /** Index of the only header named {@code name}; throws when it is absent or repeated. */
    private int single(HeaderName name) {
        int k = headerIndex(name);
        if (k < 0) {
            throw new SyntaxError(headersStart(), "missing " + name.canonical());
        }
        if (nextHeaderIndex(name, k + 1) >= 0) {
            throw new SyntaxError(headerStart(nextHeaderIndex(name, k + 1)),
                    "more than one " + name.canonical());
        }
        return k;
    }

    // ---------------------------------------------------------------- validation

    /**
     * Checks what a proxy relies on, beyond framing: SIP/2.0, a well-formed Request-URI, every
     * Via,
     * exactly one Call-ID, CSeq (whose method matches a request's), From and To, at most one
     * Max-Forwards in 0..255, well-formed Route and Contact values, no headers in a SIP
     * Request-URI, and a Date, when there is one, in the one form RFC 3261 §20.17 allows (an
     * RFC 1123 date in GMT: RFC 4475 §3.1.2.12). Other headers are forwarded as they are and
     * checked only when used.
     *
     * @return {@link ParseResult.Parsed} with this message, or {@link ParseResult.Malformed} with
     *     the status to answer (505 for another SIP version, else 400) and this message as framed
     */
    public ParseResult validate() {
        if (!isVersion20()) {
            return new ParseResult.Malformed(versionStart, "SIP Version Not Supported", 505, this);
        }
        String part = "Request-URI";
        try {
            if (request && parseRequestUri() instanceof SipUri uri && uri.headers() != null) {
                // RFC 3261 §19.1.1 table: headers are not allowed in a Request-URI; forwarding them
                // would smuggle header fields downstream (RFC 4475 §3.1.2.11).
                return new ParseResult.Malformed(uriStart,
                        "Request-URI must not carry headers", 400, this);
            }
            part = "Via";
            parseTopVia();
            // Every Via, not only the top: a relayed response is routed by the next one, and
            // whatever a request carries comes back in its responses.
            ValueCursor cursor = new ValueCursor(this, HeaderName.VIA);
            cursor.next();
            while (cursor.next()) {
                Via.parse(bytes, cursor.start, cursor.end);
            }
            part = "Call-ID";
            parseCallId();
            part = "CSeq";
            CSeq c = parseCseq();
            part = "From";
            parseFrom();
            part = "To";
            parseTo();
            if (request) {
                part = "Max-Forwards";
                parseMaxForwards();
                part = "Route";
                parseAddresses(HeaderName.ROUTE);
                part = "Contact";
                parseAddresses(HeaderName.CONTACT);
                if (!sameBytes(c.methodName(), 0, methodEnd)) {
                    return new ParseResult.Malformed(headerStart(headerIndex(HeaderName.CSEQ)),
                            "CSeq method does not match the request method", 400, this);
                }
            }
            int date = headerIndex(HeaderName.DATE);
            if (date >= 0 && !SipGrammar.isSipDate(bytes, valueStart(date), valueEnd(date))) {
                return new ParseResult.Malformed(valueStart(date),
                        "Malformed Date: must be like 'Sat, 13 Nov 2010 23:29:00 GMT'", 400, this);
            }
        } catch (SyntaxError e) {
            return new ParseResult.Malformed(e.offset(), "Malformed " + part + ": " + e.getMessage(),
                    400, this);
        }
        return new ParseResult.Parsed(this);
    }

    private boolean sameBytes(String text, int from, int to) {
        if (text.length() != to - from) {
            return false;
        }
        for (int i = 0; i < text.length(); i++) {
            if (bytes[from + i] != text.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    // ---------------------------------------------------------------- body and bytes

    /** Offset of the body in {@link #toByteArray()}. */
    public int bodyOffset() {
        return headersEnd + 2;
    }

    /** Octets of body, as framed by Content-Length (RFC 3261 §18.3). */
    public int bodyLength() {
        return length - headersEnd - 2;
    }

    /** A copy of the body. */
    public byte[] body() {
        return Arrays.copyOfRange(bytes, headersEnd + 2, length);
    }

    /** Octets of the whole message; trailing datagram octets beyond Content-Length excluded. */
    @Override
    public int byteCount() {
        return length;
    }

    /** Writes the message to {@code out}; the caller keeps ownership of {@code out}. */
    @Override
    public void writeTo(ByteBuf out) {
        out.writeBytes(bytes, 0, length);
    }

    /** A copy of the message bytes. */
    public byte[] toByteArray() {
        return Arrays.copyOf(bytes, length);
    }

    /** Starts an edit whose result is a new message over these bytes (RFC 3261 §16.6). */
    public SipMessageEdit edit() {
        return new SipMessageEdit(this);
    }

    /** The message as text (UTF-8), for logs and tests. */
    @Override
    public String toString() {
        return new String(bytes, 0, length, StandardCharsets.UTF_8);
    }
}
