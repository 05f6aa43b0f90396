package io.siplb.core.transaction;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.Ticker;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * The transactions of every event loop (Caffeine, expiring), and the counters of the proxy core.
 * A live transaction never expires and weighs nothing, so neither time (a branch may ring for
 * several {@code fr_inv_timer} periods) nor a burst of finished ones can evict it; its flow's own
 * timers end it. Finished ones weigh 1 and last {@code siplb.transactions.linger}: the bound is
 * on them.
 *
 * <p>Threading: a transaction is written only by the loop that owns it (the one that received
 * the request, or that sent the request a response answers, {@link Branches}). Another loop that
 * finds it here reads its volatile fields (to answer a retransmission) and hands everything else
 * to the owner: a CANCEL, the ACK that stops Timer G.
 */
public final class TransactionTables {
    final Cache<TransactionKey, ServerTransaction> server;
    final Cache<TransactionKey, ClientTransaction> client;
    /** Server transactions still waiting for a final response. */
    final AtomicInteger live = new AtomicInteger();
    final ProxyCounters counters = new ProxyCounters();

    /**
     * @param linger how long a finished transaction stays to absorb retransmissions
     * @param maxTransactions {@code siplb.transactions.max}; finished ones are bounded at twice it
     */
    public TransactionTables(Duration linger, int maxTransactions, Ticker ticker) {
        long lingerNanos = linger.toNanos();
        long bound = Math.max(1024, maxTransactions * 2L);
        this.server = table(ticker, bound, lingerNanos, ServerTransaction::finished);
        this.client = table(ticker, bound, lingerNanos, ClientTransaction::finished);
    }

    private static <T> Cache<TransactionKey, T> table(Ticker ticker, long bound, long lingerNanos,
            Predicate<T> finished) {
        return Caffeine.newBuilder()
                .ticker(ticker)
                .executor(Runnable::run) // maintenance on the loop that wrote, not a woken pool thread
                .maximumWeight(bound)
                .weigher((TransactionKey key, T t) -> finished.test(t) ? 1 : 0)
                .expireAfter(new Lifetime<T>(lingerNanos, finished))
                .build();
    }

    public ProxyCounters counters() {
        return counters;
    }

    /** Server transactions in the table now (live and lingering). */
    public long serverTransactionCount() {
        server.cleanUp();
        return server.estimatedSize();
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

    /** Live entries last long enough for any answer; finished ones only the linger (re-put to apply). */
    private static final class Lifetime<T> implements Expiry<TransactionKey, T> {
        private final long linger;
        private final Predicate<T> finished;

        Lifetime(long linger, Predicate<T> finished) {
            this.linger = linger;
            this.finished = finished;
        }

        @Override
        public long expireAfterCreate(TransactionKey key, T value, long now) {
            return finished.test(value) ? linger : Long.MAX_VALUE;
        }

        @Override
        public long expireAfterUpdate(TransactionKey key, T value, long now, long left) {
            return finished.test(value) ? linger : Long.MAX_VALUE;
        }

        @Override
        public long expireAfterRead(TransactionKey key, T value, long now, long left) {
            return left;
        }
    }
}
