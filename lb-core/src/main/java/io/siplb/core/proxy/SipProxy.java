package io.siplb.core.proxy;

import io.netty.util.AsciiString;
import io.siplb.core.dispatch.Destination;
import io.siplb.core.dispatch.DestinationSet;
import io.siplb.core.dispatch.Dispatcher;
import io.siplb.core.dispatch.FailoverPlan;
import io.siplb.core.route.RouteRequest;
import io.siplb.core.route.RouteSettings;
import io.siplb.core.route.Router;
import io.siplb.core.route.Routes;
import io.siplb.core.route.RoutingDecision;
import io.siplb.core.sip.MessageFactory;
import io.siplb.core.sip.NameAddress;
import io.siplb.core.sip.ParseResult;
import io.siplb.core.sip.SipMessage;
import io.siplb.core.sip.SipMethod;
import io.siplb.core.sip.SipParser;
import io.siplb.core.sip.SipUri;
import io.siplb.core.sip.Via;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.function.Supplier;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * The stateful proxy of one event loop (RFC 3261 §16, §17): it takes parsed datagrams, answers
 * what it must answer itself, runs a {@link FailoverFlow} (or, for algorithm 12, a
 * {@link ForkFlow}) for every new request and relays
 * responses upstream by the Via rules. It holds no socket: it sends through a
 * {@link MessageSender} and times on a {@link Scheduler}, both of its loop. Which transport a
 * message came on matters to it only where SIP says so: the Via it writes, retransmission timers
 * (none over streams), the connection responses go back on, and Record-Route (RFC 5658).
 *
 * <p>Threading: every call for one transaction must come on the loop that owns it — requests on
 * the loop that received them, responses on the loop named in their branch ({@link Branches}).
 * The transport guarantees it; this class then needs no locks.
 */
public final class SipProxy {
    private final ProxySettings settings;
    private final Dispatcher dispatcher;
    private final ProxyTables tables;
    private final MessageSender sender;
    private final Scheduler scheduler;
    private final AddressResolver resolver;
    private final Predicate<SipUri> local;
    private final Supplier<Router> router;
    private final String listener;
    private final Forwarder forwarder;
    private volatile java.util.function.BooleanSupplier overloaded = () -> false;
    private volatile ResponseObserver responses = (status, to) -> { };
    private static final long ADDRESS_INDEX_LIFETIME_NANOS = TimeUnit.MINUTES.toNanos(1);
    // touched only on this proxy's loop
    private List<DestinationSet> indexedSets;
    private Map<InetSocketAddress, Destination> addressIndex = Map.of();
    /** The destination of each host in {@link #addressIndex}: the first in set order. */
    private Map<java.net.InetAddress, Destination> destinationHosts = Map.of();
    private long indexedAt;

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
        this.settings = Objects.requireNonNull(settings, "settings");
        this.dispatcher = Objects.requireNonNull(dispatcher, "dispatcher");
        this.tables = Objects.requireNonNull(tables, "tables");
        this.sender = Objects.requireNonNull(sender, "sender");
        this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
        this.resolver = Objects.requireNonNull(resolver, "resolver");
        this.local = Objects.requireNonNull(local, "local");
        this.router = Objects.requireNonNull(router, "router");
        this.listener = Objects.requireNonNull(listener, "listener");
        this.forwarder = new Forwarder(settings, tables, sender, scheduler, new Branches(loop), this::relayStateless);
    }

    private static Supplier<Router> single(Router router) {
        return () -> router;
    }

    /**
     * Tells the proxy when its loop is overloaded (the transport measures the loop's lag). While it
     * is, new dialogs and transactions get 503 with Retry-After at once, requests of existing
     * dialogs and every response still go through, and a destination that stays silent is not
     * marked down: the silence may be our own.
     */
    public void overloadSignal(java.util.function.BooleanSupplier signal) {
        this.overloaded = Objects.requireNonNull(signal, "signal");
    }

    boolean overloaded() {
        return overloaded.getAsBoolean();
    }

    /** Handles one datagram's parse result from {@code source}. */
    public void receive(ParseResult result, InetSocketAddress source) {
        receive(result, Peer.udp(source));
    }

    /** Handles one message's parse result from {@code source} (a datagram, or a frame of a stream). */
    public void receive(ParseResult result, Peer source) {
        if (result instanceof ParseResult.Parsed parsed) {
            SipMessage message = parsed.message();
            if (message.isRequest()) {
                onRequest(message, source);
            } else {
                onResponse(message);
            }
        } else if (result instanceof ParseResult.Malformed malformed) {
            onMalformed(malformed, source);
        } else {
            tables.counters.keepAlives.increment();
        }
    }

    private void onMalformed(ParseResult.Malformed malformed, Peer source) {
        SipMessage request = malformed.answerable().orElse(null);
        if (request == null) {
            ProxyCounters.DropReason reason = malformed.status() == ParseResult.TOO_LARGE
                    ? ProxyCounters.DropReason.TOO_LARGE : ProxyCounters.DropReason.UNANSWERABLE;
            tables.counters.malformedDropped.get(reason).increment();
            return;
        }
        SipMessage answer;
        try {
            answer = MessageFactory.response(request, malformed.status(), malformed.reason(), newTag());
        } catch (IllegalStateException | IllegalArgumentException e) {
            // what was framed of it is too broken to copy into an answer that itself frames
            tables.counters.malformedDropped.get(ProxyCounters.DropReason.UNANSWERABLE).increment();
            return;
        }
        tables.counters.malformedAnswered.increment();
        // the Via itself may be the defect: answer the datagram's source (ParseResult.answerable)
        respond(answer, source);
    }

    /** Sends a response upstream and counts it by class. */
    private void respond(io.siplb.core.sip.SipWritable response, int status, Peer to) {
        tables.counters.responseSent(status);
        responses.sent(status, to.address());
        sender.send(response, to);
    }

    /** Hears every response the proxy sends upstream, relayed or its own (edge protection counts 401s). */
    @FunctionalInterface
    public interface ResponseObserver {
        void sent(int status, InetSocketAddress to);
    }

    /** Tells {@code observer} of every response sent upstream; on this proxy's loop. */
    public void responseObserver(ResponseObserver observer) {
        this.responses = Objects.requireNonNull(observer, "observer");
    }

    private void respond(SipMessage response, Peer to) {
        respond(response, response.statusCode(), to);
    }

    // ------------------------------------------------------------------ requests

    private void onRequest(SipMessage request, Peer source) {
        tables.counters.requests.increment();
        tables.counters.requestsByMethod.get(request.method()).increment();
        Peer upstream = upstream(request.topVia(), source);
        switch (request.method()) {
            case ACK -> onAck(request, source);
            case CANCEL -> onCancel(request, upstream);
            default -> onOtherRequest(request, source, upstream);
        }
    }

    /**
     * Where the responses to a request from {@code source} go (RFC 3261 §18.2.2): over UDP by the
     * Via rules; over a stream back on its connection, and when that is gone on a new one to the
     * source's address and the sent-by port; over a WebSocket only on its connection (the client's
     * sent-by is a {@code .invalid} name, RFC 7118 §5.2).
     */
    private static Peer upstream(Via via, Peer source) {
        if (!source.transport().reliable()) {
            return Peer.udp(ResponseAddress.forRequest(via, source.address()));
        }
        if (source.transport().webSocket()) {
            return source;
        }
        int port = via != null && via.port() > 0 ? via.port() : source.transport().secure() ? 5061 : 5060;
        return source.withAddress(new InetSocketAddress(source.address().getAddress(), port));
    }

    private void onAck(SipMessage ack, Peer source) {
        ServerTransaction invite = tables.serverTransactions.getIfPresent(key(ack, SipMethod.INVITE));
        if (invite != null && invite.finalSent && invite.finalStatus >= 300) {
            invite.acknowledged(); // the ACK of our non-2xx, hop by hop: Timer G stops
            tables.counters.retransmissionsAbsorbed.increment();
            return;
        }
        // the ACK of a 2xx is a request of the dialog, end to end (RFC 3261 §13.2.2.4)
        InDialogRoute route = inDialogRoute(ack, source);
        if (route == null || route == InDialogRoute.FLOW_FAILED || route.target().address() == null
                || ack.maxForwards() == 0) {
            return; // an ACK is never answered; one out of hops is dropped (RFC 3261 §16.3 step 3)
        }
        String branch = Branches.forAck(ack.topVia().branch(), ack.callId(), ack.cseq().number());
        Peer next = route.target().peer();
        var edit = ack.edit()
                .pushVia(forwarder.via(next.transport(), branch))
                .viaReceived(source.address().getAddress().getHostAddress())
                .maxForwards(ack.maxForwards() < 0 ? 69 : Math.max(0, ack.maxForwards() - 1));
        if (source.transport().reliable()) {
            edit.viaRport(source.address().getPort());
        }
        edit.removeFirstRoutes(route.ourRoutes());
        sender.send(edit, next);
    }

    private void onCancel(SipMessage cancel, Peer upstream) {
        ServerTransaction invite = tables.serverTransactions.getIfPresent(key(cancel, SipMethod.INVITE));
        if (invite == null) {
            respond(MessageFactory.response(cancel, 481, "Call/Transaction Does Not Exist", newTag()), upstream);
            return;
        }
        // RFC 3261 §16.10: answer the CANCEL at once, then cancel the pending branch — on the loop
        // that owns the INVITE, which a CANCEL from another source port may not have reached
        respond(MessageFactory.response(cancel, 200, "OK", invite.toTag), upstream);
        Runnable cancelBranch = () -> {
            RequestFlow flow = invite.flow;
            if (!invite.finalSent && flow != null) {
                tables.counters.cancels.increment();
                flow.cancel();
            }
        };
        if (invite.owner == this) {
            cancelBranch.run();
        } else {
            invite.owner.scheduler.schedule(cancelBranch);
        }
    }

    private void onOtherRequest(SipMessage request, Peer source, Peer upstream) {
        TransactionKey key = key(request, request.method());
        ServerTransaction known = tables.serverTransactions.getIfPresent(key);
        if (known != null) {
            tables.counters.retransmissionsAbsorbed.increment();
            if (known.lastResponse != null) {
                sender.send(known.lastResponse, known.upstream); // §17.2.1: resend the last response
            }
            return;
        }
        String toTag = newTag();
        boolean newDialogOrTransaction = request.to().tag() == null;
        Router routes = router.get();
        // a destination's request along our Path goes to the client's connection, not by the rules
        InDialogRoute path = newDialogOrTransaction ? pathRoute(request, source) : null;
        if (path == InDialogRoute.FLOW_FAILED) {
            respond(flowFailed(request, toTag), upstream);
            return;
        }
        if (newDialogOrTransaction && tables.handingOver() && !source.transport().reliable()) {
            tables.counters.handedOver.increment(); // restarting: the retransmission finds the successor
            return;
        }
        // shed before routing: a loop too busy to take the call must not also pay for choosing
        // its destinations (a plan over a large set costs more than the 503)
        if (tables.liveServerTransactions.get() >= settings.maxTransactions()
                || newDialogOrTransaction && (tables.draining() || overloaded.getAsBoolean())) {
            tables.counters.shed.increment();
            respond(MessageFactory.serviceUnavailable(request, toTag, (int) settings.retryAfter().toSeconds()),
                    upstream);
            return;
        }
        // new requests: admission checks and routing rules; in-dialog ones: admission only
        RoutingDecision decision = newDialogOrTransaction && path == null
                ? routes.route(new RouteRequest(request, source.address(), listener), dispatcher)
                : Router.admission(request);
        if (decision instanceof RoutingDecision.Reply reply) {
            respond(MessageFactory.response(request, reply.status(), reply.reason(), toTag,
                    reply.headers().toArray(String[]::new)), upstream);
            return;
        }
        if (decision instanceof RoutingDecision.Drop) {
            tables.counters.routeDropped.increment();
            return;
        }
        ServerTransaction transaction = new ServerTransaction(key, request, source, upstream, toTag);
        RequestFlow flow;
        if (path != null) {
            transaction.pathFrom = destinationOf(source);
            flow = new FailoverFlow(this, transaction, path.target(), routes.defaultSettings(), path.ourRoutes());
        } else if (decision instanceof RoutingDecision.Forward forward) {
            FailoverPlan plan = forward.plan();
            RouteSettings route = forward.route().settings();
            // algorithm 12 forks an INVITE; other methods, and a plan of one, are tried in turn
            flow = plan.parallel() && plan.size() > 1 && request.method() == SipMethod.INVITE
                    ? new ForkFlow(this, transaction, plan, route, ourRoutes(request))
                    : new FailoverFlow(this, transaction, plan, route, ourRoutes(request));
        } else {
            InDialogRoute route = inDialogRoute(request, source);
            if (route == InDialogRoute.FLOW_FAILED) {
                respond(flowFailed(request, toTag), upstream);
                return;
            }
            if (route == null || route.target().address() == null) {
                // no dialog of ours, and nothing names a destination (RFC 3261 §12.2.2)
                respond(MessageFactory.response(request, 481, "Call/Transaction Does Not Exist", toTag), upstream);
                return;
            }
            if (request.method() == SipMethod.BYE) {
                tables.callLoad.release(request.callId()); // a no-op unless algorithm 10 counted the call
            }
            flow = new FailoverFlow(this, transaction, route.target(), routes.defaultSettings(), route.ourRoutes());
        }
        start(transaction, flow);
    }

    private void start(ServerTransaction transaction, RequestFlow flow) {
        transaction.flow = flow;
        transaction.owner = this;
        tables.serverTransactions.put(transaction.key, transaction);
        tables.liveServerTransactions.incrementAndGet();
        if (transaction.request.method() == SipMethod.INVITE) {
            io.siplb.core.sip.SipWritable trying = MessageFactory.trying(transaction.request); // §16.2: at once
            transaction.lastResponse = trying;
            respond(trying, 100, transaction.upstream);
        }
        reactor.core.Disposable subscription = flow.run().subscribe(outcome -> finish(transaction, outcome),
                error -> finish(transaction, new RequestFlow.Outcome(MessageFactory.response(transaction.request,
                        500, "Server Internal Error", transaction.toTag), false)));
        if (!transaction.finalSent) {
            transaction.subscription = subscription; // a flow that ended at once needs no handle kept
        }
    }

    private void finish(ServerTransaction transaction, RequestFlow.Outcome outcome) {
        if (transaction.finalSent) {
            return;
        }
        tables.liveServerTransactions.decrementAndGet();
        SipMessage response = outcome.response();
        boolean invite = transaction.request.method() == SipMethod.INVITE;
        if (transaction.request.method() == SipMethod.BYE && endsDialog(response.statusCode())) {
            tables.forgetDialog(transaction.request.callId());
        }
        io.siplb.core.sip.SipWritable upstream = outcome.relayed()
                ? new ServerTransaction.Bytes(response.edit().popVia().toByteArray()) : response;
        transaction.finish(upstream, response.statusCode());
        respond(upstream, response.statusCode(), transaction.upstream);
        tables.serverTransactions.put(transaction.key, transaction); // from now on only the linger
        if (invite && response.statusCode() >= 300 && !transaction.upstream.transport().reliable()) {
            resendUntilAcknowledged(transaction, settings.t1().toMillis(), 0);
        }
    }

    /**
     * Whether a final response to a BYE ends its dialog: every one but a challenge (401, 407),
     * after which the caller sends the BYE again with credentials. RFC 3261 §15.1.1: the UAC
     * considers the dialog terminated whatever else the BYE got, 481, 408 and silence included.
     */
    private static boolean endsDialog(int status) {
        return status != 401 && status != 407;
    }

    /**
     * Timer G (RFC 3261 §17.2.1): over UDP a non-2xx final to an INVITE is resent at T1, doubling
     * up to T2, until its ACK comes or Timer H (64·T1) gives up — the caller stopped resending its
     * INVITE after our 100 Trying, so nothing else would recover a lost final.
     */
    private void resendUntilAcknowledged(ServerTransaction transaction, long intervalMillis, long elapsedMillis) {
        long timerH = 64 * settings.t1().toMillis();
        if (elapsedMillis + intervalMillis > timerH) {
            return;
        }
        transaction.retransmission = scheduler.schedule(() -> {
            if (transaction.retransmission == null) {
                return; // acknowledged meanwhile
            }
            sender.send(transaction.lastResponse, transaction.upstream);
            tables.counters.retransmissionsSent.increment();
            resendUntilAcknowledged(transaction, Math.min(intervalMillis * 2, settings.t2().toMillis()),
                    elapsedMillis + intervalMillis);
        }, intervalMillis, java.util.concurrent.TimeUnit.MILLISECONDS);
    }

    /** Ends a transaction before its flow does (a late 2xx from an abandoned branch). */
    void finishEarly(ServerTransaction transaction, RequestFlow.Outcome outcome) {
        reactor.core.Disposable subscription = transaction.subscription;
        finish(transaction, outcome);
        if (subscription != null) {
            subscription.dispose(); // stops the attempt in progress and its timers
        }
    }

    /** Relays a provisional response of the live branch upstream, remembered for retransmissions. */
    void relayProvisional(ServerTransaction transaction, SipMessage response) {
        if (transaction.finalSent) {
            return;
        }
        transaction.lastResponse = response.edit().popVia();
        respond(transaction.lastResponse, response.statusCode(), transaction.upstream);
    }

    /** Where an in-dialog request goes, and how many of its top Route entries are ours (removed). */
    private record InDialogRoute(FailoverFlow.Target target, int ourRoutes) {
        /** The request names a client's connection that is gone, over a transport nothing else reaches. */
        static final InDialogRoute FLOW_FAILED = new InDialogRoute(null, 0);
    }

    /** RFC 5626 §5.3: the flow a Route names is gone. */
    private static SipMessage flowFailed(SipMessage request, String toTag) {
        return MessageFactory.response(request, 430, "Flow Failed", toTag);
    }

    /**
     * A new request from one of our destinations whose top Route is our Path entry (RFC 3327: a
     * registrar's request toward a client that registered through us): to the client's
     * connection that entry names, or {@link InDialogRoute#FLOW_FAILED} when it is closed. Only a
     * destination's host may route by a flow; {@code null} for every other request.
     */
    private InDialogRoute pathRoute(SipMessage request, Peer source) {
        if (ourRoutes(request) == 0 || !(request.routes().get(0).uri() instanceof SipUri top)) {
            return null;
        }
        long flow = DialogRoute.flow(top);
        if (flow == Peer.NO_FLOW || DialogRoute.facesDestination(top) || !fromDestinationHost(source)) {
            return null;
        }
        Peer client = sender.connected(flow);
        return client == null ? InDialogRoute.FLOW_FAILED : new InDialogRoute(new FailoverFlow.Target(null, client), 1);
    }

    /**
     * The destination {@code source} is: the one at its address, or over a stream (which a
     * destination may open from any port) the first at its host; {@code null} for anyone else.
     */
    private Destination destinationOf(Peer source) {
        Destination byAddress = destinationAt(source.address());
        if (byAddress != null || !source.transport().reliable()) {
            return byAddress;
        }
        return destinationHosts.get(source.address().getAddress());
    }

    /**
     * Loose routing (RFC 3261 §16.4, §16.12) in both directions of a dialog. Our own Route entries
     * are removed; they say where the request goes:
     *
     * <ul>
     *   <li>Two entries of ours (RFC 5658 double Record-Route): the second faces where the request
     *       goes. If it names a destination ({@code ds}), there; otherwise it faces the caller, and
     *       only a destination's host may route that way: to the next Route, else the
     *       Request-URI (the caller's Contact), over the caller's own connection when the entry
     *       names one ({@code flow}) and it is open, else over the entry's transport to that
     *       address — except a WebSocket client, which nothing else reaches: 430 Flow Failed
     *       (RFC 5626 §5.3).</li>
     *   <li>From one of our destinations (the callee hanging up, re-INVITEs, NOTIFYs): toward the
     *       caller — the next Route, else the Request-URI.</li>
     *   <li>From anyone else: toward the dialog's destination — named by {@code ds}, else by the
     *       Call-ID affinity table, else a next Route or Request-URI that is one of our
     *       destinations. Nothing else: the balancer must not relay to arbitrary hosts.</li>
     * </ul>
     */
    private InDialogRoute inDialogRoute(SipMessage request, Peer source) {
        List<NameAddress> routes = request.routes();
        int ours = ourRoutes(request);
        SipUri hop = routes.size() > ours && routes.get(ours).uri() instanceof SipUri uri ? uri : null;
        SipUri requestUri = request.requestUri() instanceof SipUri uri && !local.test(uri) ? uri : null;
        SipUri toward = hop != null ? hop : requestUri;
        Destination destination = null;
        if (ours == 2) {
            SipUri facing = (SipUri) routes.get(1).uri();
            if (!DialogRoute.facesDestination(facing)) {
                if (toward == null || !fromDestinationHost(source)) {
                    return null;
                }
                long flow = DialogRoute.flow(facing);
                Peer client = flow == Peer.NO_FLOW ? null : sender.connected(flow);
                if (client != null) {
                    return new InDialogRoute(new FailoverFlow.Target(null, client), ours);
                }
                Transport transport = facing.transport() == null ? Transport.UDP : Transport.fromToken(facing.transport());
                if (flow != Peer.NO_FLOW && transport != null && transport.webSocket()) {
                    return InDialogRoute.FLOW_FAILED; // a browser is reached over its own connection or not at all
                }
                InetSocketAddress address = resolver.resolve(toward);
                Peer peer = transport == null || address == null ? null : new Peer(transport, address, flow, null);
                return new InDialogRoute(new FailoverFlow.Target(null, peer), ours);
            }
            destination = DialogRoute.destination(facing, dispatcher).orElse(null);
        } else if (destinationAt(source.address()) != null) {
            return toward == null ? null : new InDialogRoute(new FailoverFlow.Target(null, peer(toward)), ours);
        } else if (ours == 1 && routes.get(0).uri() instanceof SipUri route) {
            destination = DialogRoute.destination(route, dispatcher).orElse(null);
        }
        if (destination == null) {
            destination = tables.dialogs.getIfPresent(request.callId().toString());
        }
        if (destination == null) {
            destination = toward == null ? null : destinationAt(resolver.resolve(toward));
        }
        return destination == null ? null : new InDialogRoute(dialogTarget(destination, toward), ours);
    }

    /** Whether {@code source} is one of our destinations ({@link #destinationOf}). */
    private boolean fromDestinationHost(Peer source) {
        return destinationOf(source) != null;
    }

    /**
     * The dispatcher's destination at {@code address} (IP and port), or {@code null}. Every
     * in-dialog request asks this, so the destinations' addresses are indexed once per list in
     * force and again every minute (as often as names are re-resolved), not resolved per request.
     */
    private Destination destinationAt(InetSocketAddress address) {
        if (address == null) {
            return null;
        }
        List<DestinationSet> sets = dispatcher.sets();
        long now = scheduler.now(TimeUnit.NANOSECONDS);
        if (sets != indexedSets || now - indexedAt > ADDRESS_INDEX_LIFETIME_NANOS) {
            Map<InetSocketAddress, Destination> index = new java.util.LinkedHashMap<>(); // set order, for the hosts
            for (DestinationSet set : sets) {
                for (int i = 0; i < set.size(); i++) {
                    java.util.List<io.siplb.core.dispatch.DestinationTarget> targets = set.get(i).targets();
                    if (targets != null) {
                        for (io.siplb.core.dispatch.DestinationTarget target : targets) {
                            index.putIfAbsent(target.address(), set.get(i));
                        }
                        continue;
                    }
                    InetSocketAddress resolved = resolve(set.get(i));
                    if (resolved != null) {
                        index.putIfAbsent(resolved, set.get(i)); // the first in set order wins, as before
                    }
                }
            }
            addressIndex = index;
            Map<java.net.InetAddress, Destination> hosts = new HashMap<>();
            index.forEach((indexed, destination) -> hosts.putIfAbsent(indexed.getAddress(), destination));
            destinationHosts = hosts;
            indexedSets = sets;
            indexedAt = now;
        }
        return addressIndex.get(address);
    }

    /** How many of the top Route entries are ours: 0, 1, or 2 (a double Record-Route, RFC 5658). */
    private int ourRoutes(SipMessage request) {
        List<NameAddress> routes = request.routes();
        int ours = 0;
        while (ours < 2 && routes.size() > ours && routes.get(ours).uri() instanceof SipUri route && local.test(route)) {
            ours++;
        }
        return ours;
    }

    // ------------------------------------------------------------------ responses

    private void onResponse(SipMessage response) {
        tables.counters.responses.increment();
        Via via = response.topVia();
        if (!Branches.isOurs(via.branch())) {
            tables.counters.strayResponses.increment(); // not our Via: RFC 3261 §18.1.2 says discard
            return;
        }
        if (!forwarder.onResponse(response)) {
            relayStateless(response);
        }
    }

    /** A response of ours with no transaction (2xx retransmissions): by the next Via (§16.7). */
    void relayStateless(SipMessage response) {
        List<Via> vias = response.vias();
        if (vias == null || vias.size() < 2) {
            tables.counters.strayResponses.increment();
            return;
        }
        InetSocketAddress next = ResponseAddress.fromVia(vias.get(1));
        Transport transport = Transport.fromToken(vias.get(1).transport());
        if (next == null || transport == null) {
            tables.counters.strayResponses.increment(); // a name without received, broadcast, or SCTP
            return;
        }
        // over a stream the address is the connection's own (we add rport): the sender finds it
        respond(response.edit().popVia(), response.statusCode(), Peer.of(transport, next));
    }

    // ------------------------------------------------------------------ probes

    /**
     * Sends one probe ({@code method}, OPTIONS by default) to {@code destination} from this loop's
     * socket, as a client transaction of its own (retransmitted on Timer A), and completes with its
     * final response, or empty when none came within {@code timeout} or the host does not resolve.
     * Must be called on this proxy's loop.
     */
    public Mono<SipMessage> probe(Destination destination, String method, String from, Duration timeout) {
        return probe(destination, peer(destination), method, from, timeout);
    }

    /** Same, to one DNS target of {@code destination}. */
    public Mono<SipMessage> probe(Destination destination, io.siplb.core.dispatch.DestinationTarget target,
            String method, String from, Duration timeout) {
        return probe(destination, peer(destination, target), method, from, timeout);
    }

    private Mono<SipMessage> probe(Destination destination, Peer peer, String method, String from, Duration timeout) {
        if (peer == null) {
            return Mono.empty();
        }
        String branch = forwarder.newBranch();
        String uri = destination.uri().text();
        String text = method + " " + uri + " SIP/2.0\r\n"
                + "Via: " + forwarder.via(peer.transport(), branch) + "\r\n"
                + "From: <" + from + ">;tag=" + newTag() + "\r\n"
                + "To: <" + uri + ">\r\n"
                + "Call-ID: " + branch + "@" + settings.advertisedHost() + "\r\n"
                + "CSeq: 1 " + method + "\r\n"
                + "Max-Forwards: 70\r\n"
                + "Content-Length: 0\r\n\r\n";
        byte[] bytes = text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        ParseResult framed = SipParser.DEFAULT.frame(bytes, bytes.length);
        if (!(framed instanceof ParseResult.Parsed parsed)) {
            return Mono.empty(); // a probe From the operator wrote that does not frame: no probe
        }
        return forwarder.transact(branch, parsed.message(), peer)
                .filter(response -> response.statusCode() >= 200)
                .next()
                .timeout(timeout, scheduler)
                .onErrorResume(java.util.concurrent.TimeoutException.class, e -> Mono.empty());
    }

    // ------------------------------------------------------------------ helpers

    /**
     * The server transaction key (RFC 3261 §17.2.3): branch, sent-by and method; for RFC 2543
     * requests without a magic-cookie branch, the Call-ID, CSeq number, From tag and sent-by.
     */
    static TransactionKey key(SipMessage request, SipMethod method) {
        Via via = request.topVia();
        if (via.hasRfc3261Branch()) {
            return new TransactionKey(via.branch(), via.host(), via.port(), method.name());
        }
        NameAddress from = request.from();
        return new TransactionKey(AsciiString.of(request.callId() + "|" + request.cseq().number() + "|"
                + (from == null ? "" : from.tag())), via.host(), via.port(), method.name());
    }

    private static String newTag() {
        return Long.toHexString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE);
    }

    InetSocketAddress resolve(Destination destination) {
        return resolver.resolve(destination.uri());
    }

    /**
     * Where requests to {@code destination} go: its address over the transport its URI names,
     * with its host as the TLS server name when it is a name; {@code null} when it does not
     * resolve or names a transport this balancer does not speak.
     */
    Peer peer(Destination destination) {
        java.util.List<io.siplb.core.dispatch.DestinationTarget> targets = destination.targets();
        if (targets == null) {
            return peer(destination.uri());
        }
        io.siplb.core.dispatch.DestinationTarget first = null;
        for (io.siplb.core.dispatch.DestinationTarget target : targets) {
            if (target.usable() && (first == null || target.priority() < first.priority())) {
                first = target;
            }
        }
        return first == null ? null : peer(destination, first);
    }

    /** One DNS target of {@code destination}: its address over its transport, SNI with its name. */
    Peer peer(Destination destination, io.siplb.core.dispatch.DestinationTarget target) {
        Transport transport = Transport.fromToken(target.transport());
        if (transport == null) {
            return null;
        }
        String name = target.name().endsWith(".") ? target.name().substring(0, target.name().length() - 1)
                : target.name();
        return new Peer(transport, target.address(), Peer.NO_FLOW,
                transport.secure() && AddressResolver.literal(name) == null ? name : null);
    }

    /** The first attempt to {@code destination}: its first target in RFC 2782 order when DNS expanded it. */
    FailoverFlow.Target firstTarget(Destination destination) {
        java.util.List<io.siplb.core.dispatch.DestinationTarget> targets = destination.targets();
        if (targets == null) {
            return new FailoverFlow.Target(destination, peer(destination));
        }
        java.util.List<io.siplb.core.dispatch.DestinationTarget> order = io.siplb.core.dispatch.SrvOrder.of(targets);
        return order.isEmpty() ? new FailoverFlow.Target(destination, null)
                : new FailoverFlow.Target(destination, peer(destination, order.get(0)), order.get(0));
    }

    /**
     * Where a request of a dialog through {@code destination} goes: for a destination DNS expanded,
     * the target the dialog's Contact names when it is one of them (the dialog stays on its
     * address), else its first usable target.
     */
    private FailoverFlow.Target dialogTarget(Destination destination, SipUri toward) {
        java.util.List<io.siplb.core.dispatch.DestinationTarget> targets = destination.targets();
        if (targets != null && toward != null && AddressResolver.literal(toward.host()) != null) {
            InetSocketAddress named = AddressResolver.LITERALS.resolve(toward);
            for (io.siplb.core.dispatch.DestinationTarget target : targets) {
                if (target.address().equals(named)) {
                    return new FailoverFlow.Target(destination, peer(destination, target), target);
                }
            }
        }
        return new FailoverFlow.Target(destination, peer(destination));
    }

    private Peer peer(SipUri uri) {
        Transport transport = Transport.of(uri);
        InetSocketAddress address = transport == null ? null : resolver.resolve(uri);
        if (address == null) {
            return null;
        }
        String serverName = transport.secure() && AddressResolver.literal(uri.host()) == null ? uri.host() : null;
        return new Peer(transport, address, Peer.NO_FLOW, serverName);
    }

    ProxySettings settings() {
        return settings;
    }

    Dispatcher dispatcher() {
        return dispatcher;
    }

    ProxyTables tables() {
        return tables;
    }

    ProxyCounters counters() {
        return tables.counters;
    }

    Forwarder forwarder() {
        return forwarder;
    }

    Scheduler scheduler() {
        return scheduler;
    }
}
