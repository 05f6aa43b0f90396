package io.siplb.core.proxy;

import io.siplb.core.dispatch.Destination;
import io.siplb.core.dispatch.Dispatcher;
import io.siplb.core.dispatch.FailureMark;
import io.siplb.core.route.Target;
import io.siplb.core.transaction.ProxyCounters;
import java.util.function.BooleanSupplier;

/**
 * The one rule for what a failed attempt does to its destination, for both flows: the failure is
 * counted against the destination, and the destination (or its DNS target) is marked as the
 * route's {@code siplb.failover.mark} says — except after silence while this loop is overloaded
 * (a late answer may be our own, not the destination's) or while a predecessor shares our UDP
 * port (the answer may have gone to it, {@link ProxyTables#sharePort}): then it is spared
 * (counted). A refusal by the transport (connection refused, reset, TLS failed) is the
 * destination's even then.
 * Only attempts a plan chose are judged; a dialog's fixed next hop is not.
 */
final class FailureMarking {
    /** How an attempt failed. */
    enum Failure {
        /** A final response whose code fails over ({@code siplb.failover.codes}). */
        ANSWERED,
        /** No final in time. */
        SILENT,
        /** The transport could not deliver the request (RFC 3261 §8.1.3.1). */
        UNREACHABLE,
        /** Its host does not resolve, or names a transport this balancer does not speak. */
        UNRESOLVED
    }

    private final Dispatcher dispatcher;
    private final ProxyCounters counters;
    /** Whether silence now may not be the destination's. */
    private final BooleanSupplier silenceDoubtful;

    FailureMarking(Dispatcher dispatcher, ProxyCounters counters, BooleanSupplier silenceDoubtful) {
        this.dispatcher = dispatcher;
        this.counters = counters;
        this.silenceDoubtful = silenceDoubtful;
    }

    /** An attempt to {@code target} failed as {@code failure}; {@code mark} is its route's. */
    void failed(Target target, FailureMark mark, Failure failure) {
        Destination destination = target.destination();
        if (destination == null) {
            return;
        }
        destination.countFailure();
        if (mark == FailureMark.NONE) {
            return;
        }
        if (failure == Failure.SILENT && silenceDoubtful.getAsBoolean()) {
            counters.marksSpared.increment();
            return;
        }
        dispatcher.markFailure(destination, target.target(), mark);
    }
}
