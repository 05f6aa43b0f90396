package io.siplb.core.route;

import io.siplb.core.sip.SipMessage;
import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * A new request as a route sees it.
 *
 * @param message the request, validated
 * @param source the address and port it came from
 * @param listener the listen address that received it, as {@code siplb.listen} writes it
 *     ({@code udp:127.0.0.1:5060})
 */
public record RouteRequest(SipMessage message, InetSocketAddress source, String listener) {
    public RouteRequest {
        Objects.requireNonNull(message, "message");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(listener, "listener");
    }
}
