package io.siplb.core.sip;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/**
 * The edits a proxy makes to a message it forwards (RFC 3261 §16.6) or relays (§16.7), recorded as
 * splices over the original bytes and applied in one pass when written. The original message is
 * untouched; nothing is re-serialised but the spliced parts.
 *
 * <p>Values are read when the edit is written, not when they are given: a caller may pass a
 * reusable {@link StringBuilder} as long as it leaves it alone until {@link #writeTo} returns.
 * An edit is single-use and not thread-safe. Edits that would cut across each other (removing
 * the top Via and adding {@code received} to it, say) are a programming error and throw
 * {@link IllegalStateException}.
 */
public final class SipMessageEdit implements SipWritable {
    private static final byte[] NOTHING = {};
    private static final byte[] CRLF = {'\r', '\n'};
    private static final byte[] VIA = ascii("Via: ");
    private static final byte[] RECORD_ROUTE = ascii("Record-Route: ");
    private static final byte[] PATH = ascii("Path: ");
    private static final byte[] MAX_FORWARDS = ascii("Max-Forwards: ");
    private static final byte[] RECEIVED = ascii("received=");
    private static final byte[] SEMI_RECEIVED = ascii(";received=");
    private static final byte[] RPORT = ascii("rport=");
    private static final String[] SMALL_NUMBERS = new String[256];

    static {
        for (int i = 0; i < SMALL_NUMBERS.length; i++) {
            SMALL_NUMBERS[i] = Integer.toString(i);
        }
    }

    private final SipMessage message;
    private final byte[] bytes;
    private Splice[] splices = new Splice[8];
    private int count;

    /** Replace {@code [from, to)} of the original with {@code head + value + tail} (UTF-8). */
    private record Splice(int from, int to, byte[] head, CharSequence value, byte[] tail) {
        int length() {
            return head.length + (value == null ? 0 : ByteBufUtil.utf8Bytes(value)) + tail.length;
        }

        void writeTo(ByteBuf out) {
            out.writeBytes(head);
            if (value != null) {
                // reserve the exact size: plain writeUtf8 reserves 3 octets a char
                ByteBufUtil.reserveAndWriteUtf8(out, value, ByteBufUtil.utf8Bytes(value));
            }
            out.writeBytes(tail);
        }
    }

    SipMessageEdit(SipMessage message) {
        this.message = message;
        this.bytes = message.rawBytes();
    }

    /** Replaces the Request-URI (RFC 3261 §16.6 step 2). */
    public SipMessageEdit requestUri(CharSequence uri) {
        Objects.requireNonNull(uri, "uri");
        requireRequest();
        return splice(message.requestUriStart(), message.requestUriEnd(), NOTHING, uri, NOTHING);
    }

    /**
     * Inserts {@code Via: value} above every other Via (RFC 3261 §16.6 step 8).
     *
     * @param value a whole via-parm, such as {@code SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK…}
     */
    public SipMessageEdit pushVia(CharSequence value) {
        return insertAbove(HeaderName.VIA, VIA, value);
    }

    /**
     * Removes the top Via value, the whole line when it is alone on it (RFC 3261 §16.7 step 3);
     * nothing when there is no Via.
     */
    public SipMessageEdit popVia() {
        return removeFirst(HeaderName.VIA);
    }

    /**
     * Sets {@code received} on the top Via to the source address of the request (RFC 3261 §18.2.1),
     * replacing any value the client put there.
     */
    public SipMessageEdit viaReceived(CharSequence address) {
        Objects.requireNonNull(address, "address");
        Via via = requireTopVia();
        if (via.receivedStart() >= 0) {
            return splice(via.receivedStart(), via.receivedEnd(), RECEIVED, address, NOTHING);
        }
        return splice(via.end(), via.end(), SEMI_RECEIVED, address, NOTHING);
    }

    /**
     * Fills the value of a valueless {@code rport} on the top Via with the source port (RFC 3581
     * §4); nothing when the client did not ask for it.
     */
    public SipMessageEdit viaRport(int port) {
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port " + port + " is not 1..65535");
        }
        Via via = requireTopVia();
        if (via.rport() != Via.RPORT_REQUESTED) {
            return this;
        }
        return splice(via.rportStart(), via.rportEnd(), RPORT, Integer.toString(port), NOTHING);
    }

    /** Sets Max-Forwards to {@code value}, adding the header when it is absent (§16.6 step 3). */
    public SipMessageEdit maxForwards(int value) {
        if (value < 0 || value > 255) {
            throw new IllegalArgumentException("Max-Forwards " + value + " is not 0..255");
        }
        int k = message.headerIndex(HeaderName.MAX_FORWARDS);
        if (k < 0) {
            int at = message.headersStart();
            return splice(at, at, MAX_FORWARDS, SMALL_NUMBERS[value], CRLF);
        }
        return splice(message.valueStart(k), message.valueEnd(k), NOTHING, SMALL_NUMBERS[value], NOTHING);
    }

    /**
     * Inserts {@code Record-Route: value} above every other Record-Route (RFC 3261 §16.6 step 4).
     *
     * @param value a name-addr, such as {@code <sip:192.0.2.1:5060;lr>}
     */
    public SipMessageEdit prependRecordRoute(CharSequence value) {
        return insertAbove(HeaderName.RECORD_ROUTE, RECORD_ROUTE, value);
    }

    /**
     * Inserts {@code Path: value} above every other Path, as a proxy on the way to a registrar
     * adds its own (RFC 3327 §5.3): the registrar's requests then come back through it.
     */
    public SipMessageEdit prependPath(CharSequence value) {
        return insertAbove(HeaderName.PATH, PATH, value);
    }

    /** Removes the first Route value, as a loose router does with its own entry (§16.4). */
    public SipMessageEdit removeFirstRoute() {
        return removeFirst(HeaderName.ROUTE);
    }

    /**
     * Removes the first {@code count} Route values, as a loose router does with its own entries
     * (two after a double Record-Route, RFC 5658), whether they share a line or not.
     */
    public SipMessageEdit removeFirstRoutes(int count) {
        if (count <= 1) {
            return count == 1 ? removeFirstRoute() : this;
        }
        ValueCursor cursor = new ValueCursor(message, HeaderName.ROUTE);
        int line = -1;
        int from = -1;
        int[] pending = null;
        try {
            for (int i = 0; i < count && cursor.next(); i++) {
                if (cursor.headerIndex != line && pending != null) {
                    splice(from, pending[1], NOTHING, null, NOTHING); // the line before: done with
                    pending = null;
                }
                line = cursor.headerIndex;
                if (cursor.lastOnLine()) {
                    // the values removed so far on this line and this one are all it had
                    pending = cursor.lineRange();
                    from = pending[0];
                } else {
                    int[] range = cursor.removalRange();
                    from = pending == null ? range[0] : from;
                    pending = range;
                }
            }
        } catch (SyntaxError e) {
            throw new IllegalStateException("cannot edit a malformed Route; validate the message first", e);
        }
        if (pending != null) {
            splice(from, pending[1], NOTHING, null, NOTHING);
        }
        return this;
    }

    /** Appends {@code name: value} after the last header field. */
    public SipMessageEdit addHeader(String name, CharSequence value) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(value, "value");
        int at = message.headersEnd();
        return splice(at, at, ascii(name + ": "), value, CRLF);
    }

    /** Inserts a header line above the first one named {@code name}, or first of all when none. */
    private SipMessageEdit insertAbove(HeaderName name, byte[] head, CharSequence value) {
        Objects.requireNonNull(value, "value");
        int k = message.headerIndex(name);
        int at = k < 0 ? message.headersStart() : message.headerStart(k);
        return splice(at, at, head, value, CRLF);
    }

    private SipMessageEdit removeFirst(HeaderName name) {
        ValueCursor cursor = new ValueCursor(message, name);
        boolean found;
        try {
            found = cursor.next();
        } catch (SyntaxError e) {
            throw new IllegalStateException("cannot edit a malformed " + name.canonical()
                    + "; validate the message first", e);
        }
        if (!found) {
            return this;
        }
        int[] range = cursor.removalRange();
        return splice(range[0], range[1], NOTHING, null, NOTHING);
    }

    private Via requireTopVia() {
        Via via = message.topVia();
        if (via == null) {
            throw new IllegalStateException("message has no well-formed top Via");
        }
        return via;
    }

    private void requireRequest() {
        if (!message.isRequest()) {
            throw new IllegalStateException("a response has no Request-URI");
        }
    }

    private SipMessageEdit splice(int start, int end, byte[] head, CharSequence value, byte[] tail) {
        for (int i = 0; i < count; i++) {
            Splice s = splices[i];
            boolean overlaps = start < s.to && s.from < end
                    || start == end && s.from < start && start < s.to
                    || s.from == s.to && start < s.from && s.from < end;
            if (overlaps) {
                throw new IllegalStateException("edit at " + start + ".." + end
                        + " overlaps an earlier edit at " + s.from + ".." + s.to);
            }
        }
        if (count == splices.length) {
            splices = Arrays.copyOf(splices, count * 2);
        }
        // Keep the splices ordered by position. At one position insertions come before a removal
        // starting there, and otherwise keep the order they were made in.
        boolean insertion = start == end;
        int i = count;
        while (i > 0 && (splices[i - 1].from > start
                || insertion && splices[i - 1].from == start && splices[i - 1].to > start)) {
            splices[i] = splices[i - 1];
            i--;
        }
        splices[i] = new Splice(start, end, head, value, tail);
        count++;
        return this;
    }

    /** Octets the edited message will have. */
    @Override
    public int byteCount() {
        int size = message.byteCount();
        for (int i = 0; i < count; i++) {
            size += splices[i].length() - (splices[i].to - splices[i].from);
        }
        return size;
    }

    /** Writes the edited message to {@code out}; the caller keeps ownership of {@code out}. */
    @Override
    public void writeTo(ByteBuf out) {
        Objects.requireNonNull(out, "out");
        out.ensureWritable(byteCount());
        int position = 0;
        for (int i = 0; i < count; i++) {
            Splice s = splices[i];
            out.writeBytes(bytes, position, s.from - position);
            s.writeTo(out);
            position = s.to;
        }
        out.writeBytes(bytes, position, message.byteCount() - position);
    }

    /** The edited message as bytes. */
    public byte[] toByteArray() {
        byte[] out = new byte[byteCount()];
        writeTo(Unpooled.wrappedBuffer(out).writerIndex(0));
        return out;
    }

    /**
     * The edited message, framed anew: what a transaction keeps to build the CANCEL or ACK for the
     * request it forwarded. The edit may make a message larger than the parser limits allowed on
     * input; only the index bound of {@link SipParserLimits#MAX_MESSAGE_BYTES} applies, so check
     * {@link #byteCount()} against what the transport can send before calling this.
     *
     * @throws IllegalStateException when the result exceeds {@link SipParserLimits#MAX_MESSAGE_BYTES}
     */
    public SipMessage toMessage() {
        byte[] out = toByteArray();
        ParseResult result = SipParser.OWN_OUTPUT.frame(out, out.length);
        if (result instanceof ParseResult.Parsed parsed) {
            return parsed.message();
        }
        throw new IllegalStateException("edit produced an unframable message: " + result);
    }

    private static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
    }
}
