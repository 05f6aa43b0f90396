package io.siplb.transport.stream;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.siplb.core.sip.MessageFactory;
import io.siplb.core.sip.ParseResult;
import io.siplb.core.sip.SipMessage;
import io.siplb.core.sip.SipParser;
import io.siplb.core.sip.SipWritable;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Cuts a SIP stream (TCP, TLS) into messages by Content-Length (RFC 3261 §18.3: mandatory over
 * streams), handing each one as its own buffer to the same parser the UDP channels use, as
 * Netty's DNS codecs frame TCP and hand UDP datagrams alike to one decoder.
 *
 * <p>Emits, in order: a {@link ByteBuf} per whole message (header block and body); {@link #PING}
 * for a CRLF CRLF keep-alive between messages (RFC 5626 §3.5.1, answered with a CRLF pong); and
 * at most one {@link Unframeable} when the stream cannot be framed — no Content-Length, one that
 * is not a number or exceeds the limit, a header block or line over the limit — after which
 * everything is discarded: a stream out of step cannot be brought back, the connection is closed.
 * Lone CRLFs between messages (a peer's pong) are skipped.
 */
public final class StreamFramer extends ByteToMessageDecoder {
    /** A CRLF CRLF keep-alive ping. */
    public static final Object PING = new Object() {
        @Override
        public String toString() {
            return "PING";
        }
    };

    /**
     * The stream cannot be framed.
     *
     * @param status the response that says why, where the header block can be answered
     * @param head the header block as far as it was read, for a 400 (the parser frames what it
     *     can); {@code null} when no whole block arrived
     */
    public record Unframeable(int status, String reason, byte[] head) {

        /**
         * The response that says why to the request whose head this is, or {@code null} when
         * there is no whole head, it is a response, or it is too broken to copy into an answer.
         */
        public SipWritable answer() {
            if (head == null) {
                return null;
            }
            ParseResult framed = SipParser.DEFAULT.frame(head, head.length);
            // a Content-Length the framing cannot honour is a defect of the framing too: the
            // parser's salvage of the head answers it
            SipMessage request = framed instanceof ParseResult.Parsed parsed ? parsed.message()
                    : framed instanceof ParseResult.Malformed malformed ? malformed.answerable().orElse(null) : null;
            if (request == null || !request.isRequest()) {
                return null;
            }
            try {
                return MessageFactory.response(request, status, reason,
                        Long.toHexString(ThreadLocalRandom.current().nextLong()));
            } catch (RuntimeException e) {
                return null;
            }
        }
    }

    /** {@link #checkWhole}'s reason for a WebSocket message holding more than one SIP message. */
    public static final String TWO_MESSAGES = "One SIP Message Per WebSocket Message";

    /**
     * Whether {@code message}, one WebSocket message (RFC 7118 §5), holds exactly one SIP message:
     * a whole header block and a body of its Content-Length, or of the rest when it names none
     * (the WebSocket frames it). CRLFs after it are padding.
     *
     * @return {@code null} when it does; otherwise why not, with the head for an answer when it is
     *     whole
     */
    public static Unframeable checkWhole(ByteBuf message, int maxMessageBytes, int maxLineBytes) {
        StreamFramer framer = new StreamFramer(maxMessageBytes, maxLineBytes);
        int headEnd = framer.headerEnd(message);
        if (headEnd < 0) {
            return new Unframeable(400, "Incomplete Message", null);
        }
        int contentLength = contentLength(message, headEnd);
        int rest = message.readableBytes() - headEnd;
        if (contentLength == MISSING) {
            return null;
        }
        if (contentLength < 0) {
            return new Unframeable(400, "Bad Content-Length", head(message, headEnd));
        }
        if (contentLength > rest) {
            return new Unframeable(400, "Incomplete Message", head(message, headEnd));
        }
        for (int i = message.readerIndex() + headEnd + contentLength; i < message.writerIndex(); i++) {
            if (!isCrOrLf(message.getByte(i))) {
                return new Unframeable(400, TWO_MESSAGES, head(message, headEnd));
            }
        }
        return null;
    }

    private static final int CR = '\r';
    private static final int LF = '\n';

    private final int maxMessageBytes;
    private final int maxLineBytes;
    private boolean broken;
    /** Octets of the current message's header block already searched for its end. */
    private int scanned;
    /** The current message's whole length once its header block is read, else -1. */
    private int frameLength = -1;

    public StreamFramer(int maxMessageBytes, int maxLineBytes) {
        this.maxMessageBytes = maxMessageBytes;
        this.maxLineBytes = maxLineBytes;
    }

    /** Whether a message has begun and not yet fully arrived (a stall is timed from then on). */
    public boolean partial() {
        ByteBuf cumulation = internalBuffer();
        return !broken && cumulation.isReadable() && !onlyCrLf(cumulation);
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (broken) {
            in.skipBytes(in.readableBytes());
            return;
        }
        while (in.isReadable()) {
            if (frameLength < 0) {
                if (scanned == 0 && !skipKeepAlives(in, out)) {
                    return; // CRLFs whose meaning the next octets decide
                }
                if (!in.isReadable()) {
                    return;
                }
                int headEnd = headerEnd(in);
                if (headEnd < 0) {
                    Unframeable failure = overlong(in);
                    if (failure != null) {
                        fail(in, out, failure);
                    }
                    return;
                }
                int contentLength = contentLength(in, headEnd);
                if (contentLength < 0) {
                    fail(in, out, new Unframeable(400, contentLength == MISSING ? "Missing Content-Length"
                            : "Bad Content-Length", head(in, headEnd)));
                    return;
                }
                if ((long) headEnd + contentLength > maxMessageBytes) {
                    fail(in, out, new Unframeable(513, "Message Too Large", head(in, headEnd)));
                    return;
                }
                frameLength = headEnd + contentLength;
            }
            if (in.readableBytes() < frameLength) {
                return; // the body is on its way
            }
            out.add(in.readRetainedSlice(frameLength));
            frameLength = -1;
            scanned = 0;
        }
    }

    /**
     * Consumes CRLFs before a message: CRLF CRLF is a ping, a lone CRLF a pong (or padding).
     *
     * @return false when what is there cannot be told yet (CRLF that may become a ping)
     */
    private static boolean skipKeepAlives(ByteBuf in, List<Object> out) {
        while (in.isReadable() && isCrOrLf(in.getByte(in.readerIndex()))) {
            int at = in.readerIndex();
            int readable = in.readableBytes();
            if (readable >= 4 && in.getByte(at) == CR && in.getByte(at + 1) == LF
                    && in.getByte(at + 2) == CR && in.getByte(at + 3) == LF) {
                in.skipBytes(4);
                out.add(PING);
            } else if (readable < 4 && onlyCrLf(in)) {
                return false; // a ping still arriving, or a pong: what follows decides
            } else if (readable >= 2 && in.getByte(at) == CR && in.getByte(at + 1) == LF) {
                in.skipBytes(2); // a pong, or one CRLF of padding before a message
            } else {
                in.skipBytes(1); // a bare CR or LF
            }
        }
        return true;
    }

    /** Whether {@code in} holds nothing but CRs and LFs (keep-alives, padding). */
    public static boolean onlyCrLf(ByteBuf in) {
        for (int i = in.readerIndex(); i < in.writerIndex(); i++) {
            if (!isCrOrLf(in.getByte(i))) {
                return false;
            }
        }
        return true;
    }

    private static boolean isCrOrLf(byte b) {
        return b == CR || b == LF;
    }

    /** The length of the header block with its CRLF CRLF, or -1 while it has not all arrived. */
    private int headerEnd(ByteBuf in) {
        int start = in.readerIndex();
        int limit = Math.min(in.readableBytes(), maxMessageBytes);
        for (int i = Math.max(3, scanned); i < limit; i++) {
            if (in.getByte(start + i) == LF && in.getByte(start + i - 1) == CR
                    && in.getByte(start + i - 2) == LF && in.getByte(start + i - 3) == CR) {
                return i + 1;
            }
        }
        scanned = Math.max(3, limit);
        return -1;
    }

    /** Why an incomplete header block can never frame, or {@code null} while it still may. */
    private Unframeable overlong(ByteBuf in) {
        if (in.readableBytes() >= maxMessageBytes) {
            return new Unframeable(513, "Message Too Large", null);
        }
        int lineStart = 0;
        for (int i = in.readableBytes() - 1; i >= 0; i--) {
            if (in.getByte(in.readerIndex() + i) == LF) {
                lineStart = i + 1;
                break;
            }
        }
        return in.readableBytes() - lineStart > maxLineBytes ? new Unframeable(400, "Line Too Long", null) : null;
    }

    private static final int MISSING = -1;
    private static final int INVALID = -2;

    /**
     * The Content-Length ({@code l} compact) of the header block {@code [0, headEnd)}:
     * {@link #MISSING}, {@link #INVALID} for a value that is not a number or repeated with another.
     */
    private static int contentLength(ByteBuf in, int headEnd) {
        int base = in.readerIndex();
        int found = MISSING;
        int lineStart = 0;
        while (lineStart < headEnd - 2) {
            int lineEnd = lineStart;
            while (lineEnd < headEnd && in.getByte(base + lineEnd) != LF) {
                lineEnd++;
            }
            int value = headerValue(in, base + lineStart, base + lineEnd);
            if (value == INVALID || (value >= 0 && found >= 0 && value != found)) {
                return INVALID;
            }
            if (value >= 0) {
                found = value;
            }
            lineStart = lineEnd + 1;
        }
        return found;
    }

    private static final byte[] CONTENT_LENGTH = "content-length".getBytes(StandardCharsets.US_ASCII);

    /** The value of a Content-Length line in {@code [from, to)}; {@link #MISSING} for other lines. */
    private static int headerValue(ByteBuf in, int from, int to) {
        int nameEnd = from;
        while (nameEnd < to && in.getByte(nameEnd) != ':' && in.getByte(nameEnd) != ' '
                && in.getByte(nameEnd) != '\t') {
            nameEnd++;
        }
        int length = nameEnd - from;
        boolean compact = length == 1 && (in.getByte(from) | 0x20) == 'l';
        if (!compact && length != CONTENT_LENGTH.length) {
            return MISSING;
        }
        for (int i = 0; !compact && i < length; i++) {
            if ((in.getByte(from + i) | 0x20) != CONTENT_LENGTH[i]) {
                return MISSING;
            }
        }
        int p = nameEnd;
        while (p < to && (in.getByte(p) == ' ' || in.getByte(p) == '\t')) {
            p++;
        }
        if (p >= to || in.getByte(p) != ':') {
            return MISSING; // not a header line after all (a start line, say)
        }
        p++;
        while (p < to && (in.getByte(p) == ' ' || in.getByte(p) == '\t')) {
            p++;
        }
        long value = 0;
        int digits = 0;
        while (p < to && in.getByte(p) >= '0' && in.getByte(p) <= '9') {
            value = value * 10 + in.getByte(p) - '0';
            if (value > Integer.MAX_VALUE) {
                return Integer.MAX_VALUE; // a length no limit admits: Message Too Large
            }
            digits++;
            p++;
        }
        while (p < to && (in.getByte(p) == ' ' || in.getByte(p) == '\t' || in.getByte(p) == CR)) {
            p++;
        }
        return digits == 0 || p != to ? INVALID : (int) value;
    }

    private static byte[] head(ByteBuf in, int headEnd) {
        byte[] bytes = new byte[headEnd];
        in.getBytes(in.readerIndex(), bytes);
        return bytes;
    }

    private void fail(ByteBuf in, List<Object> out, Unframeable failure) {
        broken = true;
        in.skipBytes(in.readableBytes());
        out.add(failure);
    }
}
