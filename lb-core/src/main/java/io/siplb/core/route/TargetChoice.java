package io.siplb.core.route;

import io.siplb.core.dispatch.Destination;
import io.siplb.core.dispatch.DestinationTarget;
import io.siplb.core.dispatch.SrvOrder;
import io.siplb.core.net.AddressResolver;
import io.siplb.core.net.Peer;
import io.siplb.core.net.Transport;
import io.siplb.core.sip.SipUri;
import java.net.InetSocketAddress;
import java.util.List;

/**
 * The one place that says which address of a destination a request goes to: for a destination
 * DNS expanded (NAPTR/SRV/A, RFC 3263), its targets in RFC 2782 order ({@link SrvOrder}), the
 * first for a call, a fork or a probe of the destination, the next ones on failover; for a
 * destination whose URI names an address, that address over the URI's transport. A TLS target
 * named by a host name carries that name for SNI and certificate checks.
 */
public final class TargetChoice {
    private final AddressResolver resolver;

    public TargetChoice(AddressResolver resolver) {
        this.resolver = resolver;
    }

    /** The first attempt to {@code destination}: its first target in RFC 2782 order when DNS expanded it. */
    public Target first(Destination destination) {
        List<DestinationTarget> order = order(destination);
        if (order == null) {
            return new Target(destination, peer(destination.uri()));
        }
        return order.isEmpty() ? new Target(destination, null) : of(destination, order.get(0));
    }

    /**
     * The targets of {@code destination} in the order to try them (RFC 2782), usable ones only while
     * one is; {@code null} when DNS did not expand it (its URI is its only address).
     */
    public List<DestinationTarget> order(Destination destination) {
        List<DestinationTarget> targets = destination.targets();
        return targets == null ? null : SrvOrder.of(targets);
    }

    /** One DNS target of {@code destination}. */
    public Target of(Destination destination, DestinationTarget target) {
        return new Target(destination, peer(target), target);
    }

    /**
     * Where a request of a dialog through {@code destination} goes: for a destination DNS expanded,
     * the target the dialog's Contact ({@code toward}) names when it is one of them — the dialog
     * stays on its address — else its first target.
     */
    public Target inDialog(Destination destination, SipUri toward) {
        List<DestinationTarget> targets = destination.targets();
        if (targets != null && toward != null && AddressResolver.literal(toward.host()) != null) {
            InetSocketAddress named = AddressResolver.LITERALS.resolve(toward);
            for (DestinationTarget target : targets) {
                if (target.address().equals(named)) {
                    return of(destination, target);
                }
            }
        }
        return first(destination);
    }

    /** A bare next hop: {@code uri} resolved over the transport it names; {@code null} when it does not resolve. */
    public Peer peer(SipUri uri) {
        Transport transport = Transport.of(uri);
        InetSocketAddress address = transport == null ? null : resolver.resolve(uri);
        if (address == null) {
            return null;
        }
        return new Peer(transport, address, Peer.NO_FLOW, serverName(transport, uri.host()));
    }

    /** Where {@code uri} resolves to; {@code null} when it does not. */
    public InetSocketAddress resolve(SipUri uri) {
        return resolver.resolve(uri);
    }

    private static Peer peer(DestinationTarget target) {
        Transport transport = Transport.fromToken(target.transport());
        if (transport == null) {
            return null;
        }
        String name = target.name().endsWith(".") ? target.name().substring(0, target.name().length() - 1)
                : target.name();
        return new Peer(transport, target.address(), Peer.NO_FLOW, serverName(transport, name));
    }

    /** The TLS server name for a host: itself when it is a name, none for an address literal. */
    private static String serverName(Transport transport, String host) {
        return transport.secure() && AddressResolver.literal(host) == null ? host : null;
    }
}
