package io.siplb.core.proxy;

import io.siplb.core.route.Target;
import io.siplb.core.transaction.ServerTransaction;

/**
 * Hears what becomes of each request the proxy handles, for what watches it from outside — call
 * logs, per-destination metrics, capture by route. Called on the owning loop, in this order for
 * one request: {@link #routed} (a new request a route took, before anything of it is sent), an
 * {@link #attempted} per destination tried that ended (a fork's branches disposed once another
 * won are not told), {@link #failedOver} before each next attempt of a serial plan,
 * {@link #exhausted} when the plan ran out, and {@link #finished} once its final response goes
 * upstream — whichever way it ends. It must not block or throw.
 */
public interface CallObserver {
    /** Nobody listens. */
    CallObserver NONE = new CallObserver() {
    };

    /** An attempt that got no final response in time. */
    int TIMEOUT = -1;
    /** An attempt the transport could not deliver (refused, reset, TLS failed). */
    int UNREACHABLE = -2;
    /** A destination with no address to try (its name resolved to nothing). */
    int UNRESOLVED = -3;

    /** Route {@code route} took the new request of {@code request}. */
    default void routed(ServerTransaction request, String route) {
    }

    /**
     * One attempt ended: its final {@code status}, or {@link #TIMEOUT}, {@link #UNREACHABLE} or
     * {@link #UNRESOLVED}; {@code nanos} from sending to the end.
     */
    default void attempted(ServerTransaction request, Target target, int status, long nanos) {
    }

    /** An attempt failed and the serial plan goes on to its next destination. */
    default void failedOver(ServerTransaction request) {
    }

    /** No destination of the plan was left to try (counted before the reply that says so). */
    default void exhausted(ServerTransaction request) {
    }

    /** The final {@code status} went upstream, {@code nanos} after its flow started (0 when no flow ran). */
    default void finished(ServerTransaction request, int status, long nanos) {
    }
}
