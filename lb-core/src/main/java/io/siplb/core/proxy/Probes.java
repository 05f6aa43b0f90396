package io.siplb.core.proxy;

import io.siplb.core.dispatch.Destination;
import io.siplb.core.dispatch.DestinationTarget;
import io.siplb.core.net.Peer;
import io.siplb.core.route.TargetChoice;
import io.siplb.core.sip.ParseResult;
import io.siplb.core.sip.SipMessage;
import io.siplb.core.sip.SipParser;
import io.siplb.core.transaction.ClientTransaction;
import io.siplb.core.transaction.ClientTransactions;
import io.siplb.core.transaction.ServerTransactions;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;
import reactor.core.scheduler.Scheduler;

/**
 * Health probes of one event loop (Kamailio's {@code ds_ping_method}): each a client transaction
 * of its own from the loop's socket, retransmitted on Timer A, to the address {@link
 * TargetChoice} gives a call. Must be used on its loop.
 */
public final class Probes {
    private final ClientTransactions client;
    private final RequestEdits edits;
    private final TargetChoice targets;
    private final Scheduler scheduler;
    private final String advertisedHost;

    Probes(ClientTransactions client, RequestEdits edits, TargetChoice targets, Scheduler scheduler,
            String advertisedHost) {
        this.client = client;
        this.edits = edits;
        this.targets = targets;
        this.scheduler = scheduler;
        this.advertisedHost = advertisedHost;
    }

    /**
     * Sends one probe ({@code method}, OPTIONS by default) to {@code destination} and completes with
     * its final response, or empty when none came within {@code timeout}, the transport could not
     * deliver it (a refused connection) or the host does not resolve.
     */
    public Mono<SipMessage> probe(Destination destination, String method, String from, Duration timeout) {
        return probe(destination, targets.first(destination).peer(), method, from, timeout);
    }

    /** Same, to one DNS target of {@code destination}. */
    public Mono<SipMessage> probe(Destination destination, DestinationTarget target, String method, String from,
            Duration timeout) {
        return probe(destination, targets.of(destination, target).peer(), method, from, timeout);
    }

    private Mono<SipMessage> probe(Destination destination, Peer peer, String method, String from, Duration timeout) {
        if (peer == null) {
            return Mono.empty();
        }
        String branch = client.newBranch();
        String uri = destination.uri().text();
        String text = method + " " + uri + " SIP/2.0\r\n"
                + "Via: " + edits.via(peer.transport(), branch) + "\r\n"
                + "From: <" + from + ">;tag=" + ServerTransactions.newTag() + "\r\n"
                + "To: <" + uri + ">\r\n"
                + "Call-ID: " + branch + "@" + advertisedHost + "\r\n"
                + "CSeq: 1 " + method + "\r\n"
                + "Max-Forwards: 70\r\n"
                + "Content-Length: 0\r\n\r\n";
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        ParseResult framed = SipParser.DEFAULT.frame(bytes, bytes.length);
        if (!(framed instanceof ParseResult.Parsed parsed)) {
            return Mono.empty(); // a probe From the operator wrote that does not frame: no probe
        }
        Flux<SipMessage> responses = client.transact(branch, parsed.message(), peer);
        return Mono.create(sink -> {
            // one timer and one subscription, disposed together when the probe ends either way:
            // Reactor's timeout operator named itself eagerly (streams and a regex) on every probe
            Disposable.Composite held = Disposables.composite();
            sink.onDispose(held);
            held.add(scheduler.schedule(sink::success, timeout.toNanos(), TimeUnit.NANOSECONDS));
            held.add(responses.filter(response -> response.statusCode() >= 200)
                    .subscribe(sink::success, failure -> noAnswer(sink, failure), sink::success));
        });
    }

    /**
     * A probe the transport could not deliver (a refused or reset connection), or whose transaction
     * gave up waiting (a {@link TimeoutException}), has no answer, as one that times out: the prober
     * judges it. Anything else is an error of the probe itself.
     */
    private static void noAnswer(MonoSink<SipMessage> sink, Throwable failure) {
        if (failure instanceof ClientTransaction.TransportError || failure instanceof TimeoutException) {
            sink.success();
        } else {
            sink.error(failure);
        }
    }
}
