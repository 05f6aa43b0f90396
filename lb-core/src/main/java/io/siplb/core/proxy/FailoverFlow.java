package io.siplb.core.proxy;

import io.siplb.core.dispatch.Destination;
import io.siplb.core.dispatch.FailoverPlan;
import io.siplb.core.dispatch.FailureMark;
import io.siplb.core.sip.MessageFactory;
import io.siplb.core.sip.SipMessage;
import io.siplb.core.sip.SipMessageEdit;
import io.siplb.core.sip.SipMethod;
import io.siplb.core.sip.Via;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeoutException;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.util.retry.Retry;

/**
 * One request walked through its failover plan, as a {@link Mono} of the final response to send
 * upstream (RFC 3261 §16.6–16.7, Kamailio's {@code t_relay} + {@code t_on_failure} +
 * {@code ds_next_dst}):
 *
 * <pre>
 * Mono.defer(attempt)                        // next destination of the plan, our Via pushed
 *     .timeout(fr_timer, then fr_inv_timer)  // silence, or no final after a provisional
 *     .flatMap(failure code ? error : final) // 5xx/408 and the like fail over
 *     .retryWhen(while the plan lasts)       // the failed destination marked as configured
 *     .onErrorResume(best response or 503)   // §16.7 step 6
 * </pre>
 *
 * <p>Provisional responses are relayed upstream as they come. A CANCEL from upstream stops the
 * failover: it is sent on to the live branch once that branch has answered provisionally (§9.1),
 * and that branch's 487 is what goes upstream. Timers run on the owning loop's scheduler.
 */
final class FailoverFlow {
    /** The final response to send upstream; {@code relayed} ones still carry our Via. */
    record Outcome(SipMessage response, boolean relayed) {
    }

    /** One failed attempt; carries the response that failed it, or none for silence. */
    static final class AttemptFailed extends RuntimeException {
        private static final long serialVersionUID = 1L;

        AttemptFailed() {
            super(null, null, false, false);
        }
    }

    private static final AttemptFailed EXHAUSTED = new AttemptFailed();

    /** Where one attempt goes: a destination of the dispatcher, or a bare next hop in a dialog. */
    record Target(Destination destination, InetSocketAddress address) {
    }

    private final SipProxy proxy;
    private final ServerTransaction server;
    private final SipMessage request;
    private final FailoverPlan plan;
    private final Target fixed;
    private final boolean removeRoute;
    private final boolean invite;
    private boolean fixedUsed;
    private boolean cancelled;
    private boolean cancelPending;
    private ClientTransaction current;
    private SipMessage best;

    /** A new request walked through {@code plan}. */
    FailoverFlow(SipProxy proxy, ServerTransaction server, FailoverPlan plan, boolean removeRoute) {
        this(proxy, server, plan, null, removeRoute);
    }

    /** An in-dialog request sent to one known next hop, without failover. */
    FailoverFlow(SipProxy proxy, ServerTransaction server, Target fixed, boolean removeRoute) {
        this(proxy, server, null, fixed, removeRoute);
    }

    private FailoverFlow(SipProxy proxy, ServerTransaction server, FailoverPlan plan, Target fixed,
            boolean removeRoute) {
        this.proxy = proxy;
        this.server = server;
        this.request = server.request; // kept here: the server transaction drops it when finished
        this.plan = plan;
        this.fixed = fixed;
        this.removeRoute = removeRoute;
        this.invite = request.method() == SipMethod.INVITE;
    }

    Mono<Outcome> run() {
        return Mono.defer(this::attempt)
                .retryWhen(Retry.from(signals -> signals.concatMap(signal -> {
                    if (signal.failure() instanceof AttemptFailed && signal.failure() != EXHAUSTED
                            && canFailOver()) {
                        proxy.counters().failovers.increment();
                        return Mono.just(signal);
                    }
                    return Mono.error(signal.failure());
                })))
                .onErrorResume(AttemptFailed.class, e -> Mono.just(exhausted()));
    }

    private boolean canFailOver() {
        return plan != null && !cancelled && plan.tried() < plan.size();
    }

    private Target nextTarget() {
        if (plan == null) {
            if (fixedUsed) {
                return null;
            }
            fixedUsed = true;
            return fixed;
        }
        Destination destination = plan.next();
        return destination == null ? null : new Target(destination, proxy.resolve(destination));
    }

    private Mono<Outcome> attempt() {
        Target target = nextTarget();
        if (target == null) {
            return Mono.error(EXHAUSTED);
        }
        if (target.address() == null) {
            proxy.counters().unresolvable.increment();
            markFailure(target);
            return Mono.error(new AttemptFailed());
        }
        String branch = proxy.forwarder().newBranch();
        SipMessage forwarded = forwardedRequest(branch, target);
        ClientTransaction transaction = proxy.forwarder().create(branch, forwarded, target.address());
        if (invite) {
            // a branch given up on may still answer 200: that call is then the one (§16.7 step 5)
            transaction.onLateSuccess(response -> lateSuccess(target, response));
        }
        current = transaction;
        if (countsLoad() && target.destination() != null) {
            proxy.tables().callLoad.acquire(request.callId(), target.destination());
        }
        Flux<SipMessage> responses = transaction.responses().doOnNext(this::onResponse);
        Duration frTimer = proxy.settings().failover().timeout();
        Mono<SipMessage> finalResponse = invite
                ? responses.timeout(Mono.delay(frTimer, proxy.scheduler()),
                        response -> Mono.delay(proxy.settings().failover().inviteTimeout(), proxy.scheduler()))
                        .filter(response -> response.statusCode() >= 200).next()
                : responses.filter(response -> response.statusCode() >= 200).next()
                        .timeout(frTimer, proxy.scheduler());
        return finalResponse
                .onErrorMap(TimeoutException.class, e -> timedOut(target, transaction))
                .flatMap(response -> decide(target, response));
    }

    private SipMessage forwardedRequest(String branch, Target target) {
        Via client = request.topVia();
        InetSocketAddress source = server.source;
        SipMessageEdit edit = request.edit()
                .pushVia("SIP/2.0/UDP " + proxy.settings().advertised() + ";branch=" + branch)
                .viaReceived(source.getAddress().getHostAddress())
                .maxForwards(request.maxForwards() < 0 ? 70 - 1 : request.maxForwards() - 1);
        if (client.rport() == Via.RPORT_REQUESTED) {
            edit.viaRport(source.getPort());
        }
        if (removeRoute) {
            edit.removeFirstRoute();
        }
        if (proxy.settings().recordRoute() && request.method().createsDialog() && request.to().tag() == null
                && target.destination() != null) {
            edit.prependRecordRoute(DialogRoute.recordRoute(proxy.settings().advertised(), target.destination()));
        }
        return edit.toMessage();
    }

    private void onResponse(SipMessage response) {
        int status = response.statusCode();
        if (status >= 200) {
            return;
        }
        if (status > 100) {
            proxy.relayProvisional(server, response);
        }
        if (cancelPending && invite) {
            cancelPending = false;
            proxy.forwarder().cancel(current);
        }
    }

    private AttemptFailed timedOut(Target target, ClientTransaction transaction) {
        if (invite && transaction.proceeding()) {
            proxy.forwarder().cancel(transaction); // fr_inv_timer: give up on a ringing branch (RFC 3261 §16.8)
        }
        if (!cancelled) {
            if (!proxy.overloaded()) {
                markFailure(target);
            } else if (markable(target)) {
                // a late answer may be ours, not the destination's: do not take it out of service
                proxy.counters().marksSpared.increment();
            }
        }
        return new AttemptFailed();
    }

    private Mono<Outcome> decide(Target target, SipMessage response) {
        int status = response.statusCode();
        if (status < 300) {
            if (invite && target.destination() != null) {
                proxy.tables().dialogs.put(request.callId().toString(), target.destination());
                if (countsLoad()) {
                    proxy.tables().callLoad.confirm(request.callId());
                }
            }
            return Mono.just(new Outcome(response, true));
        }
        if (plan != null && !cancelled && proxy.settings().failover().codes().failsOver(status)) {
            markFailure(target);
            if (best == null || better(response, best)) {
                best = response;
            }
            return Mono.error(new AttemptFailed());
        }
        releaseLoad();
        return Mono.just(new Outcome(response, true));
    }

    /** RFC 3261 §16.7 step 6: any 6xx first, else the lowest class; earlier wins a tie. */
    private static boolean better(SipMessage candidate, SipMessage incumbent) {
        int c = candidate.statusCode() / 100;
        int i = incumbent.statusCode() / 100;
        if (c == 6 || i == 6) {
            return c == 6 && i != 6;
        }
        return c < i;
    }

    private Outcome exhausted() {
        releaseLoad();
        if (cancelled) {
            return new Outcome(MessageFactory.response(request, 487, "Request Terminated", server.toTag), false);
        }
        proxy.counters().exhausted.increment();
        if (best != null) {
            return new Outcome(best, true);
        }
        if (plan == null) {
            // a request of a dialog whose peer did not answer: 408 ends the dialog (RFC 3261 §12.2.1.2)
            return new Outcome(MessageFactory.response(request, 408, "Request Timeout", server.toTag), false);
        }
        int status = proxy.settings().failover().exhaustedReply();
        String[] extra = status == 503
                ? new String[] {"Retry-After: " + proxy.settings().retryAfter().toSeconds()}
                : new String[0];
        return new Outcome(MessageFactory.response(request, status, reason(status), server.toTag, extra), false);
    }

    private static String reason(int status) {
        return switch (status) {
            case 408 -> "Request Timeout";
            case 480 -> "Temporarily Unavailable";
            case 500 -> "Server Internal Error";
            case 503 -> "Service Unavailable";
            case 504 -> "Server Time-out";
            default -> "No Destination Available";
        };
    }

    private void releaseLoad() {
        if (countsLoad() && plan != null) {
            proxy.tables().callLoad.release(request.callId());
        }
    }

    /** Calls are counted only where algorithm 10 reads the counts: elsewhere it is work for nothing. */
    private boolean countsLoad() {
        return invite && proxy.settings().dispatch().algorithm() == io.siplb.core.dispatch.Algorithm.CALL_LOAD;
    }

    private void markFailure(Target target) {
        if (markable(target)) {
            proxy.dispatcher().markFailure(target.destination(), proxy.settings().failover().mark());
        }
    }

    private boolean markable(Target target) {
        return plan != null && target.destination() != null
                && proxy.settings().failover().mark() != FailureMark.NONE;
    }

    /**
     * A branch abandoned on silence answered 200 after all. If no final went upstream yet, that
     * answer ends the request: the branch now being tried is CANCELled and the dialog recorded.
     * Otherwise the 2xx is relayed as it is (RFC 3261 §16.7 step 5: every 2xx goes upstream).
     */
    private void lateSuccess(Target target, SipMessage response) {
        if (server.finalSent) {
            proxy.relayStateless(response);
            return;
        }
        ClientTransaction live = current;
        if (live != null && live.proceeding()) {
            proxy.forwarder().cancel(live);
        }
        if (target.destination() != null) {
            proxy.tables().dialogs.put(request.callId().toString(), target.destination());
        }
        proxy.finishEarly(server, new Outcome(response, true));
    }

    /** Upstream sent a CANCEL: no more failover; cancel the live branch once it may be. */
    void cancel() {
        if (cancelled) {
            return; // a retransmitted CANCEL
        }
        cancelled = true;
        if (current != null && current.proceeding()) {
            proxy.forwarder().cancel(current);
        } else {
            cancelPending = true;
        }
    }

}
