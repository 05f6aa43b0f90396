package io.siplb.core.proxy;

import io.siplb.core.dispatch.Destination;
import io.siplb.core.dispatch.Dispatcher;
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
final class DialogRoute {
    static final String PARAMETER = "ds";
    private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder DECODER = Base64.getUrlDecoder();

    private DialogRoute() {
    }

    /** Our Record-Route value for a dialog through {@code destination}. */
    static String recordRoute(String advertised, Destination destination) {
        return "<sip:" + advertised + ";lr;" + PARAMETER + "=" + destination.setId() + "."
                + ENCODER.encodeToString(destination.uri().text().getBytes(StandardCharsets.UTF_8)) + ">";
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
