package io.siplb.core.transaction;

import io.siplb.core.sip.SipMessage;
import reactor.core.publisher.Mono;

/**
 * The transaction user's work on one new request, from its first branch to the final response
 * ({@code io.siplb.core.proxy}: one destination after another, or all at once). The server side
 * subscribes to it, sends its outcome upstream and hands it a CANCEL. Runs on the owning loop.
 */
public interface RequestFlow {
    /** The final response to send upstream; {@code relayed} ones still carry our Via. */
    record Outcome(SipMessage response, boolean relayed) {
    }

    /** The final response to send upstream; subscribing starts the work. */
    Mono<Outcome> run();

    /** Upstream sent a CANCEL (RFC 3261 §16.10): no new branch, and the live ones are CANCELled. */
    void cancel();
}
