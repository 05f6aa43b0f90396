package io.siplb.core.sip;

import java.util.Objects;
import java.util.Optional;

/**
 * What became of a datagram handed to {@link SipParser}: a message, a keep-alive, or a defect with
 * the offset where it was found. Bad input is a value of this type, never an exception.
 */
public sealed interface ParseResult permits ParseResult.Parsed, ParseResult.Malformed,
        ParseResult.KeepAlive {

    /**
     * The status of a {@link Malformed} message larger than {@code siplb.parser.max-message-bytes}
     * (RFC 3261 §21.5.14, Message Too Large). Such a datagram is never framed, so it is dropped
     * unanswered rather than answered with this status.
     */
    int TOO_LARGE = 513;

    /** A message that framed (and, from {@link SipParser#parse}, validated). */
    record Parsed(SipMessage message) implements ParseResult {
        public Parsed {
            Objects.requireNonNull(message, "message");
        }
    }

    /**
     * A message that cannot be processed.
     *
     * @param offset where in the datagram the defect was found
     * @param reason what is wrong, fit for a 400 reason phrase (RFC 3261 §21.4.1)
     * @param status the status a request deserves: 400, 505 for an unknown SIP version,
     *     {@link #TOO_LARGE} (513) when larger than the limit
     * @param framed the start line and header section when they framed, so that the request can be
     *     answered; {@code null} when even they could not be framed
     */
    record Malformed(int offset, String reason, int status, SipMessage framed) implements ParseResult {
        public Malformed {
            Objects.requireNonNull(reason, "reason");
        }

        Malformed(int offset, String reason) {
            this(offset, reason, 400, null);
        }

        /**
         * The framed request when it can be answered with {@link #status()} (RFC 3261 §8.2): it is a
         * request, not an ACK, and it has a Via header field. That Via may itself be the defect, so
         * the answer goes to the source address and port of the datagram (RFC 3581 §4 behaviour),
         * never to the Via's sent-by. Empty for responses and for input that never framed: those
         * are dropped and counted.
         */
        public Optional<SipMessage> answerable() {
            if (framed == null || !framed.isRequest() || framed.method() == SipMethod.ACK
                    || framed.headerIndex(HeaderName.VIA) < 0) {
                return Optional.empty();
            }
            return Optional.of(framed);
        }
    }

    /** A datagram of nothing but CRLFs: a keep-alive (RFC 5626 §3.5.1), to be ignored. */
    record KeepAlive() implements ParseResult {
    }
}
