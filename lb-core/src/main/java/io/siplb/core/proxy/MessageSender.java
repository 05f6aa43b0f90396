package io.siplb.core.proxy;

import io.siplb.core.sip.SipWritable;

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

    /** Hears that a message could not be delivered to its peer (RFC 3261 §8.1.3.1, §18.4). */
    @FunctionalInterface
    interface TransportFailure {
        void failed(Throwable cause);
    }
}
