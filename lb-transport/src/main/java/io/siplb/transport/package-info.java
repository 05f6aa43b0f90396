/**
 * The network edge of siplb: Reactor Netty UDP channels (one per event loop, each with its
 * receive buffers and overload signal), the start-up warm-up, the OPTIONS prober, the admin HTTP
 * API, metrics, configuration loading and the main class. It holds no routing logic: each datagram
 * goes to the proxy of lb-core ({@code io.siplb.core.proxy}), whose forwarder sends toward
 * destinations through this package's channels.
 */
package io.siplb.transport;
