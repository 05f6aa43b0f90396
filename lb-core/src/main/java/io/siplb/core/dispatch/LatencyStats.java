package io.siplb.core.dispatch;

/**
 * Round-trip statistics of one destination's probes, as Kamailio keeps them for algorithm 13:
 * running average, standard deviation (Welford), an estimate that follows the average for the
 * first 10 samples and is an exponentially weighted moving average after, the maximum, and the
 * number of probes that timed out (which add no sample).
 *
 * <p>Written by the prober of the destination (one writer at a time, serialised here), read by
 * selectors without a lock: every read field is volatile.
 */
public final class LatencyStats {
    private static final int WARM_UP_SAMPLES = 10;

    private final double alpha;
    private long count;
    private double mean;
    private double m2;
    private volatile double average;
    private volatile double deviation;
    private volatile double estimate;
    private volatile double maximum;
    private volatile long timeouts;
    private volatile long samples;

    /**
     * @param alpha weight of the old estimate in the moving average, in (0, 1); Kamailio's
     *     {@code ds_latency_estimator_alpha} 900 is 0.9
     */
    public LatencyStats(double alpha) {
        if (!(alpha > 0 && alpha < 1)) {
            throw new IllegalArgumentException("latency estimator alpha " + alpha + " must be in (0, 1)");
        }
        this.alpha = alpha;
    }

    /** Adds one round trip in milliseconds. */
    public synchronized void record(double millis) {
        count++;
        double delta = millis - mean;
        mean += delta / count;
        m2 += delta * (millis - mean);
        average = mean;
        deviation = count > 1 ? Math.sqrt(m2 / (count - 1)) : 0;
        estimate = count <= WARM_UP_SAMPLES ? mean : alpha * estimate + (1 - alpha) * millis;
        if (millis > maximum) {
            maximum = millis;
        }
        samples = count;
    }

    /** Counts a probe that got no answer in time. */
    public synchronized void recordTimeout() {
        timeouts++;
    }

    public double average() {
        return average;
    }

    public double standardDeviation() {
        return deviation;
    }

    /** The moving estimate algorithm 13 ranks by. */
    public double estimate() {
        return estimate;
    }

    public double maximum() {
        return maximum;
    }

    public long timeouts() {
        return timeouts;
    }

    public long samples() {
        return samples;
    }
}
