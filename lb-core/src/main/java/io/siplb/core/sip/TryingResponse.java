package io.siplb.core.sip;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;

/**
 * The {@code 100 Trying} for an INVITE (RFC 3261 §8.2.6.1, §16.2), written straight from the
 * INVITE's bytes into the outgoing buffer: its Via lines, From, To (no tag on a 100), Call-ID,
 * CSeq and Timestamp as received, then {@code Content-Length: 0}. Byte for byte what
 * {@link MessageFactory#response} builds for status 100, without the text, copy and re-framing
 * in between: it is sent for every INVITE.
 */
final class TryingResponse implements SipWritable {
    private static final byte[] STATUS_LINE = "SIP/2.0 100 Trying\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] END = "Content-Length: 0\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final HeaderName[] COPIED = {HeaderName.VIA, HeaderName.FROM, HeaderName.TO, HeaderName.CALL_ID,
        HeaderName.CSEQ, HeaderName.TIMESTAMP};

    private final SipMessage invite;
    private final int byteCount;

    TryingResponse(SipMessage invite) {
        this.invite = invite;
        int count = STATUS_LINE.length + END.length;
        for (HeaderName name : COPIED) {
            for (int k = invite.nextHeaderIndex(name, 0); k >= 0; k = invite.nextHeaderIndex(name, k + 1)) {
                count += invite.lineEnd(k) - invite.headerStart(k);
            }
        }
        this.byteCount = count;
    }

    @Override
    public int byteCount() {
        return byteCount;
    }

    @Override
    public void writeTo(ByteBuf out) {
        byte[] raw = invite.rawBytes();
        out.writeBytes(STATUS_LINE);
        for (HeaderName name : COPIED) {
            for (int k = invite.nextHeaderIndex(name, 0); k >= 0; k = invite.nextHeaderIndex(name, k + 1)) {
                out.writeBytes(raw, invite.headerStart(k), invite.lineEnd(k) - invite.headerStart(k));
            }
        }
        out.writeBytes(END);
    }
}
