package io.siplb.core.proxy;

import io.siplb.core.dispatch.Destination;
import io.siplb.core.dispatch.DestinationTarget;
import io.siplb.core.dispatch.FailoverPlan;
import io.siplb.core.proxy.FailureMarking.Failure;
import io.siplb.core.route.RouteSettings;
import io.siplb.core.route.Target;
import io.siplb.core.sip.MessageFactory;
import io.siplb.core.sip.SipMessage;
import io.siplb.core.sip.SipMethod;
import io.siplb.core.transaction.ClientTransaction;
import io.siplb.core.transaction.RequestFlow;
import io.siplb.core.transaction.ServerTransaction;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeoutException;
import reactor.core.publisher.Mono;

/**
 * One request walked through its failover plan, as a {@link Mono} of the final response to send
 * upstream (RFC 3261 §16.6–16.7, Kamailio's {@code t_relay} + {@code t_on_failure} +
 * {@code ds_next_dst}):
 *
 * <pre>
 * Mono.defer(attempt)                        // next target of the plan: a Branch, our Via pushed,
 *                                            //   ended by its own timers (fr_timer, fr_inv_timer)
 *     .flatMap(failure code ? error : final) // 5xx/408 and the like fail over
 *     .onErrorResume(failed ->                // the failed destination marked (FailureMarking)
 *         plan lasts ? the next attempt, so   //   (one operator per attempt: no retry processor)
 *                    : best response or 503)  // §16.7 step 6
 * </pre>
 *
 * <p>Provisional responses are relayed upstream as they come. A CANCEL from upstream stops the
 * failover: it is sent on to the live branch once that branch has answered provisionally (§9.1),
 * and that branch's 487 is what goes upstream — or our own 487 when the branch sends no final
 * within 64·T1 of the CANCEL. An INVITE's whole life is capped by {@code siplb.failover.max-lifetime}
 * (Timer C): after it no new destination is tried and the best response so far, else 408, goes
 * upstream. Each attempt's timers are a {@link Branch}'s. Timers run on the owning loop's
 * scheduler.
 */
final class FailoverFlow implements RequestFlow {
    /** One failed attempt; carries the response that failed it, or none for silence. */
    static final class AttemptFailed extends RuntimeException {
        private static final long serialVersionUID = 1L;

        AttemptFailed() {
            super(null, null, false, false);
        }
    }

    private static final AttemptFailed EXHAUSTED = new AttemptFailed();

    private final FlowContext context;
    private final ServerTransaction server;
    private final SipMessage request;
    private final FailoverPlan plan;
    private final Target fixed;
    private final int ourRoutes;
    private final Destination pathFrom;
    private final boolean invite;
    private final long deadlineNanos;
    private final RouteSettings settings;
    private boolean fixedUsed;
    private boolean cancelled;
    private Branch current;
    private SipMessage best;
    /** The destination now being tried when DNS expanded it, and its targets not tried yet. */
    private Destination expanded;
    private Iterator<DestinationTarget> targetsLeft;

    /** A new request walked through {@code plan}, as its route's {@code settings} say. */
    FailoverFlow(FlowContext context, ServerTransaction server, FailoverPlan plan, RouteSettings settings,
            int ourRoutes) {
        this(context, server, plan, null, settings, ourRoutes, null);
    }

    /**
     * A request sent to one known next hop, without failover: of a dialog, or along our Path from
     * {@code pathFrom} (else {@code null}).
     */
    FailoverFlow(FlowContext context, ServerTransaction server, Target fixed, RouteSettings settings, int ourRoutes,
            Destination pathFrom) {
        this(context, server, null, fixed, settings, ourRoutes, pathFrom);
    }

    private FailoverFlow(FlowContext context, ServerTransaction server, FailoverPlan plan, Target fixed,
            RouteSettings settings, int ourRoutes, Destination pathFrom) {
        this.context = context;
        this.server = server;
        this.request = server.request(); // kept here: the server transaction drops it when finished
        this.plan = plan;
        this.fixed = fixed;
        this.ourRoutes = ourRoutes;
        this.pathFrom = pathFrom;
        this.invite = request.method() == SipMethod.INVITE;
        this.settings = settings;
        this.deadlineNanos = deadline(context, settings, invite);
    }

    /** When an INVITE received now must be over (Timer C), on the loop's clock. */
    static long deadline(FlowContext context, RouteSettings settings, boolean invite) {
        return invite ? context.now() + settings.failover().maxLifetime().toNanos() : Long.MAX_VALUE;
    }

    @Override
    public Mono<Outcome> run() {
        return Mono.defer(this::attempt).onErrorResume(AttemptFailed.class, this::afterFailure);
    }

    /**
     * A failed attempt: the next one while the plan lasts (retryWhen's job, without its
     * per-request processor), else what goes upstream when nothing is left.
     */
    private Mono<Outcome> afterFailure(AttemptFailed failure) {
        if (failure != EXHAUSTED && canFailOver()) {
            context.counters().failovers.increment();
            context.observer().get().failedOver(server);
            return run();
        }
        return Mono.just(exhausted());
    }

    private boolean canFailOver() {
        return plan != null && !cancelled && !expired()
                && (plan.tried() < plan.size() || targetsLeft != null && targetsLeft.hasNext());
    }

    private boolean expired() {
        return deadlineNanos != Long.MAX_VALUE && context.now() >= deadlineNanos;
    }

    private Target nextTarget() {
        if (plan == null) {
            if (fixedUsed) {
                return null;
            }
            fixedUsed = true;
            return fixed;
        }
        if (targetsLeft != null && targetsLeft.hasNext()) {
            // RFC 3263 §4.3: the next target of the same destination before the next destination
            return context.targets().of(expanded, targetsLeft.next());
        }
        Destination destination = plan.next();
        if (destination == null) {
            return null;
        }
        List<DestinationTarget> order = context.targets().order(destination);
        if (order == null || order.isEmpty()) {
            return context.targets().first(destination); // its URI, or a name that resolves to nothing
        }
        expanded = destination;
        targetsLeft = order.iterator();
        return context.targets().of(destination, targetsLeft.next());
    }

    private Mono<Outcome> attempt() {
        Target target = nextTarget();
        if (target == null) {
            return Mono.error(EXHAUSTED);
        }
        if (target.address() == null) {
            context.counters().unresolvable.increment();
            context.observer().get().attempted(server, target, CallObserver.UNRESOLVED, 0);
            failed(target, Failure.UNRESOLVED);
            return Mono.error(new AttemptFailed());
        }
        Branch branch = new Branch(context, server, request, target, settings, ourRoutes, pathFrom, deadlineNanos,
                plan == null);
        if (invite) {
            // a branch given up on may still answer 200: that call is then the one (§16.7 step 5)
            branch.transaction().onLateSuccess(response -> lateSuccess(target, response));
        }
        current = branch;
        if (countsLoad() && target.destination() != null) {
            context.tables().callLoad.acquire(request.callId(), target.destination());
        }
        return branch.finalResponse(this::onProvisional)
                .onErrorMap(TimeoutException.class, e -> timedOut(branch))
                .onErrorMap(ClientTransaction.TransportError.class, e -> unreachable(branch))
                .flatMap(response -> decide(target, response));
    }

    private void onProvisional(SipMessage response) {
        if (response.statusCode() > 100) {
            context.server().relayProvisional(server, response);
        }
    }

    private AttemptFailed timedOut(Branch branch) {
        if (invite && branch.transaction().proceeding()) {
            // fr_inv_timer or the lifetime: give up on a ringing branch (RFC 3261 §16.8)
            context.client().cancel(branch.transaction());
        }
        if (!cancelled && !expired()) {
            failed(branch.target(), Failure.SILENT);
        }
        return new AttemptFailed();
    }

    /**
     * The transport could not deliver the request (connection refused or reset, TLS handshake
     * failed): a failure like a 503 (RFC 3261 §8.1.3.1), at once, and marked even under overload —
     * the refusal is the destination's, not a late answer that may be ours.
     */
    private AttemptFailed unreachable(Branch branch) {
        context.counters().transportErrors.increment();
        if (!cancelled && !expired()) {
            failed(branch.target(), Failure.UNREACHABLE);
        }
        return new AttemptFailed();
    }

    private Mono<Outcome> decide(Target target, SipMessage response) {
        int status = response.statusCode();
        if (status < 300) {
            if (invite && target.destination() != null) {
                context.tables().dialogAnswered(request.callId(), target.destination());
                if (countsLoad()) {
                    context.tables().callLoad.confirm(request.callId());
                }
            }
            return Mono.just(new Outcome(response, true));
        }
        if (plan != null && !cancelled && settings.failover().codes().failsOver(status)) {
            failed(target, Failure.ANSWERED);
            if (best == null || better(response, best)) {
                best = response;
            }
            return Mono.error(new AttemptFailed());
        }
        releaseLoad();
        return Mono.just(new Outcome(response, true));
    }

    /** RFC 3261 §16.7 step 6: any 6xx first, else the lowest class; earlier wins a tie. */
    static boolean better(SipMessage candidate, SipMessage incumbent) {
        int c = candidate.statusCode() / 100;
        int i = incumbent.statusCode() / 100;
        if (c == 6 || i == 6) {
            return c == 6 && i != 6;
        }
        return c < i;
    }

    private Outcome exhausted() {
        releaseLoad();
        return exhausted(context, settings, server, request, cancelled, expired(), best, plan == null);
    }

    /**
     * What goes upstream when no branch is left to try: our 487 after a CANCEL, else the best
     * response (§16.7 step 6), else 408 when the lifetime ran out or a dialog's peer did not
     * answer, else {@code siplb.failover.exhausted-reply}.
     */
    static Outcome exhausted(FlowContext context, RouteSettings settings, ServerTransaction server, SipMessage request,
            boolean cancelled, boolean expired, SipMessage best, boolean inDialog) {
        if (cancelled) {
            return new Outcome(MessageFactory.response(request, 487, "Request Terminated", server.toTag()), false);
        }
        context.counters().exhausted.increment();
        context.observer().get().exhausted(server);
        if (best != null) {
            return new Outcome(best, true);
        }
        if (inDialog || expired) {
            // Timer C, or a request of a dialog whose peer did not answer: 408 (RFC 3261 §16.8, §12.2.1.2)
            return new Outcome(MessageFactory.response(request, 408, "Request Timeout", server.toTag()), false);
        }
        int status = settings.failover().exhaustedReply();
        String[] extra = status == 503
                ? new String[] {"Retry-After: " + context.settings().retryAfter().toSeconds()}
                : new String[0];
        return new Outcome(MessageFactory.response(request, status,
                MessageFactory.reasonPhrase(status, "No Destination Available"), server.toTag(), extra), false);
    }

    private void releaseLoad() {
        if (countsLoad() && plan != null) {
            context.tables().callLoad.release(request.callId());
        }
    }

    /** Calls are counted only where algorithm 10 reads the counts: elsewhere it is work for nothing. */
    private boolean countsLoad() {
        return invite && settings.countsLoad();
    }

    /** Judged only when a plan chose the target: a dialog's next hop is not the plan's to mark. */
    private void failed(Target target, Failure failure) {
        if (plan != null) {
            context.marking().failed(target, settings.failover().mark(), failure);
        }
    }

    /**
     * A branch abandoned on silence answered 200 after all. If no final went upstream yet, that
     * answer ends the request: the branch now being tried is CANCELled and the dialog recorded.
     * Otherwise the 2xx is relayed as it is (RFC 3261 §16.7 step 5: every 2xx goes upstream).
     */
    private void lateSuccess(Target target, SipMessage response) {
        if (server.finished()) {
            context.server().relayStateless(response);
            return;
        }
        Branch live = current;
        if (live != null && live.transaction().proceeding()) {
            context.client().cancel(live.transaction());
        }
        if (target.destination() != null) {
            context.tables().dialogAnswered(request.callId(), target.destination());
        }
        context.server().finishEarly(server, new Outcome(response, true));
    }

    @Override
    public void cancel() {
        if (cancelled) {
            return; // a retransmitted CANCEL
        }
        cancelled = true;
        if (current != null) {
            current.cancel();
        }
    }
}
