package io.siplb.core.net;

import io.netty.util.NetUtil;
import io.siplb.core.sip.Via;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;

/**
 * Where a response goes over UDP (RFC 3261 §18.2.2 with RFC 3581 §4): to the {@code received}
 * address (the source of the request), on the {@code rport} port when the client asked for it,
 * else on the sent-by port (5060 when absent). No name is ever looked up here: a Via we relay
 * through always carries {@code received}, because we add it to every request we forward.
 */
public final class ResponseAddress {
    private ResponseAddress() {
    }

    /** The address to answer a request that came from {@code source} with top Via {@code via}. */
    public static InetSocketAddress forRequest(Via via, InetSocketAddress source) {
        if (via == null) {
            return source;
        }
        int port = via.rport() == Via.RPORT_REQUESTED ? source.getPort()
                : via.rport() > 0 ? via.rport()
                : via.port() > 0 ? via.port() : 5060;
        return new InetSocketAddress(source.getAddress(), port);
    }

    /**
     * The address of the element that sent {@code via}, from its parameters alone; {@code null}
     * when it names no usable address (a host name without {@code received}, or broadcast).
     */
    public static InetSocketAddress fromVia(Via via) {
        CharSequence host = via.received() != null ? via.received() : via.host();
        InetAddress address = literal(host);
        if (address == null || address.equals(BROADCAST)) {
            return null;
        }
        int port = via.rport() > 0 ? via.rport() : via.port() > 0 ? via.port() : 5060;
        return new InetSocketAddress(address, port);
    }

    private static final InetAddress BROADCAST = literal("255.255.255.255");

    /** An IP literal (IPv6 with or without brackets) as an address, or {@code null}. */
    static InetAddress literal(CharSequence host) {
        String text = host.toString();
        if (text.startsWith("[") && text.endsWith("]")) {
            text = text.substring(1, text.length() - 1);
        }
        byte[] bytes = NetUtil.createByteArrayFromIpAddressString(text);
        if (bytes == null) {
            return null;
        }
        try {
            return InetAddress.getByAddress(bytes);
        } catch (UnknownHostException e) {
            return null; // cannot happen for 4 or 16 octets
        }
    }
}
