package io.siplb.transport;

import io.siplb.core.proxy.AddressResolver;
import io.siplb.core.sip.SipUri;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Resolves destination hosts: IP literals at once, names through the system resolver once, then
 * from a cache (a destination list names a handful of hosts). A name that does not resolve makes
 * that attempt fail and the plan move on; it is tried again on the next request.
 */
final class CachingResolver implements AddressResolver {
    private final ConcurrentHashMap<String, InetAddress> names = new ConcurrentHashMap<>();

    @Override
    public InetSocketAddress resolve(SipUri uri) {
        String maddr = uri.parameter("maddr");
        String host = maddr != null && !maddr.isEmpty() ? maddr : uri.host();
        InetAddress address = address(host);
        return address == null ? null : new InetSocketAddress(address, AddressResolver.port(uri));
    }

    private InetAddress address(String host) {
        InetAddress literal = AddressResolver.literal(host);
        if (literal != null) {
            return literal;
        }
        String bare = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        try {
            InetAddress cached = names.get(bare);
            if (cached == null) {
                cached = InetAddress.getByName(bare);
                names.put(bare, cached);
            }
            return cached;
        } catch (UnknownHostException e) {
            return null;
        }
    }
}
