package io.siplb.core.proxy;

import io.siplb.core.dispatch.Destination;
import io.siplb.core.route.RouteSettings;
import io.siplb.core.route.Target;
import io.siplb.core.sip.SipMessage;
import io.siplb.core.sip.SipMethod;
import io.siplb.core.transaction.ClientTransaction;
import io.siplb.core.transaction.ServerTransaction;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;

/**
 * One copy of a request forwarded to one target (RFC 3261 §16.6), and the timers that end the
 * wait for its final response:
 *
 * <ul>
 *   <li>{@code siplb.failover.timeout} ({@code fr_timer}) while nothing came back — but when a
 *       non-INVITE has nowhere to fail over to (a request of a dialog, one along a Path) and
 *       its destination is still up, the wait goes on, one {@code fr_timer} at a time, up to 64·T1,
 *       the UAC's own Timer F (RFC 3261 §17.1.2.2): {@code fr_timer} exists to move
 *       on, and with nothing to move on to it would only cut the retransmissions short, so a BYE
 *       crossing a lossy path gets up to eleven copies, not four; a destination marked down (a
 *       failed probe or call) ends it at the next {@code fr_timer}, so a caller is not held by
 *       one that is gone;</li>
 *   <li>for an INVITE, {@code siplb.failover.invite-timeout} ({@code fr_inv_timer}) after each
 *       provisional;</li>
 *   <li>for an INVITE, both clamped to what is left of the request's whole lifetime
 *       ({@code siplb.failover.max-lifetime}, Timer C);</li>
 *   <li>once this branch is CANCELled, 64·T1 for its final (RFC 3261 §9.1: a UAS that never
 *       answers the CANCEL must not hold the caller).</li>
 * </ul>
 *
 * Any of them ends {@link #finalResponse} with a {@link TimeoutException}. Runs on the owning loop.
 */
final class Branch {
    private final FlowContext context;
    /** The request's server transaction: whose attempt this is, for the {@link CallObserver}. */
    private final ServerTransaction server;
    private final Target target;
    private final ClientTransaction transaction;
    private final boolean invite;
    private final long deadlineNanos;
    private final RouteSettings settings;
    /** Whether this is the only target the request can go to (nothing to fail over to). */
    private final boolean alone;
    private final long startedNanos;
    private boolean cancelWanted;

    /**
     * @param request the request as received from upstream
     * @param settings the route's: timers, Record-Route, rewrite
     * @param pathFrom the destination a request along our Path came from, else {@code null}
     * @param deadlineNanos when the request's lifetime ends, on the loop scheduler's clock;
     *     {@link Long#MAX_VALUE} for none
     * @param alone whether this is the only target the request can go to (no plan to fail over
     *     through): the wait for a first answer then goes on past {@code fr_timer}, up to 64·T1,
     *     while the destination is up
     */
    Branch(FlowContext context, ServerTransaction server, SipMessage request, Target target, RouteSettings settings,
            int ourRoutes, Destination pathFrom, long deadlineNanos, boolean alone) {
        this.context = context;
        this.server = server;
        this.alone = alone;
        this.startedNanos = context.now();
        this.target = target;
        this.invite = request.method() == SipMethod.INVITE;
        this.deadlineNanos = deadlineNanos;
        this.settings = settings;
        String branch = context.client().newBranch();
        SipMessage forwarded = context.edits().forwarded(request, server.source(), branch, target, settings,
                ourRoutes, pathFrom);
        this.transaction = context.client().create(branch, forwarded, target.peer());
        if (target.destination() != null && request.to().tag() == null) {
            target.destination().countAttempt();
        }
    }

    Target target() {
        return target;
    }

    ClientTransaction transaction() {
        return transaction;
    }

    /**
     * Sends the request; completes with its final response, or a {@link TimeoutException} when a
     * timer above ran out. Every provisional is handed to {@code onProvisional} first.
     */
    Mono<SipMessage> finalResponse(Consumer<SipMessage> onProvisional) {
        // one sink and one timer per attempt: a Flux with timeout, filter and next cost a queue,
        // three operators and a name for the timeout's message (built eagerly) on every attempt
        return Mono.create(sink -> {
            Waiting waiting = new Waiting(sink, onProvisional);
            sink.onDispose(waiting);
            waiting.arm(settings.failover().timeout());
            transaction.start(waiting);
        });
    }

    /**
     * The wait for one attempt's final: {@code fr_timer} until the first provisional, then (for an
     * INVITE) {@code fr_inv_timer} from each provisional, both cut to the request's lifetime.
     */
    private final class Waiting implements ClientTransaction.Waiter, Disposable {
        private final MonoSink<SipMessage> sink;
        private final Consumer<SipMessage> onProvisional;
        private Disposable timer;
        private boolean done;
        /** A final response came: the transaction completed by itself. */
        private boolean answered;

        Waiting(MonoSink<SipMessage> sink, Consumer<SipMessage> onProvisional) {
            this.sink = sink;
            this.onProvisional = onProvisional;
        }

        void arm(Duration duration) {
            if (timer != null) {
                timer.dispose();
            }
            long left = deadlineNanos == Long.MAX_VALUE ? Long.MAX_VALUE
                    : Math.max(0, deadlineNanos - context.now());
            timer = context.scheduler().schedule(this::expired, Math.min(duration.toNanos(), left), TimeUnit.NANOSECONDS);
        }

        private void expired() {
            if (done) {
                return;
            }
            long left = waitLeft();
            if (left > 0) {
                timer = context.scheduler().schedule(this::expired, Math.min(settings.failover().timeout().toNanos(),
                        left), TimeUnit.NANOSECONDS); // retransmissions go on meanwhile
                return;
            }
            done = true;
            ended(CallObserver.TIMEOUT);
            sink.error(new TimeoutException("no final response in time")); // disposes: abandons
        }

        /** Tells the observer how the attempt ended. */
        private void ended(int status) {
            context.observer().get().attempted(server, target, status, context.now() - startedNanos);
        }

        /**
         * How much longer a silent request with nowhere else to go may wait: what is left of 64·T1
         * while nothing came back, its destination is up and no lifetime ends sooner; else 0.
         */
        private long waitLeft() {
            if (!alone || transaction.proceeding() || deadlineNanos != Long.MAX_VALUE) {
                return 0;
            }
            Destination destination = target.destination();
            if (destination != null && !destination.healthy()
                    || target.target() != null && !target.target().usable()) {
                return 0; // gone: a failed probe or call marked it down
            }
            long timerF = context.settings().t1().toNanos() * 64;
            return startedNanos + timerF - context.now();
        }

        @Override
        public void provisional(SipMessage response) {
            if (done) {
                return;
            }
            if (cancelWanted) {
                sendCancel(); // §9.1: a CANCEL waits for the branch's first provisional
            }
            onProvisional.accept(response);
            if (invite && !done) {
                arm(settings.failover().inviteTimeout());
            }
        }

        @Override
        public void finalResponse(SipMessage response) {
            if (!done) {
                done = true;
                answered = true;
                ended(response.statusCode());
                sink.success(response);
            }
        }

        @Override
        public void failed(Throwable cause) {
            if (!done) {
                done = true;
                ended(cause instanceof TimeoutException ? CallObserver.TIMEOUT : CallObserver.UNREACHABLE);
                sink.error(cause);
            }
        }

        /**
         * The attempt ended, was given up or cancelled: the timer stops, and a transaction that got
         * no final is abandoned (one that did has nothing left to stop).
         */
        @Override
        public void dispose() {
            done = true;
            if (timer != null) {
                timer.dispose();
            }
            if (!answered) {
                transaction.abandon();
            }
        }
    }

    /**
     * CANCELs this branch: at once when it has answered provisionally, else when it first does
     * (RFC 3261 §9.1). Its final is then awaited for 64·T1 at most. Only an INVITE is cancelled.
     */
    void cancel() {
        if (!invite) {
            return;
        }
        if (transaction.proceeding()) {
            sendCancel();
        } else {
            cancelWanted = true;
        }
    }

    private void sendCancel() {
        cancelWanted = false;
        if (!context.client().cancel(transaction) || !transaction.awaited()) {
            return; // already CANCELled, or no longer waited for
        }
        // a final that never comes: the wait ends with a TimeoutException 64·T1 later (a no-op
        // if the final came first)
        long timerB = 64 * context.settings().t1().toNanos();
        context.scheduler().schedule(transaction::giveUp, timerB, TimeUnit.NANOSECONDS);
    }

    /** Whether this branch was CANCELled and is waiting for its final. */
    boolean cancelling() {
        return transaction.cancelSent();
    }
}
