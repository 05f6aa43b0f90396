package io.siplb.transport.dns;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.siplb.core.dispatch.DestinationTarget;
import io.siplb.core.net.AddressResolver;
import io.siplb.core.sip.SipUri;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;

/**
 * The proxy's {@link AddressResolver}, which never blocks: IP literals at once; a destination's
 * URI by the answer {@link SipResolver} keeps in force (its first address); any other name —
 * a Contact written with a host name — from a small cache filled in the background, so the first
 * request toward a name not seen before finds no address (that attempt fails, as an unresolvable
 * host does) and later ones find it.
 */
public final class DnsAddressResolver implements AddressResolver {
    private final SipResolver resolver;
    private final Cache<String, CompletableFuture<InetAddress>> names = Caffeine.newBuilder()
            .maximumSize(10_000).expireAfterWrite(Duration.ofMinutes(1)).build();

    public DnsAddressResolver(SipResolver resolver) {
        this.resolver = resolver;
    }

    @Override
    public InetSocketAddress resolve(SipUri uri) {
        InetSocketAddress literal = AddressResolver.LITERALS.resolve(uri);
        if (literal != null) {
            return literal;
        }
        List<DestinationTarget> targets = resolver.current(uri);
        if (targets != null) {
            // the answer's first address: states live on the destinations' own copies, and the
            // proxy picks among those itself
            return targets.isEmpty() ? null : targets.get(0).address();
        }
        String maddr = uri.parameter("maddr");
        String host = maddr != null && !maddr.isEmpty() ? maddr : uri.host();
        InetAddress address = names.get(host.toLowerCase(Locale.ROOT), resolver::address)
                .getNow(null);
        return address == null ? null : new InetSocketAddress(address, AddressResolver.port(uri));
    }
}
