/**
 * The composition root of siplb's network edge: {@link Balancer} binds the UDP channels (one per
 * event loop, each with its overload signal) and the TCP and TLS listeners, runs the start-up
 * warm-up, resolves destination hosts, and wires the proxies, the prober, the admin API and metrics
 * together. It holds no routing logic: each message goes to the proxy of lb-core
 * ({@code io.siplb.core.proxy}), whose forwarder sends toward destinations through the balancer's
 * channels and connections.
 */
package io.siplb.transport;
