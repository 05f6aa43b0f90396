package io.siplb.core.sip;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/**
 * The edits a proxy makes to a message it forwards (RFC 3261 §16.6) or relays (§16.7), recorded as
 * splices over the original bytes and applied in one pass when written. The original message is
 * untouched; nothing is re-serialised but the spliced parts.
 *
 * <p>An edit is single-use and not thread-safe. Edits that would cut across each other (removing
 * the top Via and adding {@code received} to it, say) are a programming error and throw
 * {@link IllegalStateException}.
 */
public final class SipMessageEdit {
    private static final byte[] CRLF = {'\r', '\n'};

    private final SipMessage message;
    private final byte[] bytes;
    private int[] from = new int[8];
    private int[] to = new int[8];
    private byte[][] text = new byte[8][];
    private int count;

    SipMessageEdit(SipMessage message) {
        this.message = message;
        this.bytes = message.rawBytes();
    }

    /** Replaces the Request-URI (RFC 3261 §16.6 step 2). */
    public SipMessageEdit requestUri(CharSequence uri) {
        Objects.requireNonNull(uri, "uri");
        requireRequest();
        return splice(message.requestUriStart(), message.requestUriEnd(), ascii(uri));
    }

    /**
     * Inserts {@code Via: value} above every other Via (RFC 3261 §16.6 step 8).
     *
     * @param value a whole via-parm, such as {@code SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK…}
     */
    public SipMessageEdit pushVia(CharSequence value) {
        Objects.requireNonNull(value, "value");
        int k = message.headerIndex(HeaderName.VIA);
        int at = k < 0 ? message.headersStart() : message.headerStart(k);
        return splice(at, at, headerLine("Via", value));
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
        byte[] param = ascii("received=" + address);
        if (via.receivedStart() >= 0) {
            return splice(via.receivedStart(), via.receivedEnd(), param);
        }
        return splice(via.end(), via.end(), prefixed(';', param));
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
        return splice(via.rportStart(), via.rportEnd(), ascii("rport=" + port));
    }

    /** Sets Max-Forwards to {@code value}, adding the header when it is absent (§16.6 step 3). */
    public SipMessageEdit maxForwards(int value) {
        if (value < 0 || value > 255) {
            throw new IllegalArgumentException("Max-Forwards " + value + " is not 0..255");
        }
        int k = message.headerIndex(HeaderName.MAX_FORWARDS);
        if (k < 0) {
            int at = message.headersStart();
            return splice(at, at, headerLine("Max-Forwards", Integer.toString(value)));
        }
        return splice(message.valueStart(k), message.valueEnd(k), ascii(Integer.toString(value)));
    }

    /**
     * Inserts {@code Record-Route: value} above every other Record-Route (RFC 3261 §16.6 step 4).
     *
     * @param value a name-addr, such as {@code <sip:192.0.2.1:5060;lr>}
     */
    public SipMessageEdit prependRecordRoute(CharSequence value) {
        Objects.requireNonNull(value, "value");
        int k = message.headerIndex(HeaderName.RECORD_ROUTE);
        int at = k < 0 ? message.headersStart() : message.headerStart(k);
        return splice(at, at, headerLine("Record-Route", value));
    }

    /** Removes the first Route value, as a loose router does with its own entry (§16.4). */
    public SipMessageEdit removeFirstRoute() {
        return removeFirst(HeaderName.ROUTE);
    }

    /** Appends {@code name: value} after the last header field. */
    public SipMessageEdit addHeader(String name, CharSequence value) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(value, "value");
        int at = message.headersEnd();
        return splice(at, at, headerLine(name, value));
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
        return splice(range[0], range[1], null);
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

    private SipMessageEdit splice(int start, int end, byte[] replacement) {
        for (int i = 0; i < count; i++) {
            boolean overlaps = start < to[i] && from[i] < end
                    || start == end && from[i] < start && start < to[i]
                    || from[i] == to[i] && start < from[i] && from[i] < end;
            if (overlaps) {
                throw new IllegalStateException("edit at " + start + ".." + end
                        + " overlaps an earlier edit at " + from[i] + ".." + to[i]);
            }
        }
        if (count == from.length) {
            from = Arrays.copyOf(from, count * 2);
            to = Arrays.copyOf(to, count * 2);
            text = Arrays.copyOf(text, count * 2);
        }
        // Keep the splices ordered by position. At one position insertions come before a removal
        // starting there, and otherwise keep the order they were made in.
        boolean insertion = start == end;
        int i = count;
        while (i > 0 && (from[i - 1] > start
                || insertion && from[i - 1] == start && to[i - 1] > start)) {
            from[i] = from[i - 1];
            to[i] = to[i - 1];
            text[i] = text[i - 1];
            i--;
        }
        from[i] = start;
        to[i] = end;
        text[i] = replacement;
        count++;
        return this;
    }

    /** Octets the edited message will have. */
    public int byteCount() {
        int size = message.byteCount();
        for (int i = 0; i < count; i++) {
            size += (text[i] == null ? 0 : text[i].length) - (to[i] - from[i]);
        }
        return size;
    }

    /** Writes the edited message to {@code out}; the caller keeps ownership of {@code out}. */
    public void writeTo(ByteBuf out) {
        Objects.requireNonNull(out, "out");
        out.ensureWritable(byteCount());
        int position = 0;
        for (int i = 0; i < count; i++) {
            out.writeBytes(bytes, position, from[i] - position);
            if (text[i] != null) {
                out.writeBytes(text[i]);
            }
            position = to[i];
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
     * request it forwarded.
     */
    public SipMessage toMessage() {
        byte[] out = toByteArray();
        ParseResult result = SipParser.DEFAULT.frame(out, out.length);
        if (result instanceof ParseResult.Parsed parsed) {
            return parsed.message();
        }
        throw new IllegalStateException("edit produced an unframable message: " + result);
    }

    private static byte[] headerLine(String name, CharSequence value) {
        byte[] v = ascii(value);
        byte[] line = new byte[name.length() + 2 + v.length + 2];
        int i = 0;
        for (; i < name.length(); i++) {
            line[i] = (byte) name.charAt(i);
        }
        line[i++] = ':';
        line[i++] = ' ';
        System.arraycopy(v, 0, line, i, v.length);
        i += v.length;
        line[i++] = CRLF[0];
        line[i] = CRLF[1];
        return line;
    }

    private static byte[] prefixed(char prefix, byte[] text) {
        byte[] out = new byte[text.length + 1];
        out[0] = (byte) prefix;
        System.arraycopy(text, 0, out, 1, text.length);
        return out;
    }

    /** Inserted text is ours and ASCII; anything else is encoded as UTF-8, never dropped. */
    private static byte[] ascii(CharSequence text) {
        return text.toString().getBytes(StandardCharsets.UTF_8);
    }
}
