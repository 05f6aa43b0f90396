package io.siplb.transport.lane;

import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Whether one event loop is overloaded, decided from its lag samples (how late it ran a task
 * scheduled on it) and its read batches (whether datagrams were waiting in the socket).
 *
 * <p>A loop is overloaded only when both hold: its smoothed lag has stayed above
 * {@code siplb.overload.max-loop-lag} for at least {@code siplb.overload.sustain}, and in that time
 * it read at least one full batch of datagrams (more were queued than one read takes). A single
 * stall — a GC pause, JIT compilation, class loading at start, a neighbour's CPU steal — gives one
 * late sample and then a loop that catches up in milliseconds: it sheds nothing. A loop that cannot
 * keep up stays late and keeps finding its socket full. It is relieved when the smoothed lag falls
 * below half the maximum. Far behind ({@code siplb.overload.drop-loop-lag}) applies only to an
 * overloaded loop.
 *
 * <p>It also keeps the raw samples of the first seconds after start (the largest per half second),
 * so that what a cold start costs can be read in the log, and counts the samples later than 5, 20
 * and 50 ms ({@code siplb_loop_lag_late_total}).
 *
 * <p>Not thread-safe: the owning loop calls {@link #sample}; other threads only read the flags.
 */
public final class LoopLoad {
    /** Weight of a new sample in the smoothed lag. */
    private static final double WEIGHT = 0.3;
    static final long STARTUP_NANOS = TimeUnit.SECONDS.toNanos(10);
    static final long BUCKET_NANOS = TimeUnit.MILLISECONDS.toNanos(500);
    /** The lags, in milliseconds, above which a sample is counted late ({@link #late}). */
    public static final int[] LATE_MILLIS = {5, 20, 50};

    private final long maxLagNanos;
    private final long dropLagNanos;
    private final long sustainNanos;
    private final long[] startupMaxNanos = new long[(int) (STARTUP_NANOS / BUCKET_NANOS)];
    private long startedAt = Long.MIN_VALUE;
    private long aboveSince = Long.MIN_VALUE;
    private boolean backlogSeen;
    private long overloadedNanos;
    private long lastSampleAt;
    private volatile long lagNanos;
    private volatile boolean overloaded;
    /** Samples later than each of {@link #LATE_MILLIS}; written by the loop only. */
    private final AtomicLongArray late = new AtomicLongArray(LATE_MILLIS.length);

    /**
     * @param maxLagNanos smoothed lag above which the loop may be overloaded; 0 = never
     * @param dropLagNanos smoothed lag above which an overloaded loop drops INVITEs unparsed
     * @param sustainNanos how long the lag must stay above the maximum
     */
    LoopLoad(long maxLagNanos, long dropLagNanos, long sustainNanos) {
        this.maxLagNanos = maxLagNanos;
        this.dropLagNanos = dropLagNanos;
        this.sustainNanos = sustainNanos;
    }

    /**
     * One measurement.
     *
     * @param now when the sample was taken ({@link System#nanoTime} or a test's clock)
     * @param sampleNanos how late the measuring task ran
     * @param fullBatches read batches since the last sample that ended because the batch was full
     */
    void sample(long now, long sampleNanos, long fullBatches) {
        if (startedAt == Long.MIN_VALUE) {
            startedAt = now;
        }
        long sinceStart = now - startedAt;
        if (sinceStart < STARTUP_NANOS) {
            int bucket = (int) (sinceStart / BUCKET_NANOS);
            startupMaxNanos[bucket] = Math.max(startupMaxNanos[bucket], sampleNanos);
        }
        for (int i = 0; i < LATE_MILLIS.length && sampleNanos > LATE_MILLIS[i] * 1_000_000L; i++) {
            late.lazySet(i, late.get(i) + 1); // one writer
        }
        long lag = (long) ((1 - WEIGHT) * lagNanos + WEIGHT * sampleNanos);
        lagNanos = lag;
        if (overloaded) {
            overloadedNanos += now - lastSampleAt;
        }
        lastSampleAt = now;
        if (maxLagNanos == 0) {
            return;
        }
        if (lag > maxLagNanos) {
            if (aboveSince == Long.MIN_VALUE) {
                aboveSince = now;
                backlogSeen = false;
            }
            backlogSeen |= fullBatches > 0;
            if (!overloaded && backlogSeen && now - aboveSince >= sustainNanos) {
                overloaded = true;
            }
        } else if (!overloaded || lag < maxLagNanos / 2) {
            aboveSince = Long.MIN_VALUE;
            overloaded = false;
        }
    }

    /** Samples since start later than {@code LATE_MILLIS[index]}. */
    long late(int index) {
        return late.get(index);
    }

    /** The smoothed lag. */
    long lagNanos() {
        return lagNanos;
    }

    /** New calls are to be refused. */
    boolean overloaded() {
        return overloaded;
    }

    /** So far behind that INVITEs are to be dropped before they are parsed. */
    boolean farBehind() {
        return overloaded && lagNanos > dropLagNanos;
    }

    /** Whether the first {@link #STARTUP_NANOS} after the first sample are over. */
    boolean startupOver(long now) {
        return startedAt != Long.MIN_VALUE && now - startedAt >= STARTUP_NANOS;
    }

    /** The largest raw sample of each half second since start, in milliseconds. */
    long[] startupMaxMillis() {
        return Arrays.stream(startupMaxNanos).map(TimeUnit.NANOSECONDS::toMillis).toArray();
    }

    /** How long the loop has been overloaded in all, as far as the samples tell. */
    long overloadedMillis() {
        return TimeUnit.NANOSECONDS.toMillis(overloadedNanos);
    }
}
