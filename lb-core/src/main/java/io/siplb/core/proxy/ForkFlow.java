package io.siplb.core.proxy;

import io.siplb.core.dispatch.Destination;
import io.siplb.core.dispatch.FailoverPlan;
import io.siplb.core.dispatch.FailureMark;
import io.siplb.core.route.RouteSettings;
import io.siplb.core.sip.SipMessage;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
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
 *       a silent or failing destination is marked as {@code siplb.failover.mark} says.</li>
 * </ul>
 *
 * A branch does not fail over to another destination: every destination is already tried.
 * Runs on the owning loop.
 */
final class ForkFlow implements RequestFlow {
    private final SipProxy proxy;
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

    ForkFlow(SipProxy proxy, ServerTransaction server, FailoverPlan plan, RouteSettings settings, int ourRoutes) {
        this.proxy = proxy;
        this.server = server;
        this.request = server.request;
        this.plan = plan;
        this.ourRoutes = ourRoutes;
        this.settings = settings;
        this.deadlineNanos = FailoverFlow.deadline(proxy, settings, true);
    }

    @Override
    public Mono<Outcome> run() {
        return Mono.create(created -> {
            sink = created;
            for (Destination destination : plan.destinations()) {
                FailoverFlow.Target target = proxy.firstTarget(destination); // a fork tries one target each
                if (target.address() == null) {
                    proxy.counters().unresolvable.increment();
                    destination.countFailure();
                    markFailure(target);
                    continue;
                }
                Branch branch = new Branch(proxy, server, request, target, settings, ourRoutes, deadlineNanos, false);
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
                            if (error instanceof ClientTransaction.TransportError) {
                                proxy.counters().transportErrors.increment();
                            }
                            onSilence(branch);
                        }));
            }
        });
    }

    private void onProvisional(SipMessage response) {
        if (response.statusCode() > 100 && !decided) {
            proxy.relayProvisional(server, response);
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
            branch.target().destination().countFailure();
            markFailure(branch.target());
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
    private void onSilence(Branch branch) {
        pending--;
        if (branch.transaction().proceeding()) {
            proxy.forwarder().cancel(branch.transaction()); // RFC 3261 §16.8: stop a ringing branch
        }
        if (!cancelled && !expired() && !branch.cancelling()) {
            branch.target().destination().countFailure();
            if (!proxy.overloaded()) {
                markFailure(branch.target());
            } else if (markable(branch.target())) {
                proxy.counters().marksSpared.increment();
            }
        }
        endIfLast();
    }

    private void success(Branch branch, SipMessage response) {
        if (decided) {
            proxy.relayStateless(response); // a second 2xx: relayed too (§16.7 step 5)
            return;
        }
        decided = true;
        if (branch.target().destination() != null) {
            proxy.tables().dialogs.put(request.callId().toString(), branch.target().destination());
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
        return FailoverFlow.exhausted(proxy, settings, server, request, cancelled, expired(), best, false);
    }

    private boolean expired() {
        return proxy.scheduler().now(TimeUnit.NANOSECONDS) >= deadlineNanos;
    }

    /** A branch given up on answered 2xx: it is the call if none was relayed yet, else relayed too. */
    private void lateSuccess(Branch branch, SipMessage response) {
        if (server.finalSent || decided) {
            proxy.relayStateless(response);
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

    private void markFailure(FailoverFlow.Target target) {
        if (markable(target)) {
            proxy.dispatcher().markFailure(target.destination(), target.target(), settings.failover().mark());
        }
    }

    private boolean markable(FailoverFlow.Target target) {
        return target.destination() != null && settings.failover().mark() != FailureMark.NONE;
    }
}
