package io.siplb.core.proxy;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.Ticker;
import io.siplb.core.dispatch.CallLoad;
import io.siplb.core.dispatch.Destination;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The state every event loop shares: transactions (server and client, Caffeine, expiring),
 * dialog affinity (Call-ID to destination, from an INVITE's 2xx until its BYE is answered, or
 * {@code siplb.dialogs.affinity-expiry} without traffic for a dialog never seen to end), call load
 * and counters. A transaction's own fields
 * are touched only by the loop that owns it; the tables are how the others find it.
 */
public final class ProxyTables {
    final Cache<TransactionKey, ServerTransaction> serverTransactions;
    final Cache<TransactionKey, ClientTransaction> clientTransactions;
    final Cache<String, Destination> dialogs;
    final CallLoad callLoad;
    final ProxyCounters counters = new ProxyCounters();
    final AtomicInteger liveServerTransactions = new AtomicInteger();
    private volatile boolean draining;
    private volatile boolean handover;

    public ProxyTables(ProxySettings settings, Ticker ticker) {
        long linger = settings.linger().toNanos();
        // A live transaction never expires and weighs nothing, so neither time (a branch may ring
        // for several fr_inv_timer periods) nor a burst of finished ones can evict it; its flow's
        // own timers end it. Finished ones weigh 1 and last the linger: the bound is on them.
        long live = Long.MAX_VALUE;
        long bound = Math.max(1024, settings.maxTransactions() * 2L);
        this.serverTransactions = Caffeine.newBuilder()
                .ticker(ticker)
                .executor(Runnable::run) // maintenance on the loop that wrote, not a woken pool thread
                .maximumWeight(bound)
                .weigher((TransactionKey key, ServerTransaction t) -> t.finished() ? 1 : 0)
                .expireAfter(new Lifetime<ServerTransaction>(live, linger) {
                    @Override
                    boolean finished(ServerTransaction t) {
                        return t.finished();
                    }
                })
                .build();
        this.clientTransactions = Caffeine.newBuilder()
                .ticker(ticker)
                .executor(Runnable::run) // maintenance on the loop that wrote, not a woken pool thread
                .maximumWeight(bound)
                .weigher((TransactionKey key, ClientTransaction t) -> t.state() == ClientTransaction.State.COMPLETED
                        || t.state() == ClientTransaction.State.TERMINATED ? 1 : 0)
                .expireAfter(new Lifetime<ClientTransaction>(live, linger) {
                    @Override
                    boolean finished(ClientTransaction t) {
                        return t.state() == ClientTransaction.State.COMPLETED
                                || t.state() == ClientTransaction.State.TERMINATED;
                    }
                })
                .build();
        this.dialogs = Caffeine.newBuilder()
                .ticker(ticker)
                .executor(Runnable::run) // maintenance on the loop that wrote, not a woken pool thread
                .maximumSize(Math.max(10_000, settings.maxTransactions() * 10L))
                .expireAfterAccess(settings.affinityExpiry())
                .build();
        this.callLoad = new CallLoad(Duration.ofMinutes(5), Duration.ofHours(2),
                Math.max(10_000, settings.maxTransactions() * 10L), ticker);
    }

    public ProxyCounters counters() {
        return counters;
    }

    public CallLoad callLoad() {
        return callLoad;
    }

    /** Server transactions in the table now (live and lingering). */
    public long serverTransactionCount() {
        serverTransactions.cleanUp();
        return serverTransactions.estimatedSize();
    }

    /** Server transactions still waiting for a final response. */
    public int liveServerTransactions() {
        return liveServerTransactions.get();
    }

    /** Whether a dialog with {@code callId} was answered through this balancer and not yet expired. */
    public boolean knowsDialog(CharSequence callId) {
        return callId != null && dialogs.getIfPresent(callId.toString()) != null;
    }

    /**
     * Forgets the dialog of {@code callId}: it ended (its BYE was answered). Its affinity entry is
     * kept only for dialogs never seen to end, until {@code siplb.dialogs.affinity-expiry}.
     */
    void forgetDialog(CharSequence callId) {
        if (callId != null) {
            dialogs.invalidate(callId.toString());
        }
    }

    /** Dialogs remembered, as Caffeine estimates it without a maintenance run (cheap: for the status page). */
    public long dialogEstimate() {
        return dialogs.estimatedSize();
    }

    public long dialogCount() {
        dialogs.cleanUp();
        return dialogs.estimatedSize();
    }

    /**
     * Stops taking new dialogs and transactions: from now on a request that would start one is
     * answered 503 with Retry-After, while requests of existing dialogs and every response still
     * go through (graceful shutdown).
     */
    public void drain() {
        draining = true;
    }

    /**
     * Drains for a successor: as {@link #drain()}, except that a new request over UDP is left
     * unanswered instead of refused, so the caller's retransmission (Timer A/E) reaches whichever
     * process holds the port next (restart; {@code siplb.shutdown.new-requests=handover}). Over a
     * connection, which nobody retransmits over, it is still refused.
     */
    public void drainForSuccessor() {
        handover = true;
        draining = true;
    }

    /** Whether the drain leaves new UDP requests unanswered for a successor. */
    public boolean handingOver() {
        return handover;
    }

    public boolean draining() {
        return draining;
    }

    /** Expires what is due; the transport calls it periodically. */
    public void cleanUp() {
        serverTransactions.cleanUp();
        clientTransactions.cleanUp();
        dialogs.cleanUp();
        callLoad.cleanUp();
    }

    /** Live entries last long enough for any answer; finished ones only the linger (re-put to apply). */
    private abstract static class Lifetime<T> implements Expiry<TransactionKey, T> {
        private final long live;
        private final long linger;

        Lifetime(long live, long linger) {
            this.live = live;
            this.linger = linger;
        }

        abstract boolean finished(T value);

        @Override
        public long expireAfterCreate(TransactionKey key, T value, long now) {
            return finished(value) ? linger : live;
        }

        @Override
        public long expireAfterUpdate(TransactionKey key, T value, long now, long left) {
            return finished(value) ? linger : live;
        }

        @Override
        public long expireAfterRead(TransactionKey key, T value, long now, long left) {
            return left;
        }
    }
}
