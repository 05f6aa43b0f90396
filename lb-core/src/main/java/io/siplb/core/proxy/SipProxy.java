package io.siplb.core.proxy;

import io.siplb.core.dispatch.DestinationIndex;
import io.siplb.core.dispatch.Dispatcher;
import io.siplb.core.dispatch.FailoverPlan;
import io.siplb.core.net.AddressResolver;
import io.siplb.core.net.MessageSender;
import io.siplb.core.net.Peer;
import io.siplb.core.route.DialogRouter;
import io.siplb.core.route.FlowTokens;
import io.siplb.core.route.RouteRequest;
import io.siplb.core.route.RouteSettings;
import io.siplb.core.route.Router;
import io.siplb.core.route.Routes;
import io.siplb.core.route.RoutingDecision;
import io.siplb.core.route.TargetChoice;
import io.siplb.core.sip.MessageFactory;
import io.siplb.core.sip.SipMessage;
import io.siplb.core.sip.SipMethod;
import io.siplb.core.sip.SipUri;
import io.siplb.core.transaction.Branches;
import io.siplb.core.transaction.ProxyCounters;
import io.siplb.core.transaction.RequestFlow;
import io.siplb.core.transaction.ServerTransaction;
import io.siplb.core.transaction.ServerTransactions;
import io.siplb.core.transaction.TransactionLayer;
import io.siplb.core.transaction.TransactionUser;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import java.util.function.Supplier;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * The transaction user of one event loop (RFC 3261 §16): its {@link TransactionLayer} hands it
 * every new request and the ACKs of 2xx; it sheds what the loop cannot take, asks the routes
 * ({@link Router}, {@link DialogRouter}) for a {@link RoutingDecision}, and applies it — an answer,
 * a drop, or a flow started on the server transaction: a {@link FailoverFlow} (one target after
 * another, or a dialog's one next hop) or, for algorithm 12, a {@link ForkFlow}. It decides no
 * route and keeps no transaction itself; it holds no socket: it sends through a {@link
 * MessageSender} and times on a {@link Scheduler}, both of its loop.
 *
 * <p>Threading: every call for one transaction comes on the loop that owns it — requests on the
 * loop that received them, responses on the loop named in their branch ({@link Branches}). The
 * transport guarantees it; this class then needs no locks.
 */
public final class SipProxy implements TransactionUser {
    private final ProxySettings settings;
    private final Dispatcher dispatcher;
    private final ProxyTables tables;
    private final ProxyCounters counters;
    private final MessageSender sender;
    private final Supplier<Router> router;
    private final String listener;
    private final TransactionLayer transactions;
    private final ServerTransactions server;
    private final DialogRouter dialogs;
    private final RequestEdits edits;
    private final FlowContext context;
    private final Probes probes;
    private volatile BooleanSupplier overloaded = () -> false;
    private final FlowContext.Observed observed = new FlowContext.Observed();

    /**
     * A proxy whose only route is {@code settings.dispatch()} (the {@code siplb.dispatch.*} keys).
     *
     * @param loop this loop's number, written in its branches
     * @param local whether a URI names this balancer (its advertised or listen address)
     */
    public SipProxy(ProxySettings settings, Dispatcher dispatcher, ProxyTables tables, MessageSender sender,
            Scheduler scheduler, AddressResolver resolver, Predicate<SipUri> local, int loop) {
        this(settings, dispatcher, tables, sender, scheduler, resolver, local, loop,
                single(Routes.single(settings.dispatch(), settings.failover(), settings.recordRoute(),
                        tables.callLoad)), "udp:" + settings.advertised());
    }

    /**
     * @param router the routes in force, read for every new request (a reload swaps them)
     * @param listener the listen address this proxy's socket serves, as {@code siplb.listen}
     *     writes it, for {@code match.listen}
     */
    public SipProxy(ProxySettings settings, Dispatcher dispatcher, ProxyTables tables, MessageSender sender,
            Scheduler scheduler, AddressResolver resolver, Predicate<SipUri> local, int loop,
            Supplier<Router> router, String listener) {
        this(settings, dispatcher, tables, sender, scheduler, resolver, local, loop, router, listener,
                new DestinationIndex(dispatcher, resolver, () -> scheduler.now(TimeUnit.NANOSECONDS)));
    }

    /** @param index the destinations' addresses, shared by every loop */
    public SipProxy(ProxySettings settings, Dispatcher dispatcher, ProxyTables tables, MessageSender sender,
            Scheduler scheduler, AddressResolver resolver, Predicate<SipUri> local, int loop,
            Supplier<Router> router, String listener, DestinationIndex index) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.dispatcher = Objects.requireNonNull(dispatcher, "dispatcher");
        this.tables = Objects.requireNonNull(tables, "tables");
        this.counters = tables.counters();
        this.sender = Objects.requireNonNull(sender, "sender");
        this.router = Objects.requireNonNull(router, "router");
        this.listener = Objects.requireNonNull(listener, "listener");
        this.transactions = new TransactionLayer(tables.transactions(), sender, scheduler, loop, settings.t1(),
                settings.failover().timeout(), this);
        this.server = transactions.server();
        server.finishObserver((transaction, status, nanos) -> observed.get().finished(transaction, status, nanos));
        TargetChoice targets = new TargetChoice(Objects.requireNonNull(resolver, "resolver"));
        FlowTokens tokens = new FlowTokens(settings.nat().key(), counters.flowTokensRejected);
        this.edits = new RequestEdits(settings, tokens, loop);
        this.dialogs = new DialogRouter(Objects.requireNonNull(local, "local"), dispatcher, index, tables::dialog,
                sender::connected, targets, tokens);
        // silence may be ours (an overloaded loop) or misdelivered (a predecessor shares the port)
        FailureMarking marking = new FailureMarking(dispatcher, counters,
                () -> overloaded.getAsBoolean() || tables.sharesPort());
        this.context = new FlowContext(server, transactions.client(), edits, targets, marking, tables, scheduler,
                settings, observed);
        this.probes = new Probes(transactions.client(), edits, targets, scheduler, settings.advertisedHost());
    }

    private static Supplier<Router> single(Router router) {
        return () -> router;
    }

    /** Where this loop's messages enter: the transport hands it every parse result. */
    public TransactionLayer transactions() {
        return transactions;
    }

    /** This loop's health probes. */
    public Probes probes() {
        return probes;
    }

    /**
     * Tells the proxy when its loop is overloaded (the transport measures the loop's lag). While it
     * is, new dialogs and transactions get 503 with Retry-After at once, requests of existing
     * dialogs and every response still go through, and a destination that stays silent is not
     * marked down: the silence may be our own.
     */
    public void overloadSignal(BooleanSupplier signal) {
        this.overloaded = Objects.requireNonNull(signal, "signal");
    }

    /** Who hears what becomes of each request (call logs, metrics, capture by route); none by default. */
    public void observe(CallObserver observer) {
        observed.observer = Objects.requireNonNull(observer, "observer");
    }

    // ------------------------------------------------------------------ requests

    /**
     * A new request: along our Path, shed, refused by admission, decided by the routes (new) or by
     * dialog routing (in a dialog), then applied — in that order.
     */
    @Override
    public void onRequest(ServerTransaction transaction) {
        SipMessage request = transaction.request();
        Peer source = transaction.source();
        boolean fresh = request.to().tag() == null;
        // a destination's request along our Path goes to the client's connection, not by the rules
        Optional<RoutingDecision> path = fresh ? dialogs.path(request, source) : Optional.empty();
        if (path.isPresent() && path.get() instanceof RoutingDecision.Reply reply) {
            reply(transaction, reply);
            return;
        }
        if (shed(transaction, fresh)) {
            return;
        }
        Router routes = router.get();
        RoutingDecision decision = fresh && path.isEmpty()
                ? routes.route(new RouteRequest(request, source.address(), listener), dispatcher)
                : Router.admission(request);
        if (decision == null) {
            decision = path.isPresent() ? path.get() : dialogs.inDialog(request, source);
        }
        apply(transaction, decision, routes);
    }

    /**
     * Whether the request is turned away before routing: left unanswered for a successor while
     * handing over, or 503 when the table is full, or a new one while draining or overloaded — a
     * loop too busy to take the call must not also pay for choosing its destinations (a plan over
     * a large set costs more than the 503).
     */
    private boolean shed(ServerTransaction transaction, boolean fresh) {
        if (fresh && tables.handingOver() && !transaction.source().transport().reliable()) {
            counters.handedOver.increment(); // restarting: the retransmission finds the successor
            return true;
        }
        if (tables.liveServerTransactions() >= settings.maxTransactions()
                || fresh && (tables.draining() || overloaded.getAsBoolean())) {
            counters.shed.increment();
            server.reply(transaction, MessageFactory.serviceUnavailable(transaction.request(), transaction.toTag(),
                    (int) settings.retryAfter().toSeconds()));
            observed.get().finished(transaction, 503, 0);
            return true;
        }
        return false;
    }

    private void apply(ServerTransaction transaction, RoutingDecision decision, Router routes) {
        SipMessage request = transaction.request();
        RequestFlow flow;
        if (decision instanceof RoutingDecision.Reply reply) {
            reply(transaction, reply);
            return;
        } else if (decision instanceof RoutingDecision.Drop) {
            counters.routeDropped.increment();
            return;
        } else if (decision instanceof RoutingDecision.Forward forward) {
            FailoverPlan plan = forward.plan();
            RouteSettings route = forward.route().settings();
            observed.get().routed(transaction, forward.route().name());
            int ours = dialogs.ourRoutes(request);
            // algorithm 12 forks an INVITE; other methods, and a plan of one, are tried in turn
            flow = plan.parallel() && plan.size() > 1 && request.method() == SipMethod.INVITE
                    ? new ForkFlow(context, transaction, plan, route, ours)
                    : new FailoverFlow(context, transaction, plan, route, ours);
        } else {
            RoutingDecision.Relay relay = (RoutingDecision.Relay) decision;
            if (request.method() == SipMethod.BYE && relay.pathFrom() == null) {
                tables.callLoad.release(request.callId()); // a no-op unless algorithm 10 counted the call
            }
            flow = new FailoverFlow(context, transaction, relay.target(), routes.defaultSettings(), relay.ourRoutes(),
                    relay.pathFrom());
        }
        server.start(transaction, request.method() == SipMethod.BYE ? endingDialog(flow, request.callId()) : flow);
    }

    private void reply(ServerTransaction transaction, RoutingDecision.Reply reply) {
        server.reply(transaction, reply.status(), reply.reason(), reply.headers().toArray(String[]::new));
        observed.get().finished(transaction, reply.status(), 0);
    }

    /**
     * A BYE's flow that forgets its dialog once answered: by every final but a challenge (401,
     * 407), after which the caller sends the BYE again with credentials. RFC 3261 §15.1.1: the
     * UAC considers the dialog terminated whatever else the BYE got, 481, 408 and silence included.
     */
    private RequestFlow endingDialog(RequestFlow flow, CharSequence callId) {
        return new RequestFlow() {
            @Override
            public Mono<Outcome> run() {
                return flow.run().doOnNext(outcome -> {
                    int status = outcome.response().statusCode();
                    if (status != 401 && status != 407) {
                        tables.forgetDialog(callId);
                    }
                }).doOnError(error -> tables.forgetDialog(callId));
            }

            @Override
            public void cancel() {
                flow.cancel();
            }
        };
    }

    /**
     * The ACK of a 2xx is a request of the dialog, end to end (RFC 3261 §13.2.2.4): relayed where
     * dialog routing says, with the same branch for every copy; never answered, and dropped when
     * out of hops (§16.3 step 3) or when nothing names where it goes.
     */
    @Override
    public void onAck(SipMessage ack, Peer source) {
        if (ack.maxForwards() == 0 || !(dialogs.inDialog(ack, source) instanceof RoutingDecision.Relay relay)) {
            return;
        }
        String branch = Branches.forAck(ack.topVia().branch(), ack.callId(), ack.cseq().number());
        Peer next = relay.target().peer();
        sender.send(edits.forwardedAck(ack, source, next, branch, relay.ourRoutes()), next);
    }
}
