package io.siplb.core.proxy;

import io.siplb.core.sip.SipMessage;
import io.siplb.core.sip.SipWritable;
import reactor.core.Disposable;

/**
 * A request received from upstream (RFC 3261 §17.2): the response last sent for it, so that a
 * retransmitted request is answered again instead of forwarded again, and the failover flow
 * working on it, so that a CANCEL can reach it.
 *
 * <p>Threading: its flow runs on the owning loop, which alone writes it. A CANCEL or a
 * retransmission from another source port can land on another loop and read it there: the
 * fields such a loop reads are volatile, and a CANCEL is handed to the owner
 * ({@link SipProxy}) rather than acted on where it landed.
 */
final class ServerTransaction {
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
    /** The proxy (event loop) that owns this transaction. */
    SipProxy owner;
    /**
     * The destination a request came from along our Path (RFC 3327: a registrar's request to a
     * client registered through us), whose dialog is Record-Routed back to it; else {@code null}.
     */
    io.siplb.core.dispatch.Destination pathFrom;

    ServerTransaction(TransactionKey key, SipMessage request, Peer source, Peer upstream,
            String toTag) {
        this.key = key;
        this.request = request;
        this.source = source;
        this.upstream = upstream;
        this.toTag = toTag;
    }

    boolean finished() {
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

    /** The ACK came (or Timer H fired): stop resending the final. */
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
        public void writeTo(io.netty.buffer.ByteBuf out) {
            out.writeBytes(bytes);
        }
    }
}
