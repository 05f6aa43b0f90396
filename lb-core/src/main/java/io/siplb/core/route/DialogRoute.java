package io.siplb.core.route;

import io.siplb.core.dispatch.Destination;
import io.siplb.core.dispatch.Dispatcher;
import io.siplb.core.net.Peer;
import io.siplb.core.net.Transport;
import io.siplb.core.sip.SipUri;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;

/**
 * The destination of a dialog, written into our Record-Route as the {@code ds} URI parameter
 * ({@code <sip:lb.example.com:5060;lr;ds=1.c2lwOjEwLjAuMC4xMQ>}: set id, then the destination URI
 * in base64url). Any balancer instance that receives an in-dialog request with that Route can
 * route it, without shared state. Only destinations of the local dispatcher are accepted, so the
 * parameter cannot turn the balancer into an open relay.
 */
public final class DialogRoute {
    static final String PARAMETER = "ds";
    private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder DECODER = Base64.getUrlDecoder();

    private DialogRoute() {
    }

    /** Names, in the entry facing the caller, the connection the dialog's caller is reached over. */
    static final String FLOW = "flow";

    /**
     * The entry facing {@code destination}, reached over {@code transport}: it names the
     * destination ({@code ds}), so that any instance routes the caller's requests to it.
     */
    public static String recordRoute(String advertised, Transport transport, Destination destination) {
        return "<sip:" + advertised + transportParameter(transport) + ";lr;" + PARAMETER + "=" + destination.setId()
                + "." + ENCODER.encodeToString(destination.uri().text().getBytes(StandardCharsets.UTF_8)) + ">";
    }

    /**
     * The entry facing the caller, when the dialog's two sides differ in transport or the caller
     * is on a stream (RFC 5658 double Record-Route): the caller's transport, and its connection
     * as {@code flow} (RFC 5626 §5.3 style), so the destination's requests reach the caller over
     * the connection it opened. It has no {@code ds}: that is how it is told from the other.
     */
    public static String callerFacing(String advertised, Transport transport, long flow) {
        return "<sip:" + advertised + transportParameter(transport) + ";lr"
                + (flow == Peer.NO_FLOW ? "" : ";" + FLOW + "=" + Long.toString(flow, 36)) + ">";
    }

    /**
     * Our Path entry for a REGISTER from a client on connection {@code flow} (RFC 3327 §5.3,
     * with a flow token as RFC 5626 §5.1 does): it faces the registrar, over {@code transport};
     * the registrar's requests toward the client come back to it and reach that connection.
     */
    public static String path(String advertised, Transport transport, long flow) {
        return callerFacing(advertised, transport, flow); // the same shape: our address, transport, flow
    }

    /**
     * The entry facing a UDP client behind NAT — our Path entry for its REGISTER, or the
     * caller-facing Record-Route of its dialogs: the {@link FlowTokens flow token} as the user
     * part (RFC 5626 §5.1), so requests through it reach the address its datagrams came from.
     */
    public static String udpFlow(String advertised, Transport transport, String token) {
        return "<sip:" + token + "@" + advertised + transportParameter(transport) + ";lr>";
    }

    /** The flow token an entry of ours carries in its user part, or {@code null}: no other has one. */
    static String token(SipUri route) {
        return route.user();
    }

    private static String transportParameter(Transport transport) {
        return transport == Transport.UDP ? "" : ";transport=" + transport.parameter();
    }

    /** The connection a caller-facing entry names, or {@link Peer#NO_FLOW}. */
    static long flow(SipUri route) {
        String value = route.parameter(FLOW);
        if (value == null || value.isEmpty()) {
            return Peer.NO_FLOW;
        }
        try {
            return Long.parseLong(value, 36);
        } catch (NumberFormatException e) {
            return Peer.NO_FLOW; // another instance's, or forged: any connection to the address then
        }
    }

    /** Whether {@code route} is the entry facing a destination (it names one with {@code ds}). */
    static boolean facesDestination(SipUri route) {
        return route.parameter(PARAMETER) != null;
    }

    /** The destination a Route of ours names, if it is one of the dispatcher's. */
    static Optional<Destination> destination(SipUri route, Dispatcher dispatcher) {
        String value = route.parameter(PARAMETER);
        if (value == null) {
            return Optional.empty();
        }
        int dot = value.indexOf('.');
        if (dot <= 0) {
            return Optional.empty();
        }
        try {
            int set = Integer.parseInt(value.substring(0, dot));
            String uri = new String(DECODER.decode(value.substring(dot + 1)), StandardCharsets.UTF_8);
            return dispatcher.find(set, uri);
        } catch (IllegalArgumentException e) {
            return Optional.empty(); // not a number or not base64: somebody else's parameter
        }
    }
}
