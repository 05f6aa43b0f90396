package io.siplb.core.transaction;

import io.siplb.core.net.MessageSender;
import io.siplb.core.net.Peer;
import io.siplb.core.sip.ParseResult;
import io.siplb.core.sip.SipMessage;
import io.siplb.core.sip.Via;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Objects;
import reactor.core.scheduler.Scheduler;

/**
 * One event loop's transaction layer (RFC 3261 §17), where every parsed message enters the proxy
 * core: a request goes to the {@link ServerTransactions} (a retransmission, a CANCEL or the ACK
 * of our failure ends there) and what is new goes up to the {@link TransactionUser}; a response
 * goes to its {@link ClientTransaction} by our Via branch, else, when ours, is relayed
 * statelessly (a 2xx retransmission), else is discarded (§18.1.2); a malformed message is answered
 * or dropped, counted either way.
 *
 * <p>Threading: runs on its loop, which also runs its scheduler: the transport hands each
 * response to the loop its branch names ({@link Branches#loopOf}), so a transaction is only ever
 * handled where it lives.
 */
public final class TransactionLayer {
    private final ProxyCounters counters;
    private final ServerTransactions server;
    private final ClientTransactions client;
    private final TransactionUser user;

    /**
     * @param loop this loop's number, written in its branches
     * @param t1 RFC 3261's T1 ({@code siplb.sip.t1}); T2 is 4 s
     * @param cancelWait how long a CANCEL we send waits for its 200 before it is forgotten
     * @param user what new requests and the ACKs of 2xx go up to
     */
    public TransactionLayer(TransactionTables tables, MessageSender sender, Scheduler scheduler, int loop,
            Duration t1, Duration cancelWait, TransactionUser user) {
        this.counters = Objects.requireNonNull(tables, "tables").counters;
        Objects.requireNonNull(scheduler, "scheduler");
        this.user = Objects.requireNonNull(user, "user");
        Duration t2 = Duration.ofSeconds(4);
        this.server = new ServerTransactions(tables, sender, scheduler, t1, t2);
        this.client = new ClientTransactions(tables, sender, scheduler, new Branches(loop), t1, t2, cancelWait,
                server::relayStateless);
    }

    /** Handles one datagram's parse result from {@code source}. */
    public void receive(ParseResult result, InetSocketAddress source) {
        receive(result, Peer.udp(source));
    }

    /** Handles one message's parse result from {@code source} (a datagram, or a frame of a stream). */
    public void receive(ParseResult result, Peer source) {
        if (result instanceof ParseResult.Parsed parsed) {
            SipMessage message = parsed.message();
            if (message.isRequest()) {
                onRequest(message, source);
            } else {
                onResponse(message);
            }
        } else if (result instanceof ParseResult.Malformed malformed) {
            server.onMalformed(malformed, source);
        } else {
            counters.keepAlives.increment();
        }
    }

    private void onRequest(SipMessage request, Peer source) {
        counters.requests.increment();
        counters.requestsByMethod.get(request.method()).increment();
        switch (request.method()) {
            case ACK -> {
                if (!server.absorbAck(request)) {
                    user.onAck(request, source);
                }
            }
            case CANCEL -> server.onCancel(request, source);
            default -> {
                ServerTransaction transaction = server.receive(request, source);
                if (transaction != null) {
                    user.onRequest(transaction);
                }
            }
        }
    }

    private void onResponse(SipMessage response) {
        counters.responses.increment();
        Via via = response.topVia();
        if (!Branches.isOurs(via.branch())) {
            counters.strayResponses.increment(); // not our Via: RFC 3261 §18.1.2 says discard
            return;
        }
        if (!client.onResponse(response)) {
            server.relayStateless(response);
        }
    }

    /** The server side: answers, flows started, responses upstream. */
    public ServerTransactions server() {
        return server;
    }

    /** The client side: requests to destinations. */
    public ClientTransactions client() {
        return client;
    }
}
