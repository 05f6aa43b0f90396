package io.siplb.core.dispatch;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The usable destinations of one set as of one moment, in set order, with their URI hashes side
 * by side: what a selection over a large set walks instead of asking each destination of the set
 * whether it is usable (three objects read per destination, every call).
 *
 * <p>A view is valid while the usability epoch is the one it was taken at. Everything that
 * {@link Destination#usable()} reads is written only where the epoch is then advanced: a
 * destination's or target's state and operator hold ({@link DestinationRuntime}'s
 * {@code request}, {@code adopt}, {@code set}), its DNS targets and its drain (their setters there),
 * and a set's panic ({@link SetHealth#assess}). Those fields are private to the classes that
 * advance the epoch, so a new way of changing them goes through the same place. The epoch is one
 * for the process: a change in any set renews every set's view at its next selection, which
 * costs a walk of that set — changes of state are rare beside calls.
 *
 * <p>A writer changes the field and then advances the epoch; a reader reads the epoch and then the
 * fields. A view taken at epoch {@code e} may therefore already hold a later change, never miss
 * one made before {@code e} was read, and a selection that reads a later epoch takes a new view.
 */
final class UsableView {
    private static final AtomicLong EPOCH = new AtomicLong();

    private final long epoch;
    private final Destination[] destinations;
    private final long[] uriHashes;

    private UsableView(long epoch, Destination[] destinations, long[] uriHashes) {
        this.epoch = epoch;
        this.destinations = destinations;
        this.uriHashes = uriHashes;
    }

    /** The usability epoch now. */
    static long epoch() {
        return EPOCH.get();
    }

    /** Says that something a destination's usability depends on has just changed. */
    static void changed() {
        EPOCH.incrementAndGet();
    }

    /** The usable ones of {@code all}, in that order, as of {@code epoch} (read before this call). */
    static UsableView of(Destination[] all, long epoch) {
        Destination[] usable = new Destination[all.length];
        long[] hashes = new long[all.length];
        int count = 0;
        for (Destination d : all) {
            if (d.usable()) {
                usable[count] = d;
                hashes[count] = d.uriHash();
                count++;
            }
        }
        return count == all.length
                ? new UsableView(epoch, usable, hashes)
                : new UsableView(epoch, Arrays.copyOf(usable, count), Arrays.copyOf(hashes, count));
    }

    /** Whether nothing has changed usability since this view was taken. */
    boolean current(long epochNow) {
        return epoch == epochNow;
    }

    /** How many destinations were usable. */
    int size() {
        return destinations.length;
    }

    /** The usable destination at {@code index}, in set order. */
    Destination get(int index) {
        return destinations[index];
    }

    /** The URI hash of {@link #get(int) get(index)}. */
    long uriHash(int index) {
        return uriHashes[index];
    }
}
