package io.siplb.core.dispatch;

/**
 * How many results move a destination between usable and inactive (Kamailio's
 * {@code ds_probing_threshold} and {@code ds_inactive_threshold}, both 1 by default).
 *
 * @param failures failures in a row (trying marks) that make it inactive; key
 *     {@code siplb.probe.failure-threshold}
 * @param successes successes in a row that bring an inactive one back; key
 *     {@code siplb.probe.success-threshold}
 */
public record StateThresholds(int failures, int successes) {
    public static final StateThresholds DEFAULT = new StateThresholds(1, 1);

    public StateThresholds {
        if (failures < 1) {
            throw new IllegalArgumentException(
                    "siplb.probe.failure-threshold=" + failures + ": must be 1 or more");
        }
        if (successes < 1) {
            throw new IllegalArgumentException(
                    "siplb.probe.success-threshold=" + successes + ": must be 1 or more");
        }
    }
}
