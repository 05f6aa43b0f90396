package io.siplb.core.proxy;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import io.siplb.core.dispatch.CallLoad;
import io.siplb.core.dispatch.Destination;
import io.siplb.core.transaction.ProxyCounters;
import io.siplb.core.transaction.TransactionTables;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * The state every event loop shares: the transaction tables ({@link TransactionTables}), dialog
 * affinity (Call-ID to destination, from an INVITE's 2xx until its BYE is answered, or
 * {@code siplb.dialogs.affinity-expiry} without traffic for a dialog never seen to end), call
 * load, and whether the balancer is draining.
 */
public final class ProxyTables {
    private final TransactionTables transactions;
    final Cache<String, Destination> dialogs;
    final CallLoad callLoad;
    private volatile boolean draining;
    private volatile boolean handover;
    /** Until when (System.nanoTime) another process may share our UDP port; 0 for never. */
    private volatile long sharedUntilNanos;

    public ProxyTables(ProxySettings settings, Ticker ticker) {
        this.transactions = new TransactionTables(settings.linger(), settings.maxTransactions(), ticker);
        this.dialogs = Caffeine.newBuilder()
                .ticker(ticker)
                .executor(Runnable::run) // maintenance on the loop that wrote, not a woken pool thread
                .maximumSize(Math.max(10_000, settings.maxTransactions() * 10L))
                .expireAfterAccess(settings.affinityExpiry())
                .build();
        this.callLoad = new CallLoad(Duration.ofMinutes(5), Duration.ofHours(2),
                Math.max(10_000, settings.maxTransactions() * 10L), ticker);
    }

    /** The transactions of every loop. */
    public TransactionTables transactions() {
        return transactions;
    }

    public ProxyCounters counters() {
        return transactions.counters();
    }

    public CallLoad callLoad() {
        return callLoad;
    }

    /** Server transactions in the table now (live and lingering). */
    public long serverTransactionCount() {
        return transactions.serverTransactionCount();
    }

    /** Server transactions still waiting for a final response. */
    public int liveServerTransactions() {
        return transactions.liveServerTransactions();
    }

    /** Whether a dialog with {@code callId} was answered through this balancer and not yet expired. */
    public boolean knowsDialog(CharSequence callId) {
        return callId != null && dialogs.getIfPresent(callId.toString()) != null;
    }

    /** The destination of the dialog with {@code callId}, or {@code null}. */
    Destination dialog(String callId) {
        return dialogs.getIfPresent(callId);
    }

    /** Remembers that the dialog of {@code callId} goes through {@code destination} (its INVITE got a 2xx). */
    void dialogAnswered(CharSequence callId, Destination destination) {
        dialogs.put(callId.toString(), destination);
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

    /**
     * Live dialogs per destination, by {@link Destination#key()}: one pass over the dialog table, for what
     * operators look at (a draining destination's count falling to 0), not for the message path.
     */
    public Map<String, Integer> dialogsByDestination() {
        Map<String, Integer> counts = new HashMap<>();
        dialogs.asMap().values().forEach(d -> counts.merge(d.key(), 1, Integer::sum));
        return counts;
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

    /**
     * Says that another process holds our UDP port too, for {@code window} from now: a predecessor
     * draining after a restart ({@code SO_REUSEPORT}). Until then the kernel hands some of the
     * responses meant for one process to the other, which relays them on statelessly; a
     * transaction that heard nothing may have been answered, so silence takes no destination
     * down meanwhile ({@link FailureMarking}).
     */
    public void sharePort(Duration window) {
        sharedUntilNanos = System.nanoTime() + window.toNanos();
    }

    /** Whether another process may still share our UDP port ({@link #sharePort}). */
    public boolean sharesPort() {
        long until = sharedUntilNanos;
        return until != 0 && System.nanoTime() - until < 0;
    }

    /** Expires what is due; the transport calls it periodically. */
    public void cleanUp() {
        transactions.cleanUp();
        dialogs.cleanUp();
        callLoad.cleanUp();
    }
}
