package io.siplb.core.dispatch;

/**
 * Hears a destination go down (usable to inactive or disabled) or come back up, and a set enter or
 * leave panic. Called once per crossing, never per probe, on the thread that caused it; it must
 * not block or throw (a throwing listener is skipped and counted by
 * {@link Dispatcher#listenerFailures()}).
 */
@FunctionalInterface
public interface DestinationListener {
    void usabilityChanged(Destination destination, DestinationState before, DestinationState after);

    /** An operator set {@code destination}'s state to {@code state} (heard after any crossing it caused). */
    default void stateSet(Destination destination, DestinationState state) {
    }

    /** {@code destination} started draining ({@code drain} says who) or stopped ({@link Drain#NONE}). */
    default void drainChanged(Destination destination, Drain drain) {
    }

    /**
     * {@code destination} reported its load in a probe reply of this node's ({@link Dispatcher#report}):
     * {@code calls}, {@code capacity} (-1 unsaid), standing for {@code ttlNanos}.
     */
    default void loadReported(Destination destination, int calls, int capacity, long ttlNanos) {
    }

    /** Another list is in force ({@link Dispatcher#load}: a reload, an added or removed destination). */
    default void listLoaded() {
    }

    /** Set {@code set} entered ({@code entered}) or left panic; {@code health} has the counts. */
    default void panicChanged(DestinationSet set, SetHealth health, boolean entered) {
    }
}
