package io.siplb.transport.ws;

import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/** What the WebSocket listeners refused, carried and asked, since start (metrics, operations). */
public final class WebSocketStats {

    /** Why an upgrade was refused, or a connection ended at the WebSocket layer. */
    public enum Refusal {
        /** Not a WebSocket upgrade (plain HTTP, a bad request line, an unknown WebSocket version): 400/426. */
        NOT_WEBSOCKET,
        /** The handshake did not offer the {@code sip} subprotocol (RFC 7118 §4.1): 400. */
        NO_SIP_PROTOCOL,
        /** An Origin outside {@code siplb.ws.origins}: 403. */
        ORIGIN,
        /** A path other than the listener's: 404. */
        PATH,
        /** The handshake did not complete within {@code siplb.tcp.message-timeout}. */
        TIMEOUT,
        /** A frame over the message limit, or a fragmented message growing past it: closed with 1009. */
        TOO_LARGE,
        /** A frame breaking RFC 6455 (unmasked, bad opcode, bad UTF-8): closed with 1002/1007. */
        PROTOCOL;

        /** The metric label: {@code no-sip-protocol}. */
        public String label() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }

    /** Why a WebSocket message was answered with 400 instead of being handled. */
    public enum Rejection {
        /** Half a SIP message, or a Content-Length beyond the message's end. */
        INCOMPLETE,
        /** More than one SIP message in one WebSocket message (RFC 7118 §5). */
        TWO_MESSAGES;

        public String label() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }

    private final Map<Refusal, LongAdder> refused = new EnumMap<>(Refusal.class);
    private final Map<Rejection, LongAdder> rejected = new EnumMap<>(Rejection.class);
    final LongAdder upgraded = new LongAdder();
    final LongAdder framesIn = new LongAdder();
    final LongAdder framesOut = new LongAdder();
    final LongAdder pingsSent = new LongAdder();

    public WebSocketStats() {
        for (Refusal refusal : Refusal.values()) {
            refused.put(refusal, new LongAdder());
        }
        for (Rejection rejection : Rejection.values()) {
            rejected.put(rejection, new LongAdder());
        }
    }

    void refused(Refusal refusal) {
        refused.get(refusal).increment();
    }

    void rejected(Rejection rejection) {
        rejected.get(rejection).increment();
    }

    /** Upgrades refused, or connections ended at the WebSocket layer, for {@code refusal}. */
    public long count(Refusal refusal) {
        return refused.get(refusal).sum();
    }

    /** WebSocket messages answered with 400 for {@code rejection}; their connections stay open. */
    public long count(Rejection rejection) {
        return rejected.get(rejection).sum();
    }

    /** Handshakes completed. */
    public long upgraded() {
        return upgraded.sum();
    }

    /** Data frames (text or binary, one whole message each once reassembled) received. */
    public long framesIn() {
        return framesIn.sum();
    }

    /** Data frames sent: one per SIP message. */
    public long framesOut() {
        return framesOut.sum();
    }

    /** WebSocket pings sent to silent clients. */
    public long pingsSent() {
        return pingsSent.sum();
    }
}
