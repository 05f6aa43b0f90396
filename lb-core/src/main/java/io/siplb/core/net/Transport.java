package io.siplb.core.net;

import io.siplb.core.sip.SipUri;
import java.util.Locale;

/**
 * The transports SIP runs over here (RFC 3261 §18, RFC 7118 for WebSocket). What the proxy needs
 * to know of them is what SIP itself says: the Via token, whether the transport is reliable
 * (no retransmissions over it, §17.1.1.2), and which one a URI names.
 */
public enum Transport {
    UDP("UDP", false, false),
    TCP("TCP", true, false),
    TLS("TLS", true, true),
    WS("WS", true, false),
    WSS("WSS", true, true);

    private final String token;
    private final boolean reliable;
    private final boolean secure;

    Transport(String token, boolean reliable, boolean secure) {
        this.token = token;
        this.reliable = reliable;
        this.secure = secure;
    }

    /** The Via transport token ({@code SIP/2.0/TCP}). */
    public String token() {
        return token;
    }

    /** Whether messages over it arrive or fail as a whole: Timer A, E and G do not run over it. */
    public boolean reliable() {
        return reliable;
    }

    /** Whether it encrypts ({@code sips:} needs it). */
    public boolean secure() {
        return secure;
    }

    /**
     * Whether it is a WebSocket (RFC 7118): its clients sit behind a {@code .invalid} sent-by and
     * can be reached only over the connection they opened.
     */
    public boolean webSocket() {
        return this == WS || this == WSS;
    }

    /** The {@code transport} URI parameter naming it, in lower case. */
    public String parameter() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * The transport {@code uri} asks for (RFC 3263 §4.1 without DNS): its {@code transport}
     * parameter, TLS for {@code sips:} with none or {@code tcp}, else UDP.
     *
     * @return {@code null} for a transport parameter this balancer does not speak (SCTP, or
     *     anything unknown): the URI cannot be reached
     */
    public static Transport of(SipUri uri) {
        String parameter = uri.transport();
        if (parameter == null) {
            return uri.secure() ? TLS : UDP;
        }
        Transport named = fromToken(parameter);
        if (named == TCP && uri.secure()) {
            return TLS; // sips: over TCP means TLS (RFC 3261 §26.2)
        }
        return named;
    }

    /** The transport of a Via token or URI parameter, any case; {@code null} when unknown. */
    public static Transport fromToken(CharSequence token) {
        for (Transport transport : values()) {
            if (transport.token.contentEquals(token.toString().toUpperCase(Locale.ROOT))) {
                return transport;
            }
        }
        return null;
    }
}
