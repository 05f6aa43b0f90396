package io.siplb.core.net;

import io.siplb.core.sip.SipWritable;
import java.io.IOException;

/**
 * Sends one SIP message to one peer. The transport implements it — UDP datagrams from the loop's
 * socket, stream connections found by flow or address, opened when there is none — and tests
 * implement it with a list. Sending never throws for a network fault: it is reported to
 * {@code failure} (on the sending proxy's loop) and counted, and a caller that gives none loses
 * the message as UDP would.
 */
public interface MessageSender {
    void send(SipWritable message, Peer to, TransportFailure failure);

    /** Sends without hearing of a failure (responses, ACKs: nothing would fail over on them). */
    default void send(SipWritable message, Peer to) {
        send(message, to, null);
    }

    /**
     * The peer at the far end of the open connection {@code flow} (a client's own connection,
     * named by the {@code flow} of our Record-Route or Path), or {@code null} when it is closed or
     * unknown: a WebSocket client is then out of reach (430 Flow Failed, RFC 5626 §5.3).
     */
    default Peer connected(long flow) {
        return null;
    }

    /**
     * The connection a request went out on closed before any response came: a request that is
     * still unanswered fails over at once; one that got a provisional waits for its timers, since
     * its final may come on a new connection (RFC 3261 §18.2.2).
     */
    final class ConnectionLost extends IOException {
        private static final long serialVersionUID = 1L;

        public ConnectionLost(String message) {
            super(message);
        }
    }

    /**
     * There is no transport to send over at all (a UDP destination and no UDP listener): not a
     * lost datagram that a retransmission may recover, so a request fails over at once.
     */
    final class NoTransport extends IOException {
        private static final long serialVersionUID = 1L;

        public NoTransport(String message) {
            super(message);
        }
    }

    /** Hears that a message could not be delivered to its peer (RFC 3261 §8.1.3.1, §18.4). */
    @FunctionalInterface
    interface TransportFailure {
        void failed(Throwable cause);
    }
}
