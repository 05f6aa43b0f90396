package io.siplb.core.route;

import io.siplb.core.dispatch.Destination;
import io.siplb.core.dispatch.DestinationIndex;
import io.siplb.core.dispatch.Dispatcher;
import io.siplb.core.net.Peer;
import io.siplb.core.net.Transport;
import io.siplb.core.sip.NameAddress;
import io.siplb.core.sip.SipMessage;
import io.siplb.core.sip.SipUri;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.LongFunction;
import java.util.function.Predicate;

/**
 * Decides where a request goes that the {@link Router}'s rules do not see: a request of a dialog
 * (it has a To tag; the ACK of a 2xx included) and a destination's new request along our Path
 * (RFC 3327). Loose routing (RFC 3261 §16.4, §16.12) in both directions; our own Route entries
 * are removed and say where the request goes:
 *
 * <ul>
 *   <li>Two entries of ours (RFC 5658 double Record-Route): the second faces where the request
 *       goes. If it names a destination ({@code ds}), there; otherwise it faces the caller, and
 *       only a destination's host may route that way: to the next Route, else the Request-URI
 *       (the caller's Contact), over the caller's own connection when the entry names one
 *       ({@code flow}) and it is open, or to the address its UDP flow token names (a client
 *       behind NAT; 403 when the token does not verify), else over the entry's transport to that
 *       address — except a WebSocket client, which nothing else reaches: 430 Flow Failed (RFC
 *       5626 §5.3).</li>
 *   <li>From one of our destinations (the callee hanging up, re-INVITEs, NOTIFYs): toward the
 *       caller — the next Route, else the Request-URI.</li>
 *   <li>From anyone else: toward the dialog's destination — named by {@code ds}, else by the
 *       Call-ID affinity table, else a next Route or Request-URI that is one of our destinations.
 *       Nothing else (481): the balancer must not relay to arbitrary hosts.</li>
 * </ul>
 *
 * Its answers are {@link RoutingDecision}s, as the rules' are: {@link RoutingDecision.Relay} or a
 * {@link RoutingDecision.Reply} of 403, 430 or 481. It keeps no state of its own: what it reads (the
 * address index, the affinity table, the open connections) is handed to it.
 */
public final class DialogRouter {
    /** RFC 5626 §5.3: the flow a Route names is gone. */
    public static final RoutingDecision.Reply FLOW_FAILED = new RoutingDecision.Reply(430, "Flow Failed", List.of());
    /** RFC 3261 §12.2.2: no dialog of ours, and nothing names a destination. */
    public static final RoutingDecision.Reply NO_DIALOG =
            new RoutingDecision.Reply(481, "Call/Transaction Does Not Exist", List.of());
    /** RFC 5626 §5.2: a flow token that does not verify is refused (counted by {@link FlowTokens}). */
    public static final RoutingDecision.Reply FORGED_FLOW = new RoutingDecision.Reply(403, "Forbidden", List.of());

    private final Predicate<SipUri> local;
    private final Dispatcher dispatcher;
    private final DestinationIndex index;
    private final Function<String, Destination> dialogs;
    private final LongFunction<Peer> connections;
    private final TargetChoice targets;
    private final FlowTokens tokens;

    /**
     * @param local whether a URI names this balancer (its advertised or listen address)
     * @param dialogs the Call-ID affinity table: a dialog's destination, or {@code null}
     * @param connections a client's open connection by its flow, or {@code null} when it is gone
     * @param tokens this loop's reader of UDP flow tokens
     */
    public DialogRouter(Predicate<SipUri> local, Dispatcher dispatcher, DestinationIndex index,
            Function<String, Destination> dialogs, LongFunction<Peer> connections, TargetChoice targets,
            FlowTokens tokens) {
        this.local = local;
        this.dispatcher = dispatcher;
        this.index = index;
        this.dialogs = dialogs;
        this.connections = connections;
        this.targets = targets;
        this.tokens = tokens;
    }

    /**
     * A destination's new request whose top Route is our Path entry (a registrar's request toward
     * a client that registered through us): relayed to the client's connection that entry names,
     * or 430 when it is closed; or to the UDP address its flow token names, from the socket the
     * REGISTER came in on. A token that does not verify is 403 whoever sent it. Empty for every
     * other request: only a destination's host may route by a flow.
     */
    public Optional<RoutingDecision> path(SipMessage request, Peer source) {
        if (ourRoutes(request) == 0 || !(request.routes().get(0).uri() instanceof SipUri top)
                || DialogRoute.facesDestination(top)) {
            return Optional.empty();
        }
        String token = DialogRoute.token(top);
        if (token != null) {
            Peer client = tokens.peer(token);
            if (client == null) {
                return Optional.of(FORGED_FLOW);
            }
            Destination from = destinationOf(source);
            return from == null ? Optional.empty()
                    : Optional.of(new RoutingDecision.Relay(new Target(null, client), 1, from));
        }
        long flow = DialogRoute.flow(top);
        Destination from = flow == Peer.NO_FLOW ? null : destinationOf(source);
        if (from == null) {
            return Optional.empty();
        }
        Peer client = connections.apply(flow);
        return Optional.of(client == null ? FLOW_FAILED : new RoutingDecision.Relay(new Target(null, client), 1, from));
    }

    /** Where a request of a dialog goes (the class comment's rules): a relay, 430 or 481. */
    public RoutingDecision inDialog(SipMessage request, Peer source) {
        List<NameAddress> routes = request.routes();
        int ours = ourRoutes(request);
        SipUri hop = routes.size() > ours && routes.get(ours).uri() instanceof SipUri uri ? uri : null;
        SipUri requestUri = request.requestUri() instanceof SipUri uri && !local.test(uri) ? uri : null;
        SipUri toward = hop != null ? hop : requestUri;
        Destination destination = null;
        if (ours == 2) {
            SipUri facing = (SipUri) routes.get(1).uri();
            if (!DialogRoute.facesDestination(facing)) {
                return towardCaller(facing, toward, source);
            }
            destination = DialogRoute.destination(facing, dispatcher).orElse(null);
        } else if (index.at(source.address()) != null) {
            return toward == null ? NO_DIALOG : relay(new Target(null, targets.peer(toward)), ours);
        } else if (ours == 1 && routes.get(0).uri() instanceof SipUri route) {
            destination = DialogRoute.destination(route, dispatcher).orElse(null);
        }
        if (destination == null) {
            destination = dialogs.apply(request.callId().toString());
        }
        if (destination == null) {
            destination = toward == null ? null : index.at(targets.resolve(toward));
        }
        return destination == null ? NO_DIALOG : relay(targets.inDialog(destination, toward), ours);
    }

    /**
     * A destination's request through the caller-facing entry of a double Record-Route: to the
     * caller's connection, or its UDP flow (403 when the token does not verify), or the address
     * the next hop names.
     */
    private RoutingDecision towardCaller(SipUri facing, SipUri toward, Peer source) {
        String token = DialogRoute.token(facing);
        Peer flowPeer = token == null ? null : tokens.peer(token);
        if (token != null && flowPeer == null) {
            return FORGED_FLOW;
        }
        if (toward == null || destinationOf(source) == null) {
            return NO_DIALOG;
        }
        if (flowPeer != null) {
            return relay(new Target(null, flowPeer), 2);
        }
        long flow = DialogRoute.flow(facing);
        Peer client = flow == Peer.NO_FLOW ? null : connections.apply(flow);
        if (client != null) {
            return relay(new Target(null, client), 2);
        }
        Transport transport = facing.transport() == null ? Transport.UDP : Transport.fromToken(facing.transport());
        if (flow != Peer.NO_FLOW && transport != null && transport.webSocket()) {
            return FLOW_FAILED; // a browser is reached over its own connection or not at all
        }
        InetSocketAddress address = targets.resolve(toward);
        Peer peer = transport == null || address == null ? null : new Peer(transport, address, flow, null);
        return relay(new Target(null, peer), 2);
    }

    private static RoutingDecision relay(Target target, int ourRoutes) {
        return target.address() == null ? NO_DIALOG : new RoutingDecision.Relay(target, ourRoutes, null);
    }

    /**
     * The destination {@code source} is: the one at its address, or over a stream (which a
     * destination may open from any port) the first at its host; {@code null} for anyone else.
     */
    public Destination destinationOf(Peer source) {
        Destination byAddress = index.at(source.address());
        if (byAddress != null || !source.transport().reliable()) {
            return byAddress;
        }
        return index.atHost(source.address().getAddress());
    }

    /** How many of the top Route entries are ours: 0, 1, or 2 (a double Record-Route, RFC 5658). */
    public int ourRoutes(SipMessage request) {
        List<NameAddress> routes = request.routes();
        int ours = 0;
        while (ours < 2 && routes.size() > ours && routes.get(ours).uri() instanceof SipUri route
                && local.test(route)) {
            ours++;
        }
        return ours;
    }
}
