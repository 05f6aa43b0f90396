package io.siplb.core.dispatch;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.RemovalCause;
import com.github.benmanes.caffeine.cache.Ticker;
import java.time.Duration;
import java.util.Objects;

/**
 * The calls counted against destinations for algorithm 10 (Kamailio's {@code ds_load_*}): one
 * entry per Call-ID, so a retransmitted or failed-over INVITE counts once. An INVITE forwarded to
 * a destination takes a unit of its load; a 2xx confirms the call; BYE, CANCEL or a failure
 * releases it. Entries that are never released expire — unconfirmed ones sooner — and give their
 * unit back, so a lost BYE cannot leak capacity.
 */
public final class CallLoad {
    /** Kamailio's {@code ds_hash_expire}: a confirmed call is forgotten after two hours. */
    public static final Duration DEFAULT_CONFIRMED_EXPIRY = Duration.ofHours(2);
    /** An INVITE never answered with a 2xx gives its unit back after this. */
    public static final Duration DEFAULT_UNCONFIRMED_EXPIRY = Duration.ofMinutes(5);

    private record Call(Destination destination, boolean confirmed) {
    }

    private final Cache<String, Call> calls;

    /** Calls counted at most; beyond, the oldest give their unit back early. */
    public static final long DEFAULT_MAXIMUM_CALLS = 1_000_000;

    /** With the default expiries and bound, and the system clock. */
    public CallLoad() {
        this(DEFAULT_UNCONFIRMED_EXPIRY, DEFAULT_CONFIRMED_EXPIRY, Ticker.systemTicker());
    }

    public CallLoad(Duration unconfirmedExpiry, Duration confirmedExpiry, Ticker ticker) {
        this(unconfirmedExpiry, confirmedExpiry, DEFAULT_MAXIMUM_CALLS, ticker);
    }

    /**
     * @param maximumCalls calls counted at most: a lost BYE can never grow the table without bound
     */
    public CallLoad(Duration unconfirmedExpiry, Duration confirmedExpiry, long maximumCalls, Ticker ticker) {
        long unconfirmed = unconfirmedExpiry.toNanos();
        long confirmed = confirmedExpiry.toNanos();
        this.calls = Caffeine.newBuilder()
                .ticker(Objects.requireNonNull(ticker, "ticker"))
                .executor(Runnable::run)
                .maximumSize(maximumCalls)
                .expireAfter(new Expiry<String, Call>() {
                    @Override
                    public long expireAfterCreate(String key, Call call, long now) {
                        return call.confirmed() ? confirmed : unconfirmed;
                    }

                    @Override
                    public long expireAfterUpdate(String key, Call call, long now, long left) {
                        return call.confirmed() ? confirmed : unconfirmed;
                    }

                    @Override
                    public long expireAfterRead(String key, Call call, long now, long left) {
                        return left;
                    }
                })
                .removalListener((String key, Call call, RemovalCause cause) -> {
                    // a replacement moves the unit itself (see acquire/confirm)
                    if (call != null && cause != RemovalCause.REPLACED) {
                        call.destination().runtime().load().decrementAndGet();
                    }
                })
                .build();
    }

    /** Counts call {@code callId} against {@code destination}, moving it from any earlier one. */
    public void acquire(CharSequence callId, Destination destination) {
        Objects.requireNonNull(destination, "destination");
        calls.asMap().compute(callId.toString(), (key, previous) -> {
            if (previous != null && previous.destination() == destination) {
                return previous;
            }
            if (previous != null) {
                previous.destination().runtime().load().decrementAndGet();
            }
            destination.runtime().load().incrementAndGet();
            return new Call(destination, false);
        });
    }

    /** The call was answered with a 2xx: keep it for the longer expiry. */
    public void confirm(CharSequence callId) {
        calls.asMap().computeIfPresent(callId.toString(),
                (key, call) -> call.confirmed() ? call : new Call(call.destination(), true));
    }

    /** The call ended (BYE, CANCEL) or failed: give its unit back. */
    public void release(CharSequence callId) {
        calls.invalidate(callId.toString());
    }

    /** The destination counting call {@code callId}, or {@code null}. */
    public Destination destinationOf(CharSequence callId) {
        Call call = calls.getIfPresent(callId.toString());
        return call == null ? null : call.destination();
    }

    /** Calls counted now. */
    public long size() {
        calls.cleanUp();
        return calls.estimatedSize();
    }

    /** Expires what is due; the transport calls it periodically. */
    public void cleanUp() {
        calls.cleanUp();
    }
}
