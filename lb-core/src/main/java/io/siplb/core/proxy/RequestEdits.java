package io.siplb.core.proxy;

import io.siplb.core.dispatch.Destination;
import io.siplb.core.net.Peer;
import io.siplb.core.net.ResponseAddress;
import io.siplb.core.net.Transport;
import io.siplb.core.route.DialogRoute;
import io.siplb.core.route.FlowTokens;
import io.siplb.core.route.NatSettings;
import io.siplb.core.route.Rewrite;
import io.siplb.core.route.RouteSettings;
import io.siplb.core.route.Target;
import io.siplb.core.sip.HeaderName;
import io.siplb.core.sip.SipMessage;
import io.siplb.core.sip.SipMessageEdit;
import io.siplb.core.sip.SipMethod;
import io.siplb.core.sip.SipUri;
import io.siplb.core.sip.Via;
import java.net.InetSocketAddress;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What the proxy changes in a request it forwards (RFC 3261 §16.6), in one place: our Via on top
 * with {@code received}/{@code rport} on the client's, Max-Forwards decremented, our own Route
 * entries removed, Record-Route and Path, and the Request-URI rewritten for
 * {@code ds_select_domain}. One per loop; its cache of Record-Route entries is safe to share.
 */
final class RequestEdits {
    private final ProxySettings settings;
    /** Our Record-Route entries naming each destination, per transport: the same for every call. */
    private final ConcurrentHashMap<Destination, String[]> recordRoutes = new ConcurrentHashMap<>();
    private final FlowTokens tokens;
    /** The lane whose socket this loop's UDP requests came in on: what a UDP flow token names. */
    private final int lane;

    RequestEdits(ProxySettings settings, FlowTokens tokens, int lane) {
        this.settings = settings;
        this.tokens = tokens;
        this.lane = lane;
    }

    /**
     * {@code request} as it goes to {@code target}: stamped ({@link #stamped}), our own Route
     * entries removed (loose routing, §16.4), our Record-Route on a dialog-creating request when
     * the route wants it (§16.6 step 4) — one entry naming the dialog's destination, or two when
     * the sides differ in transport or the caller is on a stream (RFC 5658), the lower one facing
     * the caller — and with {@code rewrite=domain} the Request-URI's host and port set to the
     * destination's (§16.6 step 2 allows the proxy to retarget).
     *
     * <p>A REGISTER from a client on a connection of its own that supports Path gets our Path
     * entry naming that connection (RFC 3327, RFC 5626 §5.1); one from a UDP client behind NAT
     * ({@link #behindNat}) gets one whose flow token names the address and port it came from. A
     * dialog-creating request that came along that Path from {@code pathFrom} toward the client
     * is Record-Routed twice in any case — the client can be reached only through us: the top
     * entry faces the client (its connection or flow), the lower one names {@code pathFrom}
     * ({@code ds}) for the client's requests. A UDP caller behind NAT gets the double
     * Record-Route too, the entry facing it with its flow, so the callee's requests reach it.
     *
     * @param source where the request came from
     * @param ourRoutes how many of the top Route entries are ours, to be removed
     * @param pathFrom the destination a Path-routed request came from, else {@code null}
     */
    SipMessage forwarded(SipMessage request, Peer source, String branch, Target target, RouteSettings route,
            int ourRoutes, Destination pathFrom) {
        Transport out = target.peer().transport();
        SipMessageEdit edit = stamped(request, source, out, branch);
        edit.removeFirstRoutes(ourRoutes);
        boolean dialogCreating = request.method().createsDialog() && request.to().tag() == null;
        if (route.recordRoute() && dialogCreating && target.destination() != null) {
            // insertions at one place come out in the order made: the destination-facing entry on top
            Transport in = source.transport();
            edit.prependRecordRoute(recordRoute(out, target.destination()));
            boolean natted = in == Transport.UDP && behindNat(request, source);
            if (in != Transport.UDP || out != Transport.UDP || natted) {
                edit.prependRecordRoute(natted ? udpFlow(in, source.address(), lane)
                        : DialogRoute.callerFacing(settings.advertised(in), in, source.flow()));
            }
        }
        if (pathFrom != null && dialogCreating) {
            Transport in = source.transport();
            Peer client = target.peer();
            // in the order made: the entry facing the client on top
            edit.prependRecordRoute(client.lane() >= 0 ? udpFlow(out, client.address(), client.lane())
                    : DialogRoute.callerFacing(settings.advertised(out), out, client.flow()));
            edit.prependRecordRoute(recordRoute(in, pathFrom));
        }
        if (request.method() == SipMethod.REGISTER) {
            if (source.flow() != Peer.NO_FLOW && supportsPath(request)) {
                edit.prependPath(DialogRoute.path(settings.advertised(out), out, source.flow()));
            } else if (source.transport() == Transport.UDP && behindNat(request, source)) {
                edit.prependPath(udpFlow(out, source.address(), lane));
            }
        }
        if (route.rewrite() == Rewrite.DOMAIN && target.destination() != null
                && request.requestUri() instanceof SipUri uri) {
            edit.requestUri(withHostPort(uri, target.destination().uri())); // ds_select_domain
        }
        return edit.toMessage();
    }

    /** The ACK of a 2xx as it goes on to {@code next}: stamped, our own Route entries removed. */
    SipMessageEdit forwardedAck(SipMessage ack, Peer source, Peer next, String branch, int ourRoutes) {
        return stamped(ack, source, next.transport(), branch).removeFirstRoutes(ourRoutes);
    }

    /**
     * Every forwarded request's stamp: our Via for {@code out} with {@code branch} on top,
     * {@code received} on the client's (§18.2.1) and {@code rport} when it asked or is on a stream
     * (RFC 3581; over a stream a response then finds the connection), Max-Forwards decremented
     * (70 when absent).
     */
    private SipMessageEdit stamped(SipMessage request, Peer source, Transport out, String branch) {
        SipMessageEdit edit = request.edit()
                .pushVia(via(out, branch))
                .viaReceived(source.address().getAddress().getHostAddress())
                .maxForwards(request.maxForwards() < 0 ? 70 - 1 : request.maxForwards() - 1);
        if (request.topVia().rport() == Via.RPORT_REQUESTED || source.transport().reliable()) {
            edit.viaRport(source.address().getPort());
        }
        return edit;
    }

    /**
     * Whether a UDP client is taken to be behind NAT ({@code siplb.nat.path}): always, never, or
     * when its top Via's sent-by is not the address and port its datagram came from (RFC 3581's
     * test; a name is never the address).
     */
    boolean behindNat(SipMessage request, Peer source) {
        NatSettings.Mode mode = settings.nat().mode();
        if (mode != NatSettings.Mode.AUTO) {
            return mode == NatSettings.Mode.ALWAYS;
        }
        InetSocketAddress sentBy = request.topVia() == null ? null : ResponseAddress.fromVia(request.topVia());
        return sentBy == null || !sentBy.equals(source.address());
    }

    /** Our entry for a UDP client at {@code address}, reached from lane {@code from}'s socket. */
    private String udpFlow(Transport facing, InetSocketAddress address, int from) {
        return DialogRoute.udpFlow(settings.advertised(facing), facing, tokens.token(address, from));
    }

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
        for (int k = request.headerIndex(HeaderName.SUPPORTED); k >= 0;
                k = request.nextHeaderIndex(HeaderName.SUPPORTED, k + 1)) {
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
}
