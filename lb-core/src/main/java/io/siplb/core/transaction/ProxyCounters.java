package io.siplb.core.transaction;

import io.siplb.core.sip.SipMethod;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * What the proxy core counts, for logs, tests and the transport's metrics. Counters are shared by
 * every event loop and cheap to bump from all of them.
 */
public final class ProxyCounters {
    /** Requests received. */
    public final LongAdder requests = new LongAdder();
    /** Requests received, by method ({@link SipMethod#OTHER} for extension methods). */
    public final Map<SipMethod, LongAdder> requestsByMethod = new EnumMap<>(SipMethod.class);
    /** Responses sent upstream (relayed or our own), by class: index 1 for 1xx … 6 for 6xx. */
    public final LongAdder[] responsesSentByClass = new LongAdder[7];
    public final LongAdder responses = new LongAdder();
    /** Why a datagram was dropped unanswered. */
    public enum DropReason {
        /** Larger than {@code siplb.parser.max-message-bytes}: not parsed at all. */
        TOO_LARGE("too-large"),
        /** Not parsed far enough to be answered (no Via, no start line, a response…). */
        UNANSWERABLE("unanswerable");

        private final String label;

        DropReason(String label) {
            this.label = label;
        }

        /** The value of the metric's {@code reason} label. */
        public String label() {
            return label;
        }
    }

    /** Malformed datagrams dropped unanswered, by reason. */
    public final Map<DropReason, LongAdder> malformedDropped = new EnumMap<>(DropReason.class);
    /** Requests answered 4xx/5xx by the proxy itself because they were malformed. */
    public final LongAdder malformedAnswered = new LongAdder();
    public final LongAdder keepAlives = new LongAdder();
    /** STUN Binding requests on a SIP UDP socket answered (RFC 5626 §4.4.2 keep-alives). */
    public final LongAdder stunAnswered = new LongAdder();
    /**
     * Datagrams read as STUN (first octet 0 or 1) dropped: a bad magic cookie or length, or neither a
     * Binding request nor an indication.
     */
    public final LongAdder stunDropped = new LongAdder();
    /** Requests refused 403 because the UDP flow token of their Route did not decode or verify. */
    public final LongAdder flowTokensRejected = new LongAdder();
    /** New requests a route decided to drop unanswered. */
    public final LongAdder routeDropped = new LongAdder();
    /** Attempts that failed and moved on to the next destination. */
    public final LongAdder failovers = new LongAdder();
    /** Requests refused because the plan was empty or ran out with nothing to relay. */
    public final LongAdder exhausted = new LongAdder();
    /** New requests refused with 503 because the transaction table was full. */
    public final LongAdder shed = new LongAdder();
    public final LongAdder retransmissionsAbsorbed = new LongAdder();
    public final LongAdder retransmissionsSent = new LongAdder();
    /** Responses whose top Via is not ours, or that would go to a broadcast address. */
    public final LongAdder strayResponses = new LongAdder();
    public final LongAdder cancels = new LongAdder();
    /** Destinations that could not be resolved to an address. */
    public final LongAdder unresolvable = new LongAdder();
    /** Attempts that failed because the transport could not deliver the request (§8.1.3.1). */
    public final LongAdder transportErrors = new LongAdder();
    /** Silent destinations not marked down because the balancer was overloaded when they timed out. */
    public final LongAdder marksSpared = new LongAdder();
    /**
     * New requests over UDP left unanswered while draining for a successor
     * ({@code siplb.shutdown.new-requests=handover}): the caller's retransmission reaches it.
     */
    public final LongAdder handedOver = new LongAdder();
    /** INVITE datagrams dropped unparsed because the loop was far behind. */
    public final LongAdder overloadDropped = new LongAdder();
    /**
     * Datagrams whose handling threw: a bug, never bad input, but each costs only its own
     * datagram — the channel and its neighbours go on (the transport catches and counts).
     */
    public final LongAdder internalErrors = new LongAdder();

    public ProxyCounters() {
        for (SipMethod method : SipMethod.values()) {
            requestsByMethod.put(method, new LongAdder());
        }
        for (DropReason reason : DropReason.values()) {
            malformedDropped.put(reason, new LongAdder());
        }
        for (int i = 0; i < responsesSentByClass.length; i++) {
            responsesSentByClass[i] = new LongAdder();
        }
    }

    /** Malformed datagrams dropped for any reason. */
    public long malformedDroppedTotal() {
        long total = 0;
        for (LongAdder adder : malformedDropped.values()) {
            total += adder.sum();
        }
        return total;
    }

    void responseSent(int status) {
        int statusClass = status / 100;
        if (statusClass >= 1 && statusClass <= 6) {
            responsesSentByClass[statusClass].increment();
        }
    }
}
