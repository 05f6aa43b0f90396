package io.siplb.core.transaction;

import com.github.benmanes.caffeine.cache.Ticker;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The transactions of every event loop ({@link TransactionTable}: live ones until their flows end
 * them, finished ones for {@code siplb.transactions.linger}, at most twice
 * {@code siplb.transactions.max} of those), and the counters of the proxy core.
 *
 * <p>Threading: a transaction is written only by the loop that owns it (the one that received
 * the request, or that sent the request a response answers, {@link Branches}). Another loop that
 * finds it here reads its volatile fields (to answer a retransmission) and hands everything else
 * to the owner: a CANCEL, the ACK that stops Timer G.
 */
public final class TransactionTables {
    final TransactionTable<ServerTransaction> server;
    final TransactionTable<ClientTransaction> client;
    /** Server transactions still waiting for a final response. */
    final AtomicInteger live = new AtomicInteger();
    final ProxyCounters counters = new ProxyCounters();

    /**
     * @param linger how long a finished transaction stays to absorb retransmissions
     * @param maxTransactions {@code siplb.transactions.max}; finished ones are bounded at twice it
     */
    public TransactionTables(Duration linger, int maxTransactions, Ticker ticker) {
        long bound = Math.max(1024, maxTransactions * 2L);
        this.server = new TransactionTable<>(ticker, bound, linger, ServerTransaction::finished);
        this.client = new TransactionTable<>(ticker, bound, linger, ClientTransaction::finished);
    }

    public ProxyCounters counters() {
        return counters;
    }

    /** Server transactions in the table now (live and lingering). */
    public long serverTransactionCount() {
        return server.size();
    }

    /** Server transactions still waiting for a final response. */
    public int liveServerTransactions() {
        return live.get();
    }

    /** Expires what is due; the transport calls it periodically. */
    public void cleanUp() {
        server.cleanUp();
        client.cleanUp();
    }
}
