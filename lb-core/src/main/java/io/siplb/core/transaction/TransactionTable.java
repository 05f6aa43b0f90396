package io.siplb.core.transaction;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

/**
 * One kind of transaction (server or client) by key: the live ones in a plain concurrent map,
 * the finished ones in a Caffeine cache that keeps each for the linger and holds at most its bound.
 *
 * <p>A live transaction is never evicted and never expires: its flow's own timers end it, after a
 * branch may have rung for minutes. Live and finished transactions used to share one cache, the
 * live ones weighing nothing; Caffeine's admission window then walked past every live one at its
 * head on each write, so that with 5 000 calls ringing for 5 s each call cost a third to a half
 * more CPU.
 *
 * <p>{@link #put} moves a transaction that has finished into the cache before taking it out of
 * the map, so that a lookup from another loop in between finds it in one of the two.
 */
final class TransactionTable<T> {
    private final Map<TransactionKey, T> live = new ConcurrentHashMap<>();
    private final Cache<TransactionKey, T> lingering;
    private final Predicate<T> finished;

    /**
     * @param bound the most finished transactions kept (the least useful go first beyond it)
     * @param finished whether a transaction has finished: it then only lingers
     */
    TransactionTable(Ticker ticker, long bound, Duration linger, Predicate<T> finished) {
        this.finished = finished;
        this.lingering = Caffeine.newBuilder()
                .ticker(ticker)
                .executor(Runnable::run) // maintenance on the loop that wrote, not a woken pool thread
                .maximumSize(bound)
                .expireAfterWrite(linger)
                .build();
    }

    /** Keeps {@code transaction} under {@code key}: live, or (finished) for the linger from now. */
    void put(TransactionKey key, T transaction) {
        if (finished.test(transaction)) {
            lingering.put(key, transaction);
            live.remove(key, transaction);
        } else {
            live.put(key, transaction);
        }
    }

    /** The transaction under {@code key}, live or lingering; {@code null} for none. */
    T getIfPresent(TransactionKey key) {
        T transaction = live.get(key);
        return transaction != null ? transaction : lingering.getIfPresent(key);
    }

    /** Forgets the transaction under {@code key}. */
    void invalidate(TransactionKey key) {
        live.remove(key);
        lingering.invalidate(key);
    }

    /** Live and lingering transactions, after expiring what is due. */
    long size() {
        lingering.cleanUp();
        return live.size() + lingering.estimatedSize();
    }

    /** Expires what is due. */
    void cleanUp() {
        lingering.cleanUp();
    }
}
