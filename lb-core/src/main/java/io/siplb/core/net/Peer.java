package io.siplb.core.net;

import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * The other end of one message: the transport, the address, and for stream transports the
 * connection ({@code flow}) it came on or must go back on. The proxy never holds a socket; it
 * names the peer and the {@link MessageSender} finds or opens the connection.
 *
 * @param flow the connection's number, {@link #NO_FLOW} when any connection to {@code address}
 *     will do (the sender then reuses one to that address, else opens one); for UDP, {@link
 *     #NO_FLOW} or, for a client behind NAT ({@link #udpFlow}), the lane whose socket it must be
 *     sent from, plus one
 * @param serverName for TLS toward a destination named by host: the name to send as SNI and to
 *     verify its certificate against; {@code null} otherwise
 */
public record Peer(Transport transport, InetSocketAddress address, long flow, String serverName) {
    public static final long NO_FLOW = 0;

    public Peer {
        Objects.requireNonNull(transport, "transport");
        Objects.requireNonNull(address, "address");
    }

    /** A UDP peer. */
    public static Peer udp(InetSocketAddress address) {
        return new Peer(Transport.UDP, address, NO_FLOW, null);
    }

    /**
     * A UDP client behind NAT, reached only from the socket its datagrams reached: lane {@code
     * lane}'s (RFC 5626 flows over UDP).
     */
    public static Peer udpFlow(InetSocketAddress address, int lane) {
        return new Peer(Transport.UDP, address, lane + 1L, null);
    }

    /** For a {@link #udpFlow} peer, the lane to send from; -1 for any other. */
    public int lane() {
        return transport == Transport.UDP && flow != NO_FLOW ? (int) (flow - 1) : -1;
    }

    /** A peer over {@code transport} without a connection named. */
    public static Peer of(Transport transport, InetSocketAddress address) {
        return new Peer(transport, address, NO_FLOW, null);
    }

    /** This peer at another address, same transport and connection. */
    public Peer withAddress(InetSocketAddress value) {
        return new Peer(transport, value, flow, serverName);
    }

    @Override
    public String toString() {
        return transport.parameter() + ":" + address.getAddress().getHostAddress() + ":" + address.getPort()
                + (flow == NO_FLOW ? "" : "#" + flow);
    }
}
