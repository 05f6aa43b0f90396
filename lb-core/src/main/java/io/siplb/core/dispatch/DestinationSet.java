package io.siplb.core.dispatch;

import java.util.List;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The destinations of one set, ordered as Kamailio orders them: by priority, highest first;
 * among equal priorities the line read last comes first (Kamailio inserts each line at the head
 * of its priority group). Round-robin and weight cursors belong to the set.
 */
public final class DestinationSet {
    private final int id;
    private final Destination[] destinations;
    private final AtomicLong turns = new AtomicLong();
    /**
     * Round-robin cursors, one per thread stripe (each event loop selects on its own thread), each
     * on a cache line of its own: loops dispatching into one set do not contend for one counter.
     */
    private final AtomicIntegerArray roundRobin = new AtomicIntegerArray(STRIPES * STRIDE);
    private static final int STRIPES = 64;
    /** Ints per cursor: 64 octets, a cache line, so two cursors never share one. */
    private static final int STRIDE = 16;
    /** Its usable destinations as of the last selection or count that needed them ({@link UsableView}). */
    private volatile UsableView usable;

    DestinationSet(int id, Destination[] ordered) {
        this.id = id;
        this.destinations = ordered;
    }

    public int id() {
        return id;
    }

    /** How many destinations the set has, usable or not. */
    public int size() {
        return destinations.length;
    }

    /** The destination at {@code index} in set order. */
    public Destination get(int index) {
        return destinations[index];
    }

    /** The destinations in set order. */
    public List<Destination> destinations() {
        return List.of(destinations);
    }

    /** Whether {@code destination} is one of this set's (the same object, this snapshot). */
    boolean holds(Destination destination) {
        for (Destination d : destinations) {
            if (d == destination) {
                return true;
            }
        }
        return false;
    }

    /** How many destinations are usable now. */
    public int usableCount() {
        return usable().size();
    }

    /**
     * Its usable destinations now, in set order: the view of an earlier selection while no
     * destination's usability can have changed since, else a new one.
     */
    UsableView usable() {
        long epoch = UsableView.epoch();
        UsableView view = usable;
        if (view == null || !view.current(epoch)) {
            view = UsableView.of(destinations, epoch);
            usable = view;
        }
        return view;
    }

    /** The next value of the set's turn counter (weights, latency ties). */
    long nextTurn() {
        return turns.getAndIncrement();
    }

    /**
     * Kamailio's round-robin step: start where the last selection left off, take the first usable
     * destination from there, and leave the cursor just after it. A down destination's turn thus
     * passes to the next usable one once, not twice. Each thread keeps its own cursor (threads are
     * spread over 64 stripes by id; two that share one share its cursor), so every event loop
     * goes round the set on its own and together they spread evenly, without a counter that every
     * loop's selection contends for.
     *
     * @return the index chosen, or -1 when nothing is usable
     */
    int nextRoundRobin() {
        int n = destinations.length;
        int slot = (int) (Thread.currentThread().getId() & (STRIPES - 1)) * STRIDE;
        while (true) {
            int last = roundRobin.get(slot);
            int chosen = nextUsable(last % n);
            if (chosen < 0) {
                return -1;
            }
            if (roundRobin.compareAndSet(slot, last, (chosen + 1) % n)) {
                return chosen;
            }
        }
    }

    /** Index of the first usable destination at or after {@code from}, wrapping; -1 when none. */
    int nextUsable(int from) {
        int n = destinations.length;
        for (int step = 0; step < n; step++) {
            int i = (from + step) % n;
            if (destinations[i].usable()) {
                return i;
            }
        }
        return -1;
    }

    Destination[] array() {
        return destinations;
    }
}
