package io.siplb.core.proxy;

import io.siplb.core.dispatch.Destination;
import io.siplb.core.dispatch.FailoverPlan;
import io.siplb.core.proxy.FailureMarking.Failure;
import io.siplb.core.route.RouteSettings;
import io.siplb.core.route.Target;
import io.siplb.core.sip.SipMessage;
import io.siplb.core.transaction.ClientTransaction;
import io.siplb.core.transaction.RequestFlow;
import io.siplb.core.transaction.ServerTransaction;
import java.util.ArrayList;
import java.util.List;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;

/**
 * An INVITE forked to every destination of a parallel plan at once (algorithm 12), as RFC 3261
 * §16.7 says a stateful proxy forks:
 *
 * <ul>
 *   <li>one {@link Branch} per destination, all sent at once; provisionals of every branch are
 *       relayed upstream (step 5), 100 Trying excepted;</li>
 *   <li>the first 2xx is relayed and every other branch is CANCELled (§16.7 step 10); a 2xx from
 *       another branch after it is relayed too (step 5: every 2xx goes upstream, the caller
 *       decides);</li>
 *   <li>a 6xx CANCELs the other branches (step 10);</li>
 *   <li>when every branch has ended without a 2xx, the best final response by step 6 goes
 *       upstream — our own 487 after a CANCEL from upstream, 408 when the lifetime ran out and
 *       nothing answered, {@code siplb.failover.exhausted-reply} when every branch was silent;</li>
 *   <li>failure finals are ACKed hop by hop by each branch's client transaction (§17.1.1.3);
 *       a silent, unreachable or failing destination is judged by {@link FailureMarking}, as
 *       one tried in turn is.</li>
 * </ul>
 *
 * A branch does not fail over to another destination: every destination is already tried.
 * Runs on the owning loop.
 */
final class ForkFlow implements RequestFlow {
    private final FlowContext context;
    private final ServerTransaction server;
    private final SipMessage request;
    private final FailoverPlan plan;
    private final int ourRoutes;
    private final long deadlineNanos;
    private final RouteSettings settings;
    private final List<Branch> branches = new ArrayList<>();
    private MonoSink<Outcome> sink;
    private int pending;
    private boolean decided;
    private boolean cancelled;
    private SipMessage best;

    ForkFlow(FlowContext context, ServerTransaction server, FailoverPlan plan, RouteSettings settings, int ourRoutes) {
        this.context = context;
        this.server = server;
        this.request = server.request();
        this.plan = plan;
        this.ourRoutes = ourRoutes;
        this.settings = settings;
        this.deadlineNanos = FailoverFlow.deadline(context, settings, true);
    }

    @Override
    public Mono<Outcome> run() {
        return Mono.create(created -> {
            sink = created;
            for (Destination destination : plan.destinations()) {
                Target target = context.targets().first(destination); // a fork tries one target each
                if (target.address() == null) {
                    context.counters().unresolvable.increment();
                    context.observer().get().attempted(server, target, CallObserver.UNRESOLVED, 0);
                    context.marking().failed(target, settings.failover().mark(), Failure.UNRESOLVED);
                    continue;
                }
                Branch branch = new Branch(context, server, request, target, settings, ourRoutes, null, deadlineNanos,
                        false);
                branch.transaction().onLateSuccess(response -> lateSuccess(branch, response));
                branches.add(branch);
            }
            pending = branches.size();
            if (pending == 0) {
                sink.success(ended());
                return;
            }
            List<Disposable> subscriptions = new ArrayList<>(branches.size());
            created.onDispose(() -> subscriptions.forEach(Disposable::dispose));
            for (Branch branch : branches) {
                if (decided) {
                    break; // a branch answered 2xx while the others were still being sent
                }
                subscriptions.add(branch.finalResponse(this::onProvisional)
                        .subscribe(response -> onFinal(branch, response), error -> {
                            boolean unreachable = error instanceof ClientTransaction.TransportError;
                            if (unreachable) {
                                context.counters().transportErrors.increment();
                            }
                            onSilence(branch, unreachable ? Failure.UNREACHABLE : Failure.SILENT);
                        }));
            }
        });
    }

    private void onProvisional(SipMessage response) {
        if (response.statusCode() > 100 && !decided) {
            context.server().relayProvisional(server, response);
        }
    }

    private void onFinal(Branch branch, SipMessage response) {
        pending--;
        int status = response.statusCode();
        if (status < 300) {
            success(branch, response);
            return;
        }
        if (!cancelled && settings.failover().codes().failsOver(status)) {
            context.marking().failed(branch.target(), settings.failover().mark(), Failure.ANSWERED);
        }
        if (status >= 600) {
            cancelOthers(branch); // §16.7 step 10: a 6xx ends the search
        }
        if (best == null || FailoverFlow.better(response, best)) {
            best = response;
        }
        endIfLast();
    }

    /**
     * A branch's timer ran out — silence, fr_inv_timer, the lifetime, or no final after its CANCEL —
     * or the transport could not deliver it.
     */
    private void onSilence(Branch branch, Failure failure) {
        pending--;
        if (branch.transaction().proceeding()) {
            context.client().cancel(branch.transaction()); // RFC 3261 §16.8: stop a ringing branch
        }
        if (!cancelled && !expired() && !branch.cancelling()) {
            context.marking().failed(branch.target(), settings.failover().mark(), failure);
        }
        endIfLast();
    }

    private void success(Branch branch, SipMessage response) {
        if (decided) {
            context.server().relayStateless(response); // a second 2xx: relayed too (§16.7 step 5)
            return;
        }
        decided = true;
        if (branch.target().destination() != null) {
            context.tables().dialogAnswered(request.callId(), branch.target().destination());
        }
        cancelOthers(branch);
        sink.success(new Outcome(response, true));
    }

    private void cancelOthers(Branch answered) {
        for (Branch branch : branches) {
            if (branch != answered) {
                branch.cancel();
            }
        }
    }

    private void endIfLast() {
        if (pending == 0 && !decided) {
            decided = true;
            sink.success(ended());
        }
    }

    private Outcome ended() {
        return FailoverFlow.exhausted(context, settings, server, request, cancelled, expired(), best, false);
    }

    private boolean expired() {
        return context.now() >= deadlineNanos;
    }

    /** A branch given up on answered 2xx: it is the call if none was relayed yet, else relayed too. */
    private void lateSuccess(Branch branch, SipMessage response) {
        if (server.finished() || decided) {
            context.server().relayStateless(response);
            return;
        }
        success(branch, response);
    }

    @Override
    public void cancel() {
        if (cancelled) {
            return;
        }
        cancelled = true;
        for (Branch branch : branches) {
            branch.cancel();
        }
    }
}
