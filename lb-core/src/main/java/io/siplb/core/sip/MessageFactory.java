package io.siplb.core.sip;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Builds the messages a stateful proxy originates: responses to a request (RFC 3261 §8.2.6), the
 * ACK for a non-2xx final response (§17.1.1.3) and the CANCEL of a forwarded INVITE (§9.1).
 * Header values are copied byte for byte from the messages they derive from.
 */
public final class MessageFactory {

    private MessageFactory() {
    }

    /**
     * A response to {@code request} (RFC 3261 §8.2.6.2): every Via, From, To, Call-ID and CSeq
     * copied, a To tag added to a non-100 response whose To has none, {@code Content-Length: 0}.
     *
     * @param request the request answered; it may be one that failed validation, in which case
     *     what is there is copied as it is
     * @param status 100..699
     * @param reason the reason phrase (UTF-8)
     * @param toTag the tag to add to To when it lacks one; {@code null} adds none
     * @param extraHeaders whole header lines without CRLF, such as {@code Retry-After: 5}
     */
    public static SipMessage response(SipMessage request, int status, String reason, String toTag,
            String... extraHeaders) {
        Objects.requireNonNull(request, "request");
        Objects.requireNonNull(reason, "reason");
        if (!request.isRequest()) {
            throw new IllegalArgumentException("only a request can be answered");
        }
        if (status < 100 || status > 699) {
            throw new IllegalArgumentException("status " + status + " is not 100..699");
        }
        Writer out = new Writer(request.byteCount());
        out.text("SIP/2.0 " + status + " ").text(reason.replace('\r', ' ').replace('\n', ' ')).crlf();
        for (int k = request.nextHeaderIndex(HeaderName.VIA, 0); k >= 0;
                k = request.nextHeaderIndex(HeaderName.VIA, k + 1)) {
            out.copyLine(request, k);
        }
        out.copyLines(request, HeaderName.FROM);
        NameAddress to = request.to();
        int toIndex = request.headerIndex(HeaderName.TO);
        if (toIndex >= 0 && to != null && to.tag() == null && toTag != null && status > 100) {
            out.text("To: ").value(request, toIndex).text(";tag=" + toTag).crlf();
        } else {
            out.copyLines(request, HeaderName.TO);
        }
        out.copyLines(request, HeaderName.CALL_ID);
        out.copyLines(request, HeaderName.CSEQ);
        if (status == 100) {
            out.copyLines(request, HeaderName.TIMESTAMP); // RFC 3261 §8.2.6.1
        }
        for (String header : extraHeaders) {
            out.text(header).crlf();
        }
        out.text("Content-Length: 0").crlf().crlf();
        return out.toMessage();
    }

    /**
     * A UAS's response that establishes a dialog (RFC 3261 §12.1.1): as
     * {@link #response(SipMessage, int, String, String, String...)}, with the request's
     * Record-Route copied in order and {@code contact} as the Contact. For the demo's and the
     * warm-up's callees.
     *
     * @param contact the Contact's URI, without angle brackets
     */
    public static SipMessage dialogResponse(SipMessage request, int status, String reason, String toTag,
            String contact) {
        Objects.requireNonNull(contact, "contact");
        List<String> headers = new ArrayList<>();
        for (int k = request.nextHeaderIndex(HeaderName.RECORD_ROUTE, 0); k >= 0;
                k = request.nextHeaderIndex(HeaderName.RECORD_ROUTE, k + 1)) {
            headers.add("Record-Route: " + request.headerValue(k));
        }
        headers.add("Contact: <" + contact + ">");
        return response(request, status, reason, toTag, headers.toArray(String[]::new));
    }

    /**
     * The reason phrase siplb writes for a final failure {@code status} it sends itself (RFC 3261
     * §21): the RFC's phrase for the common ones, {@code fallback} for the rest.
     */
    public static String reasonPhrase(int status, String fallback) {
        return switch (status) {
            case 403 -> "Forbidden";
            case 404 -> "Not Found";
            case 408 -> "Request Timeout";
            case 480 -> "Temporarily Unavailable";
            case 500 -> "Server Internal Error";
            case 503 -> "Service Unavailable";
            case 504 -> "Server Time-out";
            default -> fallback;
        };
    }

    /**
     * {@code 100 Trying}, sent at once for every INVITE (RFC 3261 §16.2, §17.2.1): written straight
     * from the INVITE's bytes when sent ({@link TryingResponse}), the same octets as
     * {@code response(invite, 100, "Trying", null)}.
     */
    public static SipWritable trying(SipMessage invite) {
        Objects.requireNonNull(invite, "invite");
        return new TryingResponse(invite);
    }

    /**
     * {@code 503 Service Unavailable} with Retry-After (RFC 3261 §21.5.4), for load shedding and
     * an exhausted destination set.
     */
    public static SipMessage serviceUnavailable(SipMessage request, String toTag, int retryAfterSeconds) {
        if (retryAfterSeconds < 0) {
            throw new IllegalArgumentException("Retry-After " + retryAfterSeconds + " is negative");
        }
        return response(request, 503, "Service Unavailable", toTag, "Retry-After: " + retryAfterSeconds);
    }

    /**
     * The ACK for a non-2xx final {@code response} to the forwarded {@code invite}
     * (RFC 3261 §17.1.1.3): same Request-URI, Call-ID, From, CSeq number and top Via as the INVITE,
     * the response's To, the INVITE's Route set.
     */
    public static SipMessage ackFor(SipMessage invite, SipMessage response) {
        Objects.requireNonNull(response, "response");
        if (response.isRequest() || response.statusCode() < 300) {
            throw new IllegalArgumentException("an ACK is built here only for a non-2xx final response");
        }
        return hopByHop(invite, "ACK", response);
    }

    /**
     * The CANCEL of the forwarded {@code invite} (RFC 3261 §9.1): same Request-URI, Call-ID, To,
     * From, CSeq number and top Via, the INVITE's Route set.
     */
    public static SipMessage cancelFor(SipMessage invite) {
        return hopByHop(invite, "CANCEL", invite);
    }

    private static SipMessage hopByHop(SipMessage invite, String method, SipMessage toSource) {
        Objects.requireNonNull(invite, "invite");
        if (invite.method() != SipMethod.INVITE) {
            throw new IllegalArgumentException("expected the forwarded INVITE, got " + invite.methodName());
        }
        CSeq cseq = invite.cseq();
        int via = invite.headerIndex(HeaderName.VIA);
        if (cseq == null || via < 0 || invite.topVia() == null) {
            throw new IllegalArgumentException("the INVITE has no valid CSeq or Via");
        }
        Writer out = new Writer(invite.byteCount());
        out.text(method + " ").text(invite.requestUriText().toString()).text(" SIP/2.0").crlf();
        out.text("Via: ").text(invite.topVia().toString()).crlf();
        out.copyLines(invite, HeaderName.ROUTE);
        out.text("Max-Forwards: 70").crlf();
        out.copyLines(invite, HeaderName.FROM);
        out.copyLines(toSource, HeaderName.TO);
        out.copyLines(invite, HeaderName.CALL_ID);
        out.text("CSeq: " + cseq.number() + " " + method).crlf();
        out.text("Content-Length: 0").crlf().crlf();
        return out.toMessage();
    }

    /** Accumulates one message. */
    private static final class Writer {
        private final ByteArrayOutputStream out;

        Writer(int sizeHint) {
            out = new ByteArrayOutputStream(Math.min(sizeHint, 1024));
        }

        Writer text(String text) {
            out.writeBytes(text.getBytes(StandardCharsets.UTF_8));
            return this;
        }

        Writer crlf() {
            out.write('\r');
            out.write('\n');
            return this;
        }

        Writer value(SipMessage message, int k) {
            int from = message.valueStart(k);
            out.write(message.rawBytes(), from, message.valueEnd(k) - from);
            return this;
        }

        /** Copies header line {@code k} as written, its CRLF and any folds included. */
        Writer copyLine(SipMessage message, int k) {
            int from = message.headerStart(k);
            out.write(message.rawBytes(), from, message.lineEnd(k) - from);
            return this;
        }

        Writer copyLines(SipMessage message, HeaderName name) {
            for (int k = message.nextHeaderIndex(name, 0); k >= 0; k = message.nextHeaderIndex(name, k + 1)) {
                copyLine(message, k);
            }
            return this;
        }

        SipMessage toMessage() {
            byte[] bytes = out.toByteArray();
            ParseResult result = SipParser.OWN_OUTPUT.frame(bytes, bytes.length);
            if (result instanceof ParseResult.Parsed parsed) {
                return parsed.message();
            }
            throw new IllegalStateException("built an unframable message: " + result);
        }
    }
}
