package io.siplb.core.transaction;

import io.siplb.core.net.Peer;
import io.siplb.core.sip.SipMessage;

/**
 * What the transaction layer hands up (RFC 3261 §17: the transaction user): a request that is
 * neither a retransmission, a CANCEL nor the ACK of one of our failure responses, and the ACK of
 * a 2xx, which belongs to the dialog, not to a transaction (§13.2.2.4). Called on the loop that
 * received the message; the user answers through {@link ServerTransactions}.
 */
public interface TransactionUser {
    /**
     * A new request: {@code transaction} is not in the table yet. The user either answers it
     * ({@link ServerTransactions#reply}), starts a flow on it ({@link ServerTransactions#start}),
     * or drops it; only a started one absorbs retransmissions.
     */
    void onRequest(ServerTransaction transaction);

    /** An ACK that matched none of our non-2xx finals: the ACK of a 2xx, end to end. */
    void onAck(SipMessage ack, Peer source);
}
