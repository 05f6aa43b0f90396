package io.siplb.core.proxy;

import io.siplb.core.dispatch.Destination;
import io.siplb.core.route.Rewrite;
import io.siplb.core.route.RouteSettings;
import io.siplb.core.sip.HeaderName;
import io.siplb.core.sip.SipMessage;
import io.siplb.core.sip.SipMessageEdit;
import io.siplb.core.sip.SipMethod;
import io.siplb.core.sip.SipUri;
import io.siplb.core.sip.Via;
import java.util.function.Consumer;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Scheduler;

/**
 * The client side of one event loop: starts client transactions toward destinations, matches
 * responses to them by our Via branch, retransmits on the loop's scheduler.
 */
public final class Forwarder {
    private final ProxySettings settings;
    private final ProxyTables tables;
    private final MessageSender sender;
    private final Scheduler scheduler;
    private final Branches branches;
    private final Consumer<SipMessage> lateRelay;

    Forwarder(ProxySettings settings, ProxyTables tables, MessageSender sender, Scheduler scheduler,
            Branches branches, Consumer<SipMessage> lateRelay) {
        this.settings = settings;
        this.tables = tables;
        this.sender = sender;
        this.scheduler = scheduler;
        this.branches = branches;
        this.lateRelay = lateRelay;
    }

    /** A fresh branch owned by this loop. */
    String newBranch() {
        return branches.next();
    }

    /**
     * The responses to {@code request} (which carries our Via with {@code branch}) from
     * {@code destination}; subscribing sends it.
     */
    Flux<SipMessage> transact(String branch, SipMessage request, Peer destination) {
        return new ClientTransaction(this, branch, request, destination, scheduler).responses();
    }

    /** Same, keeping the transaction at hand (for a CANCEL). */
    ClientTransaction create(String branch, SipMessage request, Peer destination) {
        return new ClientTransaction(this, branch, request, destination, scheduler);
    }

    /**
     * Hands a response to its client transaction.
     *
     * @return false when no transaction of ours matches (the caller relays it statelessly)
     */
    boolean onResponse(SipMessage response) {
        Via via = response.topVia();
        if (via == null || via.branch() == null || response.cseq() == null) {
            return false;
        }
        ClientTransaction transaction = tables.clientTransactions.getIfPresent(
                key(via.branch(), response.cseq().methodName()));
        if (transaction == null) {
            return false;
        }
        transaction.onResponse(response);
        return true;
    }

    void register(ClientTransaction transaction) {
        tables.clientTransactions.put(key(transaction), transaction);
    }

    /** A finished transaction stays only for the linger (the table's expiry is re-evaluated). */
    void linger(ClientTransaction transaction) {
        tables.clientTransactions.put(key(transaction), transaction);
    }

    void forget(ClientTransaction transaction) {
        tables.clientTransactions.invalidate(key(transaction));
    }

    /**
     * Client transactions are matched by branch and CSeq method (RFC 3261 §17.1.3): a CANCEL
     * carries the branch of the INVITE it cancels.
     */
    private static TransactionKey key(CharSequence branch, String method) {
        return TransactionKey.client(branch, method);
    }

    private static TransactionKey key(ClientTransaction transaction) {
        return transaction.key();
    }

    /**
     * {@code request} as it goes to {@code target} (RFC 3261 §16.6): our Via for the target's
     * transport with {@code branch} on top, {@code received}/{@code rport} on the client's (§18.2.1,
     * RFC 3581; {@code rport} always for a stream, so a response finds the connection), Max-Forwards
     * decremented (70 when absent), our own Route entries removed (loose routing, §16.4), our
     * Record-Route on a dialog-creating request when the route wants it (§16.6 step 4) — one entry
     * naming the dialog's destination, or two when the sides differ in transport or the caller is on
     * a stream (RFC 5658), the lower one facing the caller — and with {@code rewrite=domain} the
     * Request-URI's host and port set to the destination's (§16.6 step 2 allows the proxy to
     * retarget).
     *
     * <p>A REGISTER from a client on a connection of its own that supports Path gets our Path entry
     * naming that connection (RFC 3327, RFC 5626 §5.1). A dialog-creating request that came along
     * that Path from {@code pathFrom} toward the client's connection is Record-Routed twice in any
     * case — the client can be reached only through us: the top entry faces the client
     * ({@code flow}), the lower one names {@code pathFrom} ({@code ds}) for the client's requests.
     *
     * @param source where the request came from
     * @param ourRoutes how many of the top Route entries are ours, to be removed
     * @param pathFrom the destination a Path-routed request came from, else {@code null}
     */
    SipMessage forwardedRequest(SipMessage request, Peer source, String branch,
            FailoverFlow.Target target, RouteSettings route, int ourRoutes, Destination pathFrom) {
        Transport out = target.peer().transport();
        SipMessageEdit edit = request.edit()
                .pushVia(via(out, branch))
                .viaReceived(source.address().getAddress().getHostAddress())
                .maxForwards(request.maxForwards() < 0 ? 70 - 1 : request.maxForwards() - 1);
        if (request.topVia().rport() == Via.RPORT_REQUESTED || source.transport().reliable()) {
            edit.viaRport(source.address().getPort());
        }
        edit.removeFirstRoutes(ourRoutes);
        if (route.recordRoute() && request.method().createsDialog() && request.to().tag() == null
                && target.destination() != null) {
            // insertions at one place come out in the order made: the destination-facing entry on top
            Transport in = source.transport();
            edit.prependRecordRoute(recordRoute(out, target.destination()));
            if (in != Transport.UDP || out != Transport.UDP) {
                edit.prependRecordRoute(DialogRoute.callerFacing(settings.advertised(in), in, source.flow()));
            }
        }
        if (pathFrom != null && request.method().createsDialog() && request.to().tag() == null) {
            Transport in = source.transport();
            // in the order made: the entry facing the client on top
            edit.prependRecordRoute(DialogRoute.callerFacing(settings.advertised(out), out, target.peer().flow()));
            edit.prependRecordRoute(recordRoute(in, pathFrom));
        }
        if (request.method() == SipMethod.REGISTER && source.flow() != Peer.NO_FLOW && supportsPath(request)) {
            edit.prependPath(DialogRoute.path(settings.advertised(out), out, source.flow()));
        }
        if (route.rewrite() == Rewrite.DOMAIN && target.destination() != null
                && request.requestUri() instanceof SipUri uri) {
            edit.requestUri(withHostPort(uri, target.destination().uri())); // ds_select_domain
        }
        return edit.toMessage();
    }

    /** Our Record-Route entries naming each destination, per transport: the same for every call. */
    private final java.util.concurrent.ConcurrentHashMap<Destination, String[]> recordRoutes =
            new java.util.concurrent.ConcurrentHashMap<>();

    /** The entry facing {@code destination} over {@code transport}, built once per destination. */
    private String recordRoute(Transport transport, Destination destination) {
        String[] byTransport = recordRoutes.get(destination);
        if (byTransport == null) {
            if (recordRoutes.size() > 10_000) {
                recordRoutes.clear(); // destinations of lists reloaded away
            }
            byTransport = recordRoutes.computeIfAbsent(destination, d -> new String[Transport.values().length]);
        }
        String entry = byTransport[transport.ordinal()];
        if (entry == null) {
            entry = DialogRoute.recordRoute(settings.advertised(transport), transport, destination);
            byTransport[transport.ordinal()] = entry; // a race builds the same text twice, harmlessly
        }
        return entry;
    }

    /** Whether {@code request} says its sender supports Path ({@code Supported: path}, RFC 3327 §4). */
    static boolean supportsPath(SipMessage request) {
        for (int k = request.headerIndex(HeaderName.SUPPORTED); k >= 0; k = request.nextHeaderIndex(HeaderName.SUPPORTED, k + 1)) {
            for (String tag : request.headerValue(k).toString().split(",")) {
                if (tag.trim().equalsIgnoreCase("path")) {
                    return true;
                }
            }
        }
        return false;
    }

    /** Our Via value for a request leaving over {@code transport}. */
    String via(Transport transport, String branch) {
        return "SIP/2.0/" + transport.token() + " " + settings.advertised(transport) + ";branch=" + branch;
    }

    /**
     * {@code uri} with the host and port of {@code destination} ({@code ds_select_domain}):
     * scheme, user, password, parameters and headers as written.
     */
    static String withHostPort(SipUri uri, SipUri destination) {
        String text = uri.text();
        int hostStart = text.indexOf(':') + 1;
        if (uri.user() != null) {
            hostStart = text.indexOf('@', hostStart) + 1;
        }
        int hostEnd = hostStart;
        if (hostEnd < text.length() && text.charAt(hostEnd) == '[') {
            hostEnd = text.indexOf(']', hostEnd) + 1;
        }
        while (hostEnd < text.length() && text.charAt(hostEnd) != ';' && text.charAt(hostEnd) != '?') {
            hostEnd++;
        }
        String hostPort = destination.port() > 0 ? destination.host() + ":" + destination.port() : destination.host();
        return text.substring(0, hostStart) + hostPort + text.substring(hostEnd);
    }

    /**
     * Sends the CANCEL of {@code invite}'s request as a transaction of its own; its 200 is absorbed.
     *
     * @return false when that INVITE was CANCELled before (nothing is sent again)
     */
    boolean cancel(ClientTransaction invite) {
        if (!invite.markCancelled()) {
            return false;
        }
        SipMessage cancel = io.siplb.core.sip.MessageFactory.cancelFor(invite.request());
        transact(cancel.topVia().branch().toString(), cancel, invite.destination())
                .filter(response -> response.statusCode() >= 200).next()
                .timeout(settings.failover().timeout(), scheduler)
                .onErrorResume(e -> reactor.core.publisher.Mono.empty())
                .subscribe();
        return true;
    }

    void relayLate(SipMessage response) {
        lateRelay.accept(response);
    }

    void countRetransmission() {
        tables.counters.retransmissionsSent.increment();
    }

    MessageSender sender() {
        return sender;
    }

    ProxySettings settings() {
        return settings;
    }
}
