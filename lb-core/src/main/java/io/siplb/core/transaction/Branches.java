package io.siplb.core.transaction;

import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The branch parameters this balancer puts in its Via (RFC 3261 §8.1.1.7): the magic cookie,
 * {@code sl}, two hex digits naming the event loop that owns the transaction, eight random hex
 * digits drawn for each set of branches, then a counter. A response's branch thus says, without a
 * shared map, that it is ours and which loop it belongs to. The random part is drawn per set, not
 * per process: two balancers in one JVM (tests, an embedding application) counted the same
 * branches on the same loop number, and a destination that matches retransmissions by branch
 * answered one balancer's new INVITE with the other's old 200.
 */
public final class Branches {
    /** Every branch of ours starts with this. */
    public static final String PREFIX = "z9hG4bKsl";
    private static final int LOOP_DIGITS = 2;

    private final String head;
    private final AtomicLong counter = new AtomicLong();

    /** Branches for loop {@code loop} (0..255). */
    public Branches(int loop) {
        if (loop < 0 || loop > 255) {
            throw new IllegalArgumentException("loop " + loop + " is not 0..255");
        }
        String random = String.format("%08x", ThreadLocalRandom.current().nextInt());
        this.head = PREFIX + String.format("%02x", loop) + random;
    }

    /** The random part of the ACK branches ({@link #forAck}): the same on every loop, so every copy agrees. */
    private static final int PROCESS = ThreadLocalRandom.current().nextInt();

    /** A new branch, unique to this set and, with high probability, to every other set and process. */
    public String next() {
        return head + Long.toHexString(counter.incrementAndGet());
    }

    /**
     * The branch for a forwarded ACK of a 2xx, the same for every copy of it (RFC 3261 §16.11:
     * what is forwarded statelessly gets the same branch again when it comes again). It is derived
     * from the ACK's own top Via branch, Call-ID and CSeq number; a random branch per copy made a
     * retransmitted ACK look like a new request to a UAS that matches retransmissions by their
     * bytes (SIPp aborts the call on it). Loop digits {@code ff}: no response ever comes to it.
     */
    public static String forAck(CharSequence upstreamBranch, CharSequence callId, long cseq) {
        long hash = 0xcbf29ce484222325L; // FNV-1a, 64 bits
        for (CharSequence part : new CharSequence[] {upstreamBranch == null ? "" : upstreamBranch, callId}) {
            for (int i = 0; i < part.length(); i++) {
                hash = (hash ^ part.charAt(i)) * 0x100000001b3L;
            }
            hash = (hash ^ 0x1f) * 0x100000001b3L;
        }
        hash = (hash ^ cseq) * 0x100000001b3L;
        return PREFIX + "ff" + String.format("%08x", PROCESS) + "a" + Long.toHexString(hash);
    }

    /** Whether {@code branch} is one of ours. */
    public static boolean isOurs(CharSequence branch) {
        if (branch == null || branch.length() < PREFIX.length() + LOOP_DIGITS) {
            return false;
        }
        for (int i = 0; i < PREFIX.length(); i++) {
            if (branch.charAt(i) != PREFIX.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    /** The loop that owns {@code branch}, or -1 when it is not ours. */
    public static int loopOf(CharSequence branch) {
        if (!isOurs(branch)) {
            return -1;
        }
        int hi = Character.digit(branch.charAt(PREFIX.length()), 16);
        int lo = Character.digit(branch.charAt(PREFIX.length() + 1), 16);
        return hi < 0 || lo < 0 ? -1 : hi * 16 + lo;
    }
}
