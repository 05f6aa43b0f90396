package io.siplb.core.dispatch;

/** The turn-to-slot permutation shared by the weight algorithms (9 and 11). */
final class WeightedSlots {
    /** 2^31 - 1, a prime above any total weight (weights are at most 10^6 each, 10^4 destinations). */
    private static final long PRIME = 2_147_483_647L;

    private WeightedSlots() {
    }

    /**
     * The slot in {@code [0, total)} for turn {@code turn}: a bijection on every run of
     * {@code total} consecutive turns, since the prime shares no factor with {@code total}.
     */
    static long slot(long turn, long total) {
        return Math.floorMod(turn, total) * (PRIME % total) % total;
    }
}
