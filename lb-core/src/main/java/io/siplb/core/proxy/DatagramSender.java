package io.siplb.core.proxy;

import io.siplb.core.sip.SipWritable;
import java.net.InetSocketAddress;

/**
 * Sends one SIP message as one datagram. The transport implements it over its UDP channels; tests
 * implement it with a list. Sending never throws for a network fault: a datagram that cannot be
 * sent is dropped and counted by the implementation, as UDP would lose it anyway.
 */
@FunctionalInterface
public interface DatagramSender {
    void send(SipWritable message, InetSocketAddress to);
}
