/**
 * The transaction user of the stateful proxy (RFC 3261 §16): {@link io.siplb.core.proxy.SipProxy}
 * takes each new request from the transaction layer, sheds what its loop cannot take, asks
 * {@code io.siplb.core.route} for a decision and applies it; a flow carries one request to its
 * final response as a Reactor {@code Mono} — {@link io.siplb.core.proxy.FailoverFlow} through the
 * plan one target at a time, {@link io.siplb.core.proxy.ForkFlow} to all at once — each attempt a
 * {@link io.siplb.core.proxy.Branch} with its timers, over a client transaction of {@code
 * io.siplb.core.transaction}. Flows reach only what lies below them ({@link
 * io.siplb.core.proxy.FlowContext}). No sockets: everything is sent through a {@link
 * io.siplb.core.net.MessageSender} and timed on a Reactor scheduler, so every rule can be tested in
 * virtual time.
 */
package io.siplb.core.proxy;
