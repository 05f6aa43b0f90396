package io.siplb.transport.capture;

import io.siplb.core.net.Transport;
import java.net.InetSocketAddress;

/**
 * One SIP message as it crossed the wire, copied off the event loop's buffer.
 *
 * @param epochMicros when, in microseconds since 1970
 * @param source who sent it (the caller's address behind a PROXY-protocol balancer)
 * @param destination who it was sent to
 * @param transport over what
 * @param payload the message, byte for byte
 */
public record Captured(long epochMicros, InetSocketAddress source, InetSocketAddress destination, Transport transport,
        byte[] payload) {
}
