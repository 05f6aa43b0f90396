package io.siplb.core.dispatch;

import java.util.function.ToIntFunction;

/** The turn-to-slot permutation shared by the weight algorithms (9 and 11). */
final class WeightedSlots {
    /** 2^31 - 1, a prime above any total weight (weights are at most 10^6 each, 10^4 destinations). */
    private static final long PRIME = 2_147_483_647L;

    private WeightedSlots() {
    }

    /**
     * Index of the destination owning the set's next weighted slot: weights from {@code weight},
     * counting only usable destinations when {@code usableOnly}. {@code -1} when the weights add
     * up to nothing.
     */
    static int choose(DestinationSet set, ToIntFunction<Destination> weight, boolean usableOnly) {
        Destination[] all = set.array();
        long total = 0;
        for (Destination d : all) {
            if (!usableOnly || d.usable()) {
                total += weight.applyAsInt(d);
            }
        }
        if (total == 0) {
            return -1;
        }
        long slot = slot(set.nextTurn(), total);
        long upTo = 0;
        for (int i = 0; i < all.length; i++) {
            if (!usableOnly || all[i].usable()) {
                upTo += weight.applyAsInt(all[i]);
                if (slot < upTo) {
                    return i;
                }
            }
        }
        return -1; // only if a weight changed under us: the caller falls back
    }

    /**
     * The slot in {@code [0, total)} for turn {@code turn}: a bijection on every run of
     * {@code total} consecutive turns, since the prime shares no factor with {@code total}.
     */
    static long slot(long turn, long total) {
        return Math.floorMod(turn, total) * (PRIME % total) % total;
    }
}
