package io.siplb.core.dispatch;

/**
 * Whether one set is in panic: failures, not an operator, have left fewer than
 * {@code siplb.dispatch.panic-threshold} percent of its destinations usable, and the set is routed
 * as if every destination not disabled (nor taken down by an operator, nor without an address)
 * were usable — Envoy's "healthy panic threshold". A transient (a CPU-starved moment in which each
 * destination had one attempt time out) then costs the calls it costs, not every call until the
 * next probe. One per set id, kept across reloads so that an episode is counted once.
 */
public final class SetHealth {
    private volatile boolean panic;
    private volatile int usable;
    private volatile int counted;
    private long episodes;

    /** A set not in panic. */
    SetHealth() {
    }

    /** Whether the set is routed as if its failed destinations were usable. */
    public boolean panic() {
        return panic;
    }

    /** Usable destinations at the last assessment. */
    public int usable() {
        return usable;
    }

    /** Destinations that count at the last assessment: all but those disabled or held down by an operator. */
    public int counted() {
        return counted;
    }

    /** Panic episodes since start. */
    public synchronized long episodes() {
        return episodes;
    }

    /**
     * Takes a new count; returns {@code +1} when the set enters panic, {@code -1} when it leaves,
     * {@code 0} otherwise.
     *
     * @param percent the threshold, 0 (never) to 100
     */
    synchronized int assess(int usableNow, int countedNow, int percent) {
        usable = usableNow;
        counted = countedNow;
        boolean next = percent > 0 && countedNow > 0 && usableNow * 100L < (long) percent * countedNow;
        if (next == panic) {
            return 0;
        }
        panic = next;
        UsableView.changed();
        if (next) {
            episodes++;
            return 1;
        }
        return -1;
    }
}
