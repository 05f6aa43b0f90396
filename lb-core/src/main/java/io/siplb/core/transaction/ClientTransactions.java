package io.siplb.core.transaction;

import io.siplb.core.net.MessageSender;
import io.siplb.core.net.Peer;
import io.siplb.core.sip.MessageFactory;
import io.siplb.core.sip.SipMessage;
import io.siplb.core.sip.Via;
import java.time.Duration;
import java.util.function.Consumer;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * The client side of one event loop (RFC 3261 §17.1): starts client transactions toward
 * destinations with branches of this loop ({@link Branches}), matches responses to them by branch
 * and CSeq method, retransmits on the loop's scheduler, and CANCELs an INVITE as a transaction of
 * its own.
 */
public final class ClientTransactions {
    private final TransactionTables tables;
    private final MessageSender sender;
    private final Scheduler scheduler;
    private final Branches branches;
    private final Duration t1;
    private final Duration t2;
    private final Duration cancelWait;
    private final Consumer<SipMessage> lateRelay;

    ClientTransactions(TransactionTables tables, MessageSender sender, Scheduler scheduler, Branches branches,
            Duration t1, Duration t2, Duration cancelWait, Consumer<SipMessage> lateRelay) {
        this.tables = tables;
        this.sender = sender;
        this.scheduler = scheduler;
        this.branches = branches;
        this.t1 = t1;
        this.t2 = t2;
        this.cancelWait = cancelWait;
        this.lateRelay = lateRelay;
    }

    /** A fresh branch owned by this loop. */
    public String newBranch() {
        return branches.next();
    }

    /**
     * The responses to {@code request} (which carries our Via with {@code branch}) from
     * {@code destination}; subscribing sends it.
     */
    public Flux<SipMessage> transact(String branch, SipMessage request, Peer destination) {
        return create(branch, request, destination).responses();
    }

    /** A transaction not yet started, kept at hand (for a CANCEL): {@link ClientTransaction#start} sends it. */
    public ClientTransaction create(String branch, SipMessage request, Peer destination) {
        return new ClientTransaction(this, branch, request, destination, scheduler);
    }

    /**
     * Hands a response to its client transaction.
     *
     * @return false when no transaction of ours matches (the caller relays it statelessly)
     */
    boolean onResponse(SipMessage response) {
        Via via = response.topVia();
        if (via == null || via.branch() == null || response.cseq() == null) {
            return false;
        }
        ClientTransaction transaction = tables.client.getIfPresent(
                TransactionKey.client(via.branch(), response.cseq().methodName()));
        if (transaction == null) {
            return false;
        }
        transaction.onResponse(response);
        return true;
    }

    /**
     * Sends the CANCEL of {@code invite}'s request as a transaction of its own; its 200 is absorbed.
     *
     * @return false when that INVITE was CANCELled before (nothing is sent again)
     */
    public boolean cancel(ClientTransaction invite) {
        if (!invite.markCancelled()) {
            return false;
        }
        SipMessage cancel = MessageFactory.cancelFor(invite.request());
        transact(cancel.topVia().branch().toString(), cancel, invite.destination())
                .filter(response -> response.statusCode() >= 200).next()
                .timeout(cancelWait, scheduler)
                .onErrorResume(e -> Mono.empty())
                .subscribe();
        return true;
    }

    TransactionTables tables() {
        return tables;
    }

    /** A 2xx of a transaction nobody waits for any more: relayed upstream by its Via (§16.7 step 5). */
    void relayLate(SipMessage response) {
        lateRelay.accept(response);
    }

    void countRetransmission() {
        tables.counters.retransmissionsSent.increment();
    }

    MessageSender sender() {
        return sender;
    }

    Duration t1() {
        return t1;
    }

    Duration t2() {
        return t2;
    }
}
