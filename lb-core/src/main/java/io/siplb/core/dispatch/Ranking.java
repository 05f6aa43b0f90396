package io.siplb.core.dispatch;

import io.netty.util.concurrent.FastThreadLocal;
import java.util.Arrays;

/**
 * Orders the destinations of one selection by a key, highest first, ties in the order they were
 * offered (set order). The arrays are per thread, so ranking a set allocates only the plan it
 * fills.
 *
 * <p>Offering is O(1); the order is found when the plan is built, and only as far as the plan
 * reaches: the first few by repeated selection (O(n) each, nothing moved), a longer plan by a
 * stable merge sort of the offered positions (O(n log n)). Ranking every offer by insertion, as
 * this class did, cost O(n²) on every call whatever the limit: 1.36 ms a call at 1 000
 * destinations, more than a loop has at 1 500 calls/s.
 */
final class Ranking {
    private static final FastThreadLocal<Ranking> PER_THREAD = new FastThreadLocal<>() {
        @Override
        protected Ranking initialValue() {
            return new Ranking();
        }
    };

    /** Up to this many leading places are found by selection; beyond, the offers are sorted. */
    private static final int SELECTED = 16;

    private long[] keys = new long[64];
    private Destination[] items = new Destination[64];
    private int[] order = new int[64];
    private int[] scratch = new int[64];
    private int size;

    private Ranking() {
    }

    /** This thread's ranking, emptied, with room for {@code capacity} destinations. */
    static Ranking start(int capacity) {
        Ranking ranking = PER_THREAD.get();
        if (ranking.keys.length < capacity) {
            ranking.keys = new long[capacity];
            ranking.items = new Destination[capacity];
            ranking.order = new int[capacity];
            ranking.scratch = new int[capacity];
        }
        ranking.size = 0;
        return ranking;
    }

    void offer(Destination destination, long key) {
        if (size == keys.length) { // a set that grew since start() was sized
            keys = Arrays.copyOf(keys, size * 2);
            items = Arrays.copyOf(items, size * 2);
            order = new int[size * 2];
            scratch = new int[size * 2];
        }
        keys[size] = key;
        items[size] = destination;
        size++;
    }

    int size() {
        return size;
    }

    /** How many offers share the highest key (the first places, before any rotation). */
    int topTies() {
        if (size == 0) {
            return 0;
        }
        long best = keys[0];
        int ties = 1;
        for (int i = 1; i < size; i++) {
            if (keys[i] > best) {
                best = keys[i];
                ties = 1;
            } else if (keys[i] == best) {
                ties++;
            }
        }
        return ties;
    }

    /**
     * A plan of the ranked destinations (at most {@code limit}), rotating the first {@code rotate}
     * of them by {@code turn}; the ranking is then emptied so it keeps no destination alive.
     */
    FailoverPlan toPlan(int limit, int rotate, long turn) {
        FailoverPlan plan = new FailoverPlan(FailoverPlan.capacity(size, limit), false);
        int places = Math.min(size, Math.max(FailoverPlan.capacity(size, limit), rotate));
        arrange(places);
        int shift = rotate <= 1 ? 0 : (int) Math.floorMod(turn, (long) rotate);
        for (int i = 0; i < places && !plan.full(); i++) {
            plan.add(items[order[i < rotate ? (i + shift) % rotate : i]]);
        }
        Arrays.fill(items, 0, size, null);
        size = 0;
        return plan;
    }

    /** The first {@code places} offers in rank order; the ranking is then emptied. */
    Destination[] ordered(int places) {
        int count = Math.min(places, size);
        arrange(count);
        Destination[] out = new Destination[count];
        for (int i = 0; i < count; i++) {
            out[i] = items[order[i]];
        }
        Arrays.fill(items, 0, size, null);
        size = 0;
        return out;
    }

    /** Puts the offer positions of the first {@code places} places, in rank order, into {@link #order}. */
    private void arrange(int places) {
        if (places <= SELECTED) {
            // each place: the best offer that ranks after the one before (key descending, then
            // offer order); the order is total, so nothing needs marking
            long lastKey = Long.MAX_VALUE;
            int lastIndex = -1;
            for (int place = 0; place < places; place++) {
                int best = -1;
                for (int i = 0; i < size; i++) {
                    long key = keys[i];
                    boolean after = key < lastKey || key == lastKey && i > lastIndex;
                    if (after && (best < 0 || key > keys[best])) {
                        best = i; // ties keep the earliest: i ascends
                    }
                }
                order[place] = best;
                lastKey = keys[best];
                lastIndex = best;
            }
            return;
        }
        for (int i = 0; i < size; i++) {
            order[i] = i;
        }
        mergeSort(0, size);
    }

    /** Stable merge sort of {@code order[from, to)} by key, highest first. */
    private void mergeSort(int from, int to) {
        if (to - from < 2) {
            return;
        }
        if (to - from <= 12) { // insertion sort: short runs, stable
            for (int i = from + 1; i < to; i++) {
                int moving = order[i];
                int j = i;
                while (j > from && keys[order[j - 1]] < keys[moving]) {
                    order[j] = order[j - 1];
                    j--;
                }
                order[j] = moving;
            }
            return;
        }
        int middle = (from + to) >>> 1;
        mergeSort(from, middle);
        mergeSort(middle, to);
        if (keys[order[middle - 1]] >= keys[order[middle]]) {
            return; // already in order
        }
        System.arraycopy(order, from, scratch, from, to - from);
        int left = from;
        int right = middle;
        for (int out = from; out < to; out++) {
            if (right >= to || left < middle && keys[scratch[left]] >= keys[scratch[right]]) {
                order[out] = scratch[left++];
            } else {
                order[out] = scratch[right++];
            }
        }
    }
}
