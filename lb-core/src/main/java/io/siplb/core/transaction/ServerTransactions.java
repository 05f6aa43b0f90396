package io.siplb.core.transaction;

import io.netty.util.AsciiString;
import io.siplb.core.net.Peer;
import io.siplb.core.net.MessageSender;
import io.siplb.core.net.ResponseAddress;
import io.siplb.core.net.Transport;
import io.siplb.core.sip.MessageFactory;
import io.siplb.core.sip.NameAddress;
import io.siplb.core.sip.ParseResult;
import io.siplb.core.sip.SipMessage;
import io.siplb.core.sip.SipMethod;
import io.siplb.core.sip.SipWritable;
import io.siplb.core.sip.Via;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import reactor.core.Disposable;
import reactor.core.scheduler.Scheduler;

/**
 * The server side of one event loop (RFC 3261 §17.2): absorbs retransmitted requests by answering
 * them again, answers a CANCEL (200, or 481 when nothing matches) and hands it to the flow of its
 * INVITE, takes the ACK of our own failure responses, runs a started transaction's flow and
 * sends its outcome upstream, resends a non-2xx final to an INVITE on Timer G, and relays
 * provisional and stray 2xx responses upstream by the Via rules (§16.7, §18.2.2). Every response
 * upstream goes through {@link #respond}, which counts it.
 *
 * <p>Threading: runs on its loop; a transaction started here is written only here. A CANCEL or
 * an ACK for a transaction of another loop is handed to that loop.
 */
public final class ServerTransactions {
    private final TransactionTables tables;
    private final ProxyCounters counters;
    private final MessageSender sender;
    private final Scheduler scheduler;
    private final Duration t1;
    private final Duration t2;
    private volatile ResponseObserver responses = (status, to) -> { };
    private volatile FinishObserver finishes = (transaction, status, nanos) -> { };

    ServerTransactions(TransactionTables tables, MessageSender sender, Scheduler scheduler, Duration t1, Duration t2) {
        this.tables = tables;
        this.counters = tables.counters;
        this.sender = sender;
        this.scheduler = scheduler;
        this.t1 = t1;
        this.t2 = t2;
    }

    /** Hears every response the proxy sends upstream, relayed or its own (edge protection counts 401s). */
    @FunctionalInterface
    public interface ResponseObserver {
        void sent(int status, InetSocketAddress to);
    }

    /**
     * Hears every transaction started with a flow end, whichever way: its flow's outcome, a late
     * 2xx that ended it early, or the 500 of a flow that failed. Called once per transaction, on
     * its loop, before the final response goes upstream (the request is still there).
     */
    @FunctionalInterface
    public interface FinishObserver {
        /** {@code transaction} ends with {@code status}, {@code nanos} after its flow started. */
        void finished(ServerTransaction transaction, int status, long nanos);
    }

    /** Tells {@code observer} of every transaction a flow ran for as it ends; on this loop. */
    public void finishObserver(FinishObserver observer) {
        this.finishes = Objects.requireNonNull(observer, "observer");
    }

    /** Tells {@code observer} of every response sent upstream; on this loop. */
    public void responseObserver(ResponseObserver observer) {
        this.responses = Objects.requireNonNull(observer, "observer");
    }

    // ------------------------------------------------------------------ requests in

    /**
     * A request other than ACK and CANCEL: {@code null} when it retransmits a known one (answered
     * again with the last response, §17.2.1), else its new transaction, not yet in the table.
     */
    ServerTransaction receive(SipMessage request, Peer source) {
        TransactionKey key = key(request, request.method());
        ServerTransaction known = tables.server.getIfPresent(key);
        if (known != null) {
            counters.retransmissionsAbsorbed.increment();
            SipWritable last = known.lastResponse;
            if (last != null) {
                sender.send(last, known.upstream);
            }
            return null;
        }
        return new ServerTransaction(key, request, source, upstream(request.topVia(), source), newTag());
    }

    /**
     * Whether {@code ack} acknowledges a non-2xx final we sent (hop by hop, §17.2.1): Timer G
     * stops, on the loop that owns the INVITE. Any other ACK is the transaction user's.
     */
    boolean absorbAck(SipMessage ack) {
        ServerTransaction invite = tables.server.getIfPresent(key(ack, SipMethod.INVITE));
        if (invite == null || !invite.finalSent || invite.finalStatus < 300) {
            return false;
        }
        counters.retransmissionsAbsorbed.increment();
        onOwner(invite, invite::acknowledged);
        return true;
    }

    /**
     * RFC 3261 §16.10: a CANCEL is answered at once — 200 when its INVITE is known, else 481 — and
     * the INVITE's pending branches are cancelled on the loop that owns it, which a CANCEL from
     * another source port may not have reached.
     */
    void onCancel(SipMessage cancel, Peer source) {
        Peer upstream = upstream(cancel.topVia(), source);
        ServerTransaction invite = tables.server.getIfPresent(key(cancel, SipMethod.INVITE));
        if (invite == null) {
            respond(MessageFactory.response(cancel, 481, "Call/Transaction Does Not Exist", newTag()), upstream);
            return;
        }
        respond(MessageFactory.response(cancel, 200, "OK", invite.toTag), upstream);
        onOwner(invite, () -> {
            RequestFlow flow = invite.flow;
            if (!invite.finalSent && flow != null) {
                counters.cancels.increment();
                flow.cancel();
            }
        });
    }

    private void onOwner(ServerTransaction transaction, Runnable task) {
        ServerTransactions owner = transaction.owner;
        if (owner == null || owner == this) {
            task.run();
        } else {
            owner.scheduler.schedule(task);
        }
    }

    /** A message that did not parse: answered when it can be (§21.4.1), else dropped and counted. */
    void onMalformed(ParseResult.Malformed malformed, Peer source) {
        SipMessage request = malformed.answerable().orElse(null);
        if (request == null) {
            ProxyCounters.DropReason reason = malformed.status() == ParseResult.TOO_LARGE
                    ? ProxyCounters.DropReason.TOO_LARGE : ProxyCounters.DropReason.UNANSWERABLE;
            counters.malformedDropped.get(reason).increment();
            return;
        }
        SipMessage answer;
        try {
            answer = MessageFactory.response(request, malformed.status(), malformed.reason(), newTag());
        } catch (IllegalStateException | IllegalArgumentException e) {
            // what was framed of it is too broken to copy into an answer that itself frames
            counters.malformedDropped.get(ProxyCounters.DropReason.UNANSWERABLE).increment();
            return;
        }
        counters.malformedAnswered.increment();
        // the Via itself may be the defect: answer the datagram's source (ParseResult.answerable)
        respond(answer, source);
    }

    // ------------------------------------------------------------------ the transaction user's

    /** Answers a request that gets no flow (a refusal, a shed): not kept, a retransmission is decided again. */
    public void reply(ServerTransaction transaction, SipMessage response) {
        respond(response, transaction.upstream);
    }

    /** Same, with our own response of {@code status}. */
    public void reply(ServerTransaction transaction, int status, String reason, String... headers) {
        reply(transaction, MessageFactory.response(transaction.request, status, reason, transaction.toTag, headers));
    }

    /**
     * Starts {@code flow} on {@code transaction}: the transaction enters the table (it absorbs
     * retransmissions from now on), an INVITE is answered 100 Trying at once (§16.2), and the
     * flow's outcome goes upstream when it comes (500 if the flow fails).
     */
    public void start(ServerTransaction transaction, RequestFlow flow) {
        transaction.flow = flow;
        transaction.owner = this;
        transaction.startedNanos = scheduler.now(TimeUnit.NANOSECONDS);
        tables.server.put(transaction.key, transaction);
        tables.live.incrementAndGet();
        if (transaction.request.method() == SipMethod.INVITE) {
            SipWritable trying = MessageFactory.trying(transaction.request);
            transaction.lastResponse = trying;
            respond(trying, 100, transaction.upstream);
        }
        Disposable subscription = flow.run().subscribe(outcome -> finish(transaction, outcome),
                error -> finish(transaction, new RequestFlow.Outcome(MessageFactory.response(transaction.request,
                        500, "Server Internal Error", transaction.toTag), false)));
        if (!transaction.finalSent) {
            transaction.subscription = subscription; // a flow that ended at once needs no handle kept
        }
    }

    /** Relays a provisional response of a live branch upstream, remembered for retransmissions. */
    public void relayProvisional(ServerTransaction transaction, SipMessage response) {
        if (transaction.finalSent) {
            return;
        }
        SipWritable relayed = response.edit().popVia();
        transaction.lastResponse = relayed;
        respond(relayed, response.statusCode(), transaction.upstream);
    }

    /** Ends a transaction before its flow does (a late 2xx from an abandoned branch). */
    public void finishEarly(ServerTransaction transaction, RequestFlow.Outcome outcome) {
        Disposable subscription = transaction.subscription;
        finish(transaction, outcome);
        if (subscription != null) {
            subscription.dispose(); // stops the attempt in progress and its timers
        }
    }

    private void finish(ServerTransaction transaction, RequestFlow.Outcome outcome) {
        if (transaction.finalSent) {
            return;
        }
        tables.live.decrementAndGet();
        SipMessage response = outcome.response();
        finishes.finished(transaction, response.statusCode(),
                scheduler.now(TimeUnit.NANOSECONDS) - transaction.startedNanos);
        boolean invite = transaction.request.method() == SipMethod.INVITE;
        SipWritable upstream = outcome.relayed()
                ? new ServerTransaction.Bytes(response.edit().popVia().toByteArray()) : response;
        transaction.finish(upstream, response.statusCode());
        respond(upstream, response.statusCode(), transaction.upstream);
        tables.server.put(transaction.key, transaction); // from now on only the linger
        if (invite && response.statusCode() >= 300 && !transaction.upstream.transport().reliable()) {
            resendUntilAcknowledged(transaction, t1.toMillis(), 0);
        }
    }

    /**
     * Timer G (RFC 3261 §17.2.1): over UDP a non-2xx final to an INVITE is resent at T1, doubling
     * up to T2, until its ACK comes or Timer H (64·T1) gives up — the caller stopped resending its
     * INVITE after our 100 Trying, so nothing else would recover a lost final.
     */
    private void resendUntilAcknowledged(ServerTransaction transaction, long intervalMillis, long elapsedMillis) {
        long timerH = 64 * t1.toMillis();
        if (elapsedMillis + intervalMillis > timerH) {
            return;
        }
        transaction.retransmission = scheduler.schedule(() -> {
            if (transaction.retransmission == null) {
                return; // acknowledged meanwhile
            }
            sender.send(transaction.lastResponse, transaction.upstream);
            counters.retransmissionsSent.increment();
            resendUntilAcknowledged(transaction, Math.min(intervalMillis * 2, t2.toMillis()),
                    elapsedMillis + intervalMillis);
        }, intervalMillis, TimeUnit.MILLISECONDS);
    }

    // ------------------------------------------------------------------ responses up

    /** A response of ours with no transaction (2xx retransmissions, late 2xx): by the next Via (§16.7). */
    public void relayStateless(SipMessage response) {
        List<Via> vias = response.vias();
        if (vias == null || vias.size() < 2) {
            counters.strayResponses.increment();
            return;
        }
        InetSocketAddress next = ResponseAddress.fromVia(vias.get(1));
        Transport transport = Transport.fromToken(vias.get(1).transport());
        if (next == null || transport == null) {
            counters.strayResponses.increment(); // a name without received, broadcast, or SCTP
            return;
        }
        // over a stream the address is the connection's own (we add rport): the sender finds it
        respond(response.edit().popVia(), response.statusCode(), Peer.of(transport, next));
    }

    private void respond(SipMessage response, Peer to) {
        respond(response, response.statusCode(), to);
    }

    /** Sends a response upstream and counts it by class. */
    private void respond(SipWritable response, int status, Peer to) {
        counters.responseSent(status);
        responses.sent(status, to.address());
        sender.send(response, to);
    }

    // ------------------------------------------------------------------ helpers

    /**
     * Where the responses to a request from {@code source} go (RFC 3261 §18.2.2): over UDP by the
     * Via rules; over a stream back on its connection, and when that is gone on a new one to the
     * source's address and the sent-by port; over a WebSocket only on its connection (the client's
     * sent-by is a {@code .invalid} name, RFC 7118 §5.2).
     */
    static Peer upstream(Via via, Peer source) {
        if (!source.transport().reliable()) {
            return Peer.udp(ResponseAddress.forRequest(via, source.address()));
        }
        if (source.transport().webSocket()) {
            return source;
        }
        int port = via != null && via.port() > 0 ? via.port() : source.transport().secure() ? 5061 : 5060;
        return source.withAddress(new InetSocketAddress(source.address().getAddress(), port));
    }

    /**
     * The server transaction key (RFC 3261 §17.2.3): branch, sent-by and method; for RFC 2543
     * requests without a magic-cookie branch, the Call-ID, CSeq number, From tag and sent-by.
     */
    static TransactionKey key(SipMessage request, SipMethod method) {
        Via via = request.topVia();
        if (via.hasRfc3261Branch()) {
            return new TransactionKey(via.branch(), via.host(), via.port(), method.name());
        }
        NameAddress from = request.from();
        return new TransactionKey(AsciiString.of(request.callId() + "|" + request.cseq().number() + "|"
                + (from == null ? "" : from.tag())), via.host(), via.port(), method.name());
    }

    /** A fresh To tag for a response of our own. */
    public static String newTag() {
        return Long.toHexString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE);
    }
}
