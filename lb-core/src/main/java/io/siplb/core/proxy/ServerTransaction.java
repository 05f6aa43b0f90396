package io.siplb.core.proxy;

import io.siplb.core.sip.SipMessage;
import io.siplb.core.sip.SipWritable;
import java.net.InetSocketAddress;
import reactor.core.Disposable;

/**
 * A request received from upstream (RFC 3261 §17.2): the response last sent for it, so that a
 * retransmitted request is answered again instead of forwarded again, and the failover flow
 * working on it, so that a CANCEL can reach it. Touched only by the owning loop.
 */
final class ServerTransaction {
    final String key;
    final SipMessage request;
    final InetSocketAddress source;
    final InetSocketAddress upstream;
    final String toTag;
    SipWritable lastResponse;
    boolean finalSent;
    int finalStatus;
    FailoverFlow flow;
    Disposable subscription;

    ServerTransaction(String key, SipMessage request, InetSocketAddress source, InetSocketAddress upstream,
            String toTag) {
        this.key = key;
        this.request = request;
        this.source = source;
        this.upstream = upstream;
        this.toTag = toTag;
    }

    boolean finished() {
        return finalSent;
    }
}
