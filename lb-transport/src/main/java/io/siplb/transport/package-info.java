/**
 * The network edge of siplb: Reactor Netty UDP channels, the forwarder toward destinations, the
 * OPTIONS prober, the admin HTTP API, metrics and the main class. It holds no routing logic; it
 * hands each datagram to lb-core and acts on the decision.
 */
package io.siplb.transport;
