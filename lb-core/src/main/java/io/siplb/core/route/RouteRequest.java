package io.siplb.core.route;

import io.siplb.core.sip.SipMessage;
import java.net.InetSocketAddress;
import java.util.Objects;

/** A new request as a route sees it. Used by one thread. */
public final class RouteRequest {
    private final SipMessage message;
    private final InetSocketAddress source;
    private final String listener;
    private byte[] sourceBytes;

    /**
     * @param message the request, validated
     * @param source the address and port it came from
     * @param listener the listen address that received it, as {@code siplb.listen} writes it
     *     ({@code udp:127.0.0.1:5060})
     */
    public RouteRequest(SipMessage message, InetSocketAddress source, String listener) {
        this.message = Objects.requireNonNull(message, "message");
        this.source = Objects.requireNonNull(source, "source");
        this.listener = Objects.requireNonNull(listener, "listener");
    }

    public SipMessage message() {
        return message;
    }

    public InetSocketAddress source() {
        return source;
    }

    public String listener() {
        return listener;
    }

    /** The source address's octets, copied once however many routes look at them. */
    byte[] sourceBytes() {
        if (sourceBytes == null) {
            sourceBytes = source.getAddress().getAddress();
        }
        return sourceBytes;
    }
}
