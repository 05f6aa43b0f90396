package io.siplb.transport.lane;

import static org.assertj.core.api.Assertions.assertThat;

import io.siplb.transport.lane.LoopLoad;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The overload signal on exact sample sequences: time is whatever the test says. */
class LoopLoadTest {
    private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);
    private final LoopLoad load = new LoopLoad(50 * MS, 500 * MS, 250 * MS);
    private long now;

    /** Samples every {@code period} ms for {@code duration} ms, each {@code lag} ms late. */
    private void run(long duration, long period, long lag, long fullBatchesPerSample) {
        for (long t = 0; t < duration; t += period) {
            now += period * MS;
            load.sample(now, lag * MS, fullBatchesPerSample);
        }
    }

    @Test
    void oneStallOf200MillisecondsShedsNothing() {
        run(1000, 10, 0, 0);
        now += 200 * MS;
        load.sample(now, 200 * MS, 0);
        assertThat(load.overloaded()).isFalse();
        run(100, 10, 2, 1); // the backlog the stall left is read in full batches, quickly
        assertThat(load.overloaded()).isFalse();
        assertThat(load.overloadedMillis()).isZero();
    }

    @Test
    void sustainedLagWithBacklogIsOverloadOnlyAfterTheSustainTime() {
        // samples 200 ms late: the smoothed lag (0.3 of each) is above 50 ms from the first, at 60 ms
        run(300, 60, 200, 1); // the fifth sample, at 300 ms, is 240 ms after the first: not yet
        assertThat(load.overloaded()).isFalse();
        run(60, 60, 200, 1); // at 360 ms, 300 ms after
        assertThat(load.overloaded()).isTrue();
        assertThat(load.farBehind()).isFalse();
    }

    @Test
    void sustainedLagWithoutBacklogIsNotOverload() {
        run(2000, 60, 80, 0); // a busy loop whose socket never held more than one read takes
        assertThat(load.overloaded()).isFalse();
    }

    @Test
    void reliefComesOnlyBelowHalfTheMaximum() {
        run(600, 60, 80, 1);
        assertThat(load.overloaded()).isTrue();
        run(200, 10, 30, 0); // smoothed lag falls to about 30 ms: between half and the maximum
        assertThat(load.overloaded()).isTrue();
        run(200, 10, 0, 0);
        assertThat(load.overloaded()).isFalse();
    }

    @Test
    void farBehindNeedsOverloadToo() {
        now += 2000 * MS;
        load.sample(now, 2000 * MS, 1); // one 2 s pause: smoothed 600 ms, but not sustained
        assertThat(load.lagNanos()).isGreaterThan(500 * MS);
        assertThat(load.farBehind()).isFalse();
        run(600, 600, 1000, 1);
        assertThat(load.farBehind()).isTrue();
    }

    @Test
    void zeroMaximumTurnsItOff() {
        LoopLoad off = new LoopLoad(0, 500 * MS, 0);
        off.sample(1, 5000 * MS, 100);
        off.sample(2, 5000 * MS, 100);
        assertThat(off.overloaded()).isFalse();
        assertThat(off.lagNanos()).isPositive();
    }

    @Test
    void theFirstTenSecondsAreKeptAsTheLargestSamplePerHalfSecond() {
        load.sample(0, 0, 0);
        load.sample(100 * MS, 120 * MS, 0);
        load.sample(200 * MS, 7 * MS, 0);
        load.sample(700 * MS, 3 * MS, 0);
        load.sample(9_900 * MS, 9 * MS, 0);
        load.sample(10_100 * MS, 999 * MS, 0); // after the first 10 s: not kept
        long[] max = load.startupMaxMillis();
        assertThat(max).hasSize(20);
        assertThat(max[0]).isEqualTo(120);
        assertThat(max[1]).isEqualTo(3);
        assertThat(max[19]).isEqualTo(9);
        assertThat(load.startupOver(10_100 * MS)).isTrue();
        assertThat(load.startupOver(9_000 * MS)).isFalse();
    }
}
