package io.siplb.core.proxy;

import io.siplb.core.sip.SipMessage;
import reactor.core.publisher.Mono;

/**
 * The work on one new request from upstream, from its first branch to the final response:
 * {@link FailoverFlow} tries destinations one after another, {@link ForkFlow} all at once.
 * Both run on the owning loop.
 */
interface RequestFlow {
    /** The final response to send upstream; {@code relayed} ones still carry our Via. */
    record Outcome(SipMessage response, boolean relayed) {
    }

    /** The final response to send upstream; subscribing starts the work. */
    Mono<Outcome> run();

    /** Upstream sent a CANCEL (RFC 3261 §16.10): no new branch, and the live ones are CANCELled. */
    void cancel();
}
