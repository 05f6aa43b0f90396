package io.siplb.core.dispatch;

import io.netty.util.concurrent.FastThreadLocal;

/**
 * Orders the destinations of one selection by a key, highest first, ties in the order they were
 * offered (set order). The arrays are per thread, so ranking a set allocates only the plan it
 * fills; sets are small, so insertion sort is the right tool.
 */
final class Ranking {
    private static final FastThreadLocal<Ranking> PER_THREAD = new FastThreadLocal<>() {
        @Override
        protected Ranking initialValue() {
            return new Ranking();
        }
    };

    private long[] keys = new long[64];
    private Destination[] items = new Destination[64];
    private int size;

    private Ranking() {
    }

    /** This thread's ranking, emptied, with room for {@code capacity} destinations. */
    static Ranking start(int capacity) {
        Ranking ranking = PER_THREAD.get();
        if (ranking.keys.length < capacity) {
            ranking.keys = new long[capacity];
            ranking.items = new Destination[capacity];
        }
        ranking.size = 0;
        return ranking;
    }

    void offer(Destination destination, long key) {
        int i = size++;
        while (i > 0 && keys[i - 1] < key) {
            keys[i] = keys[i - 1];
            items[i] = items[i - 1];
            i--;
        }
        keys[i] = key;
        items[i] = destination;
    }

    int size() {
        return size;
    }

    long key(int index) {
        return keys[index];
    }

    Destination get(int index) {
        return items[index];
    }

    /**
     * A plan of the ranked destinations (at most {@code limit}), rotating the first {@code rotate}
     * of them by {@code turn}; the ranking is then emptied so it keeps no destination alive.
     */
    FailoverPlan toPlan(int limit, int rotate, long turn) {
        FailoverPlan plan = new FailoverPlan(FailoverPlan.capacity(size, limit), false);
        int shift = rotate <= 1 ? 0 : (int) Math.floorMod(turn, (long) rotate);
        for (int i = 0; i < size; i++) {
            if (!plan.full()) {
                plan.add(i < rotate ? items[(i + shift) % rotate] : items[i]);
            }
        }
        java.util.Arrays.fill(items, 0, size, null);
        size = 0;
        return plan;
    }
}
