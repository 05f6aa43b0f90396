package io.siplb.core.net;

import io.siplb.core.sip.SipUri;
import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * Turns a destination URI into the address its requests go to: {@code maddr} if present, else the
 * host, on the URI's port (5060, or 5061 for sips, when absent). The transport's implementation
 * resolves names and caches them; this one knows IP literals only.
 */
@FunctionalInterface
public interface AddressResolver {
    /** The address, or {@code null} when the host cannot be resolved (the attempt then fails). */
    InetSocketAddress resolve(SipUri uri);

    /** Resolves IP literals only; any name is unresolvable. */
    AddressResolver LITERALS = uri -> {
        String host = uri.parameter("maddr") != null && !uri.parameter("maddr").isEmpty()
                ? uri.parameter("maddr") : uri.host();
        InetAddress address = literal(host);
        if (address == null) {
            return null;
        }
        return new InetSocketAddress(address, port(uri));
    };

    /**
     * An IP literal (IPv6 with or without brackets) as an address, without any lookup; {@code null}
     * when {@code host} is a name.
     */
    static InetAddress literal(CharSequence host) {
        return ResponseAddress.literal(host);
    }

    /** The port requests to {@code uri} go to: its own, else 5061 over TLS and 5060 otherwise (RFC 3263 §4.2). */
    static int port(SipUri uri) {
        return uri.port() > 0 ? uri.port() : uri.secure() || "tls".equals(uri.transport()) ? 5061 : 5060;
    }
}
