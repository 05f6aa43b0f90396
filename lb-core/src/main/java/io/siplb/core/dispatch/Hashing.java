package io.siplb.core.dispatch;

/**
 * The hashes behind the hash algorithms: FNV-1a over the characters of the key, finished with
 * the MurmurHash3 64-bit mixer so that keys differing in one character spread over all bits.
 * Keys are hashed piecewise (user, host, port) without building a string.
 *
 * <p>The values differ from Kamailio's own additive hash, so a Kamailio user gets the same rule
 * (hash modulo the set size, then the next usable destination) but not the same mapping of a
 * given Call-ID to a given destination.
 */
public final class Hashing {
    static final long SEED = 0xcbf29ce484222325L;
    private static final long PRIME = 0x100000001b3L;

    private Hashing() {
    }

    /** Feeds the characters of {@code text} into {@code hash}. */
    static long add(long hash, CharSequence text) {
        long h = hash;
        for (int i = 0, n = text.length(); i < n; i++) {
            h = (h ^ text.charAt(i)) * PRIME;
        }
        return h;
    }

    /** Feeds one character. */
    static long add(long hash, char c) {
        return (hash ^ c) * PRIME;
    }

    /** Feeds the decimal digits of {@code value}. */
    static long add(long hash, int value) {
        long h = hash;
        int divisor = 1;
        while (value / divisor >= 10) {
            divisor *= 10;
        }
        for (; divisor > 0; divisor /= 10) {
            h = add(h, (char) ('0' + value / divisor % 10));
        }
        return h;
    }

    /** MurmurHash3's fmix64: every input bit affects every output bit. */
    static long finish(long h) {
        long x = h;
        x ^= x >>> 33;
        x *= 0xff51afd7ed558ccdL;
        x ^= x >>> 33;
        x *= 0xc4ceb9fe1a85ec53L;
        x ^= x >>> 33;
        return x;
    }

    static long hash(CharSequence text) {
        return finish(add(SEED, text));
    }

    /** The hash of two values in turn (Kamailio's {@code dispatcher.hash} RPC takes one or two). */
    public static long hash(CharSequence first, CharSequence second) {
        return finish(add(add(SEED, first), second));
    }

    /** The rendezvous (highest random weight) score of a destination for a key. */
    static long score(long keyHash, long destinationHash) {
        return finish(keyHash ^ destinationHash * 0x9E3779B97F4A7C15L);
    }

    /** {@code hash} reduced to {@code [0, n)} without the bias of a signed modulo. */
    public static int index(long hash, int n) {
        return (int) Long.remainderUnsigned(hash, n);
    }
}
