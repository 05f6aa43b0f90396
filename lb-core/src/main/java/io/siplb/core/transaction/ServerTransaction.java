package io.siplb.core.transaction;

import io.netty.buffer.ByteBuf;
import io.siplb.core.net.Peer;
import io.siplb.core.sip.SipMessage;
import io.siplb.core.sip.SipWritable;
import reactor.core.Disposable;

/**
 * A request received from upstream (RFC 3261 §17.2): the response last sent for it, so that a
 * retransmitted request is answered again instead of forwarded again, and the flow working on
 * it, so that a CANCEL can reach it.
 *
 * <p>Threading: the loop that received the request owns it and alone writes it. A CANCEL, an ACK
 * or a retransmission from another source port can land on another loop and find it in the
 * table: the fields such a loop reads are volatile, and a CANCEL or an ACK is handed to the
 * owner ({@link ServerTransactions}) rather than acted on where it landed.
 */
public final class ServerTransaction {
    final TransactionKey key;
    /** The request; cleared once the final response is sent (a lingering transaction needs none). */
    SipMessage request;
    /** Where the request came from: transport, address, connection. */
    final Peer source;
    /** Where its responses go: the connection it came on, or by the Via rules over UDP. */
    final Peer upstream;
    final String toTag;
    // read by other loops (a CANCEL or retransmission from another source port): volatile
    volatile SipWritable lastResponse;
    volatile boolean finalSent;
    volatile int finalStatus;
    volatile RequestFlow flow;
    volatile Disposable subscription;
    /** Timer G: resends a non-2xx final to an INVITE until its ACK (RFC 3261 §17.2.1). */
    volatile Disposable retransmission;
    /** When its flow started, on the owning loop's clock ({@link ServerTransactions#finishObserver}). */
    long startedNanos;
    /** The server side (event loop) that owns this transaction, once started. */
    volatile ServerTransactions owner;

    ServerTransaction(TransactionKey key, SipMessage request, Peer source, Peer upstream, String toTag) {
        this.key = key;
        this.request = request;
        this.source = source;
        this.upstream = upstream;
        this.toTag = toTag;
    }

    /** The request as received; {@code null} once the final response went upstream. */
    public SipMessage request() {
        return request;
    }

    /** Where the request came from. */
    public Peer source() {
        return source;
    }

    /** The To tag of the responses this proxy answers it with itself. */
    public String toTag() {
        return toTag;
    }

    /** Whether its final response went upstream. */
    public boolean finished() {
        return finalSent;
    }

    /**
     * Keeps only what a finished transaction needs while it lingers — the last response, where to
     * send it, the final status — so that a table of lingering transactions stays small.
     */
    void finish(SipWritable finalResponse, int status) {
        finalSent = true;
        finalStatus = status;
        lastResponse = finalResponse;
        request = null;
        flow = null;
        subscription = null;
    }

    /** The ACK came (or Timer H fired): stop resending the final. On the owning loop. */
    void acknowledged() {
        Disposable timer = retransmission;
        if (timer != null) {
            timer.dispose();
            retransmission = null;
        }
    }

    /** A response kept as its bytes alone, for retransmission. */
    record Bytes(byte[] bytes) implements SipWritable {
        @Override
        public int byteCount() {
            return bytes.length;
        }

        @Override
        public void writeTo(ByteBuf out) {
            out.writeBytes(bytes);
        }
    }
}
