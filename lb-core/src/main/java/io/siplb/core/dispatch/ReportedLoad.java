package io.siplb.core.dispatch;

/**
 * What a destination last said of its own load in a probe reply ({@code siplb.probe.load-header},
 * {@code siplb.probe.capacity-header}): FreeSWITCH's {@code X-FS-Calls}, say. It stands for the
 * destination's load until {@code expiresAtNanos}; the calls this node sent it since count on top,
 * so a burst between two probes is not missed.
 *
 * @param calls the calls it reported
 * @param capacity the most calls it said it takes, or -1 when it did not say
 * @param ownAtReport the calls this node counted against it when the report came
 * @param expiresAtNanos when the report stops counting ({@link System#nanoTime()}; {@code siplb.probe.load-ttl})
 */
public record ReportedLoad(int calls, int capacity, int ownAtReport, long expiresAtNanos) {

    /** Whether it still counts at {@code nowNanos}. */
    public boolean fresh(long nowNanos) {
        return nowNanos - expiresAtNanos < 0;
    }
}
