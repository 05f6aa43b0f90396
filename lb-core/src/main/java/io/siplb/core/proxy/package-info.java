/**
 * The stateful proxy core: server and client transactions over UDP and streams (RFC 3261 §17),
 * the failover flow of one request as a Reactor {@code Mono}, loose routing and dialog affinity,
 * response relay by the Via rules. No sockets: it names a {@link io.siplb.core.proxy.Peer} and
 * sends through a {@link io.siplb.core.proxy.MessageSender}, and times on a Reactor scheduler, so
 * every rule can be tested in virtual time.
 */
package io.siplb.core.proxy;
