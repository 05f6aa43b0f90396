package io.siplb.transport;

import io.siplb.core.net.AddressResolver;
import io.siplb.core.proxy.ProxySettings;
import io.siplb.core.sip.SipUri;
import io.siplb.transport.config.ListenAddress;
import java.net.InetAddress;
import java.util.List;
import java.util.function.Supplier;

/**
 * Whether a URI names this balancer — its advertised host with one of its advertised ports, or
 * one of its listen addresses — so that a Route entry or a Request-URI of ours is recognised
 * (loose routing, RFC 3261 §16.4).
 */
final class LocalAddresses {
    private final List<ListenAddress> listen;
    private final Supplier<ProxySettings> advertised;

    LocalAddresses(List<ListenAddress> listen, Supplier<ProxySettings> advertised) {
        this.listen = listen;
        this.advertised = advertised;
    }

    boolean isLocal(SipUri uri) {
        ProxySettings proxy = advertised.get();
        int port = uri.port() > 0 ? uri.port() : uri.secure() || "tls".equals(uri.transport()) ? 5061 : 5060;
        String host = uri.host().startsWith("[") ? uri.host().substring(1, uri.host().length() - 1) : uri.host();
        if (host.equalsIgnoreCase(proxy.advertisedHost())
                && (port == proxy.advertisedPort() || proxy.ports().containsValue(port))) {
            return true;
        }
        for (ListenAddress address : listen) {
            if (port == address.port() && sameHost(host, address.host())) {
                return true;
            }
        }
        return false;
    }

    /**
     * Our advertised host as an address (what capture writes for a wildcard bind): the literal,
     * else the first listen address that is not a wildcard, else loopback.
     */
    InetAddress advertisedAddress() {
        InetAddress literal = AddressResolver.literal(advertised.get().advertisedHost());
        if (literal != null) {
            return literal;
        }
        for (ListenAddress address : listen) {
            InetAddress bound = AddressResolver.literal(address.host());
            if (bound != null && !bound.isAnyLocalAddress()) {
                return bound;
            }
        }
        return InetAddress.getLoopbackAddress();
    }

    private static boolean sameHost(String a, String b) {
        if (a.equalsIgnoreCase(b)) {
            return true;
        }
        InetAddress x = AddressResolver.literal(a);
        InetAddress y = AddressResolver.literal(b);
        return x != null && x.equals(y);
    }
}
