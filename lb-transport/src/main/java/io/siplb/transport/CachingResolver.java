package io.siplb.transport;

import io.siplb.core.proxy.AddressResolver;
import io.siplb.core.sip.SipUri;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;

/**
 * Resolves destination hosts: IP literals at once, names through the system resolver, then from a
 * bounded cache for a minute (answers and failures alike, so a name that does not resolve is not
 * asked again on every request). A name that does not resolve makes that attempt fail and the plan
 * move on. The lookup itself blocks the calling loop on a miss: names belong in the destination
 * list (resolved on the first request and every minute), not in hot traffic.
 */
final class CachingResolver implements AddressResolver {
    private static final InetAddress UNRESOLVED = null;
    private final com.github.benmanes.caffeine.cache.Cache<String, java.util.Optional<InetAddress>> names =
            com.github.benmanes.caffeine.cache.Caffeine.newBuilder()
                    .maximumSize(10_000)
                    .expireAfterWrite(java.time.Duration.ofMinutes(1))
                    .build();

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
        return names.get(bare, name -> {
            try {
                return java.util.Optional.of(InetAddress.getByName(name));
            } catch (UnknownHostException e) {
                return java.util.Optional.ofNullable(UNRESOLVED);
            }
        }).orElse(null);
    }
}
