package io.siplb.core.dispatch;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * What a destination learns while the balancer runs: its state and the counter behind the
 * thresholds, its call load and its latency. Kept by the {@link Dispatcher} per set and URI, so a
 * reload that keeps the destination keeps all of it.
 *
 * <p>Selectors read the state without a lock (a volatile int); changes are rare (a failure, a
 * probe result, an operator) and serialised here.
 */
final class DestinationRuntime {
    private volatile int flags;
    private int counter;
    private final AtomicInteger load;
    /** Calls the other nodes of a cluster last published against the same load key (0 on a single node). */
    private final AtomicInteger remoteLoad;
    /** Set and duid (or URI): destinations sharing it share their call load. */
    private final String loadKey;
    private final LatencyStats latency;
    /** Requests sent to it (each attempt, each forked branch), and those that failed (failover codes, silence). */
    final LongAdder attempts = new LongAdder();
    final LongAdder failures = new LongAdder();
    /**
     * The addresses DNS gave for the destination's host, in answer order ({@code null} for a
     * destination written with an IP literal, or not resolved yet; empty when its name resolves to
     * nothing usable).
     */
    private volatile List<DestinationTarget> targets;
    /** The answer {@link #targets} was built from, so that the same answer is not merged twice. */
    List<DestinationTarget> targetsSource;
    /**
     * Taken out of use by an operator (a state that is not usable, {@code i} or {@code d}, set by
     * hand): a set's panic leaves it out. Cleared when it is usable again.
     */
    private volatile boolean operatorHeld;
    /**
     * A call's failure made it unusable: the prober checks it again at once and then every
     * {@code siplb.probe.recheck} until it answers, not at the probe interval. Cleared when it
     * is usable again.
     */
    volatile boolean recheck;
    /** Draining ({@link Drain}): no new dialogs or out-of-dialog requests, those of live dialogs still. */
    private volatile Drain drain = Drain.NONE;
    /** The load it last reported in a probe reply, or {@code null} ({@link ReportedLoad}). */
    volatile ReportedLoad reported;

    DestinationRuntime(int initialFlags, String loadKey, AtomicInteger load, AtomicInteger remoteLoad,
            double latencyAlpha) {
        this.flags = initialFlags & DestinationState.MASK;
        this.loadKey = loadKey;
        this.load = load;
        this.remoteLoad = remoteLoad;
        this.latency = new LatencyStats(latencyAlpha);
    }

    DestinationState state() {
        return new DestinationState(flags);
    }

    boolean usable() {
        return (flags & (DestinationState.INACTIVE | DestinationState.DISABLED)) == 0;
    }

    /**
     * Whether a set in panic may use it although it is not usable: not disabled, not held down by
     * an operator, and with an address (a name that resolves to nothing has none to try).
     */
    boolean revivable() {
        if ((flags & DestinationState.DISABLED) != 0 || operatorHeld || drain.draining()) {
            return false;
        }
        List<DestinationTarget> known = targets;
        return known == null || !known.isEmpty();
    }

    /** Whether an operator took it out of use, or it drains (it counts toward no set's panic). */
    boolean operatorHeld() {
        return operatorHeld || (flags & DestinationState.DISABLED) != 0 || drain.draining();
    }

    /** Usable, and when DNS expanded it, with at least one usable target. */
    boolean usableWithTargets() {
        if (!usable()) {
            return false;
        }
        List<DestinationTarget> known = targets;
        if (known == null) {
            return true;
        }
        for (int i = 0; i < known.size(); i++) {
            if (known.get(i).usable()) {
                return true;
            }
        }
        return false;
    }

    List<DestinationTarget> targets() {
        return targets;
    }

    /** Sets the addresses DNS gave (under this object's lock, as {@link Dispatcher#expand} holds it). */
    void targets(List<DestinationTarget> next) {
        targets = next;
        UsableView.changed();
    }

    Drain drain() {
        return drain;
    }

    void drain(Drain next) {
        drain = next;
        UsableView.changed();
    }

    AtomicInteger load() {
        return load;
    }

    AtomicInteger remoteLoad() {
        return remoteLoad;
    }

    String loadKey() {
        return loadKey;
    }

    LatencyStats latency() {
        return latency;
    }

    /**
     * Applies a requested state the way Kamailio's {@code ds_update_state} does: a trying request
     * counts towards {@code failures} and becomes inactive when it is reached; an inactive
     * destination stays inactive until {@code successes} non-trying requests in a row; a disabled
     * request leaves nothing else set. One counter serves both directions, reset on every crossing.
     *
     * @return the state before, so the caller can tell whether usability changed
     */
    synchronized DestinationState request(int requested, StateThresholds thresholds) {
        int old = flags;
        int next = requested & DestinationState.MASK;
        if ((next & DestinationState.TRYING) != 0 && (old & DestinationState.INACTIVE) != 0) {
            // already down: a further failure keeps it down rather than reviving it as trying
            next = DestinationState.INACTIVE | (next & DestinationState.PROBING);
        }
        if ((next & DestinationState.DISABLED) != 0) {
            next = DestinationState.DISABLED;
        }
        if ((next & DestinationState.TRYING) != 0) {
            counter++;
            if (counter >= thresholds.failures()) {
                next = next & ~DestinationState.TRYING | DestinationState.INACTIVE;
                counter = 0;
            }
        } else if ((old & DestinationState.INACTIVE) != 0 && (requested & DestinationState.TRYING) == 0
                && (next & DestinationState.INACTIVE) == 0 && (next & DestinationState.DISABLED) == 0) {
            counter++;
            if (counter < thresholds.successes()) {
                next = DestinationState.INACTIVE | old & DestinationState.PROBING;
            } else {
                counter = 0;
            }
        } else {
            counter = 0;
        }
        boolean held = operatorHeld;
        flags = next;
        if (usable()) {
            operatorHeld = false;
            recheck = false;
        }
        return changed(old, held);
    }

    /**
     * Takes a state another node of the cluster decided (its probe verdict, a failure mark or an
     * operator's setting): no thresholds, the counter reset; held by an operator only when an
     * operator set it there.
     */
    synchronized DestinationState adopt(DestinationState state, boolean byOperator) {
        int old = flags;
        boolean held = operatorHeld;
        flags = state.flags();
        counter = 0;
        operatorHeld = byOperator && !usable();
        if (usable()) {
            recheck = false;
        }
        return changed(old, held);
    }

    /** Sets the state as an operator does: no thresholds, the counter reset. */
    synchronized DestinationState set(DestinationState state) {
        int old = flags;
        boolean held = operatorHeld;
        flags = state.flags();
        counter = 0;
        operatorHeld = !usable();
        recheck = false;
        return changed(old, held);
    }

    /** The state before a change; advances the usability epoch ({@link UsableView}) when anything changed. */
    private DestinationState changed(int oldFlags, boolean wasHeld) {
        if (flags != oldFlags || operatorHeld != wasHeld) {
            UsableView.changed();
        }
        return new DestinationState(oldFlags);
    }
}
