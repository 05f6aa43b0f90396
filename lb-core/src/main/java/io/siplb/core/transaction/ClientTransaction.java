package io.siplb.core.transaction;

import io.siplb.core.net.MessageSender;
import io.siplb.core.net.Peer;
import io.siplb.core.sip.MessageFactory;
import io.siplb.core.sip.SipMessage;
import io.siplb.core.sip.SipMethod;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Scheduler;

/**
 * One request sent to one destination (RFC 3261 §17.1): over UDP retransmitted on Timer A
 * (T1 doubling; for non-INVITE capped at T2) until a response comes; over a stream sent once, a
 * transport failure ending the wait at once; the ACK for a non-2xx final
 * response to an INVITE sent here (§17.1.1.3), every response handed to the subscriber. How long
 * to wait is the subscriber's business ({@code fr_timer}, {@code fr_inv_timer}): it cancels.
 *
 * <p>After the subscriber is gone the transaction lingers in the {@link ClientTransactions}' table, so
 * that a retransmitted or late non-2xx final is absorbed (and ACKed) rather than relayed.
 * Everything here runs on the owning loop's scheduler.
 */
public final class ClientTransaction {
    enum State { CALLING, PROCEEDING, COMPLETED, TERMINATED }

    private final ClientTransactions owner;
    private final TransactionTables tables;
    /** Its key in the client transaction table: branch and CSeq method (RFC 3261 §17.1.3). */
    private final TransactionKey key;
    private final SipMessage request;
    private final Peer destination;
    private final boolean invite;
    private final Scheduler scheduler;
    /** Who waits for the responses; {@code null} before the request is sent and once they gave up. */
    private Waiter waiter;
    private Disposable retransmission;
    private long intervalMillis;
    private State state = State.CALLING;
    private boolean cancelSent;
    private Consumer<SipMessage> lateSuccess;
    private boolean provisional;
    private SipMessage ack;

    ClientTransaction(ClientTransactions owner, String branch, SipMessage request, Peer destination,
            Scheduler scheduler) {
        this.owner = owner;
        this.tables = owner.tables();
        this.request = request;
        this.destination = destination;
        this.invite = request.method() == SipMethod.INVITE;
        this.key = TransactionKey.client(branch, request.cseq().methodName());
        this.scheduler = scheduler;
    }

    SipMessage request() {
        return request;
    }

    Peer destination() {
        return destination;
    }

    State state() {
        return state;
    }

    /** Whether it got its final response or was given up: it only lingers now. */
    boolean finished() {
        return state == State.COMPLETED || state == State.TERMINATED;
    }

    /**
     * Who hears the responses of a transaction it started: every provisional, then the final or a
     * failure (exactly one of the two). All on the owning loop.
     */
    public interface Waiter {
        void provisional(SipMessage response);

        void finalResponse(SipMessage response);

        void failed(Throwable cause);
    }

    /**
     * Sends the request and tells {@code waiting} its responses until it {@link #abandon}s: no Flux,
     * no queue — one call per response on the loop that received it.
     */
    public void start(Waiter waiting) {
        waiter = waiting;
        tables.client.put(key, this);
        owner.sender().send(request, destination, sendFailure());
        if (!destination.transport().reliable()) { // Timer A and E run over UDP only (§17.1.1.2)
            intervalMillis = owner.t1().toMillis();
            scheduleRetransmission();
        }
    }

    /** Every response to the request; subscribing sends it, cancelling stops retransmissions. */
    Flux<SipMessage> responses() {
        return Flux.create(emitter -> {
            emitter.onDispose(this::abandon);
            start(new Waiter() {
                @Override
                public void provisional(SipMessage response) {
                    emitter.next(response);
                }

                @Override
                public void finalResponse(SipMessage response) {
                    emitter.next(response);
                    emitter.complete();
                }

                @Override
                public void failed(Throwable cause) {
                    emitter.error(cause);
                }
            });
        });
    }

    /**
     * Who hears that a copy could not be sent. Over a connection, the transaction (it fails over
     * at once). Over UDP only when there is no UDP transport at all: a datagram the kernel would
     * not send (a firewall's EPERM, a full buffer's ENOBUFS) is a lost datagram like any other — counted by the sender, recovered by
     * Timer A/E, given up on by the transaction's timers — not an answer: taken as one, one
     * dropped BYE was a 408 upstream and one dropped INVITE a healthy destination marked down.
     */
    private MessageSender.TransportFailure sendFailure() {
        return destination.transport().reliable() ? this::transportFailed : this::datagramNotSent;
    }

    private void datagramNotSent(Throwable cause) {
        if (cause instanceof MessageSender.NoTransport) {
            transportFailed(cause); // nothing to send over at all: no retransmission will help
        }
    }

    /**
     * The request could not be delivered (no connection, a reset, a TLS handshake that failed):
     * the wait ends at once with a {@link TransportError}, as RFC 3261 §8.1.3.1 treats it like a 503.
     */
    private void transportFailed(Throwable cause) {
        if (cause instanceof MessageSender.ConnectionLost && state != State.CALLING) {
            return; // answered already: the rest may come on a new connection, or the timers end it
        }
        Waiter waiting = waiter;
        if (waiting != null && (state == State.CALLING || state == State.PROCEEDING)) {
            waiter = null;
            waiting.failed(new TransportError(destination, cause));
        }
    }

    /** A request that the transport could not deliver to its destination. */
    public static final class TransportError extends RuntimeException {
        private static final long serialVersionUID = 1L;

        TransportError(Peer destination, Throwable cause) {
            super("cannot reach " + destination + ": " + cause, cause, false, false);
        }
    }

    private void scheduleRetransmission() {
        retransmission = scheduler.schedule(this::retransmit, intervalMillis, TimeUnit.MILLISECONDS);
    }

    private void retransmit() {
        if (state != State.CALLING && !(state == State.PROCEEDING && !invite)) {
            return;
        }
        owner.sender().send(request, destination, sendFailure());
        owner.countRetransmission();
        long t2 = owner.t2().toMillis();
        intervalMillis = invite ? intervalMillis * 2
                : state == State.PROCEEDING ? t2 : Math.min(intervalMillis * 2, t2);
        scheduleRetransmission();
    }

    /** Who hears a 2xx that arrives after the subscriber gave up on this transaction. */
    public void onLateSuccess(Consumer<SipMessage> listener) {
        this.lateSuccess = listener;
    }

    /** A response whose top Via carries our branch. Runs on the owning loop. */
    void onResponse(SipMessage response) {
        int status = response.statusCode();
        if (state == State.TERMINATED && invite && status < 200) {
            // a branch we gave up on (silence, then failover) starts ringing: stop it (§9.1)
            owner.cancel(this);
            return;
        }
        if (state == State.COMPLETED || state == State.TERMINATED) {
            if (invite && status >= 300) {
                sendAck(response); // a retransmitted or late final: ACK it again, relay nothing
            } else if (invite && status >= 200 && state == State.TERMINATED) {
                state = State.COMPLETED; // its retransmissions are relayed statelessly from now on
                tables.client.invalidate(key);
                if (lateSuccess != null) {
                    lateSuccess.accept(response);
                } else {
                    owner.relayLate(response); // a 2xx is always forwarded (RFC 3261 §16.7 step 5)
                }
            }
            return;
        }
        if (status < 200) {
            if (invite && retransmission != null) {
                retransmission.dispose(); // Timer A stops on a provisional (§17.1.1.2)
            }
            state = State.PROCEEDING;
            provisional = true;
            emit(response);
            return;
        }
        stopRetransmitting();
        if (invite && status >= 300) {
            sendAck(response);
        }
        state = State.COMPLETED;
        if (invite && status < 300) {
            tables.client.invalidate(key); // later 2xx retransmissions are relayed statelessly
        } else {
            tables.client.put(key, this); // the table re-evaluates its expiry: the linger
        }
        Waiter subscriber = waiter;
        if (subscriber != null) {
            waiter = null; // told once: the waiter's end abandons a completed transaction, a no-op
            subscriber.finalResponse(response);
        }
    }

    private void emit(SipMessage response) {
        if (waiter != null) {
            waiter.provisional(response);
        }
    }

    private void sendAck(SipMessage response) {
        if (ack == null) {
            ack = MessageFactory.ackFor(request, response);
        }
        owner.sender().send(ack, destination);
    }

    /** The waiter gave up (timeout, CANCEL, the flow ended): stop, but linger for late replies. */
    public void abandon() {
        stopRetransmitting();
        if (state == State.CALLING || state == State.PROCEEDING) {
            state = State.TERMINATED;
            tables.client.put(key, this); // the table re-evaluates its expiry: the linger
        }
        waiter = null;
    }

    private void stopRetransmitting() {
        if (retransmission != null) {
            retransmission.dispose();
            retransmission = null;
        }
    }

    /** Whether someone still waits for this transaction's responses. */
    public boolean awaited() {
        return waiter != null;
    }

    /**
     * Ends the wait with a {@link java.util.concurrent.TimeoutException}: a CANCELled branch sent
     * no final within 64·T1 (RFC 3261 §9.1). A no-op once nobody waits any more.
     */
    public void giveUp() {
        Waiter waiting = waiter;
        if (waiting != null) {
            waiter = null;
            waiting.failed(new TimeoutException("no final response 64*T1 after the CANCEL"));
        }
    }

    /** Records that this INVITE is being CANCELled; false when it was already. */
    boolean markCancelled() {
        if (cancelSent) {
            return false;
        }
        cancelSent = true;
        return true;
    }

    /** Whether a CANCEL of this INVITE has gone out. */
    public boolean cancelSent() {
        return cancelSent;
    }

    /**
     * Whether a provisional came in and no final yet: only then may the request be CANCELled
     * (RFC 3261 §9.1). Stays true after the subscriber gives up, so a timed-out branch can be.
     */
    public boolean proceeding() {
        return provisional && state != State.COMPLETED;
    }

}
