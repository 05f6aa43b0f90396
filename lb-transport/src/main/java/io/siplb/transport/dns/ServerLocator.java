package io.siplb.transport.dns;

import io.siplb.core.dispatch.DestinationTarget;
import io.siplb.core.net.AddressResolver;
import io.siplb.core.net.Transport;
import io.siplb.core.sip.SipUri;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One resolution of a destination URI as RFC 3263 §4 locates a SIP server: NAPTR for the
 * transport (a NAPTR that fails or is refused counts as none, §4.1), SRV for each transport in
 * turn, then A/AAAA on the default port; a URI with a port or a transport skips the steps its
 * parts decide. The answer is every target with its address, transport, priority and weight, in
 * DNS order, and the smallest TTL along the way. Runs on the DNS loop, through {@link DnsLookup}.
 */
final class ServerLocator {
    private static final Logger LOG = LoggerFactory.getLogger(SipResolver.class);

    private final DnsLookup lookup;
    private final DnsSettings settings;
    private final UnaryOperator<DnsLookup.Failure> count;
    private final LongAdder naptrFallbacks;

    /**
     * @param count counts a failure by reason (and hands it back)
     * @param naptrFallbacks counts resolutions that went on to SRV after a failed NAPTR query
     */
    ServerLocator(DnsLookup lookup, DnsSettings settings, UnaryOperator<DnsLookup.Failure> count,
            LongAdder naptrFallbacks) {
        this.lookup = lookup;
        this.settings = settings;
        this.count = count;
        this.naptrFallbacks = naptrFallbacks;
    }

    /** An answer: the targets in DNS order and the smallest TTL along the way (seconds). */
    record Resolved(List<DestinationTarget> targets, long ttl) {
    }

    /** Resolves {@code uri} as the mode says; the future fails with a {@link DnsLookup.Failure}. */
    CompletableFuture<Resolved> resolve(SipUri uri) {
        String host = SipResolver.host(uri);
        String transport = Transport.of(uri) == null ? null
                : Transport.of(uri).parameter();
        if (settings.mode() == DnsSettings.Mode.OFF) {
            return CompletableFuture.failedFuture(new DnsLookup.Failure("off", "siplb.dns.mode=off: names are not resolved"));
        }
        if (transport == null) {
            return CompletableFuture.failedFuture(new DnsLookup.Failure("transport", "transport "
                    + uri.transport() + " is not spoken here"));
        }
        boolean explicitTransport = uri.transport() != null || uri.secure();
        if (uri.port() > 0 || settings.mode() != DnsSettings.Mode.SRV) {
            return addresses(host, AddressResolver.port(uri), transport, host, 0, 0);
        }
        if (explicitTransport) {
            return srvOrAddresses(uri, host, List.of(transport));
        }
        return lookup.naptr(host).exceptionally(error -> {
            // RFC 3263 §4.1: no usable NAPTR, go on to SRV. Forwarders and home, cloud and
            // corporate resolvers answer REFUSED, SERVFAIL or NOTIMP for a type they do not
            // serve, or nothing at all; that says nothing of the SRV and A records behind it.
            DnsLookup.Failure cause = count.apply(DnsLookup.Failure.of(error));
            naptrFallbacks.increment();
            LOG.debug("{}: {}; going on to SRV", uri.text(), cause.getMessage());
            return new DnsLookup.Answer<>(List.of(), Long.MAX_VALUE);
        }).thenCompose(naptr -> {
            Naptrs chosen = choose(naptr.records(), uri.secure());
            if (chosen == null) {
                return srvOrAddresses(uri, host, uri.secure() ? List.of("tls") : List.of("udp", "tcp", "tls"));
            }
            return srv(chosen.replacement(), chosen.transport()).thenApply(r -> new Resolved(r.targets(),
                    Math.min(r.ttl(), naptr.ttl())));
        });
    }

    private record Naptrs(String replacement, String transport) {
    }

    /** The most preferred NAPTR (order, then preference) with an SRV flag and a transport spoken here. */
    private static Naptrs choose(List<DnsLookup.Naptr> records, boolean secure) {
        List<DnsLookup.Naptr> sorted = new ArrayList<>(records);
        sorted.sort(Comparator.comparingInt(DnsLookup.Naptr::order).thenComparingInt(DnsLookup.Naptr::preference));
        for (DnsLookup.Naptr naptr : sorted) {
            if (!naptr.flags().equals("s")) {
                continue;
            }
            String transport = switch (naptr.service()) {
                case "SIP+D2U" -> secure ? null : "udp";
                case "SIP+D2T" -> secure ? null : "tcp";
                case "SIPS+D2T" -> "tls";
                default -> null; // SCTP, WebSocket and the like: not spoken toward destinations here
            };
            if (transport != null) {
                return new Naptrs(naptr.replacement(), transport);
            }
        }
        return null;
    }

    /**
     * SRV for each transport in turn, the first with records; none: A/AAAA on the default port.
     * SRV records whose targets have no address are an answer (no fallback to A, RFC 3263 §4.2).
     */
    private CompletableFuture<Resolved> srvOrAddresses(SipUri uri, String host, List<String> transports) {
        CompletableFuture<Resolved> chain = CompletableFuture.completedFuture(null);
        for (String transport : transports) {
            chain = chain.thenCompose(found -> found != null && !found.targets().isEmpty()
                    ? CompletableFuture.completedFuture(found)
                    : srv(service(transport) + host, transport).exceptionally(e -> {
                        DnsLookup.Failure cause = DnsLookup.Failure.of(e);
                        if (cause.reason.equals("no-address")) {
                            throw cause;
                        }
                        return null;
                    }));
        }
        String fallback = transports.get(0);
        return chain.thenCompose(found -> found != null && !found.targets().isEmpty()
                ? CompletableFuture.completedFuture(found)
                : addresses(host, fallback.equals("tls") ? 5061 : 5060, fallback, host, 0, 0));
    }

    private static String service(String transport) {
        return switch (transport) {
            case "tls" -> "_sips._tcp.";
            case "tcp" -> "_sip._tcp.";
            default -> "_sip._udp.";
        };
    }

    /** The SRV records of {@code name}, each target's addresses with its port; empty when none. */
    private CompletableFuture<Resolved> srv(String name, String transport) {
        return lookup.srv(name).thenCompose(answer -> {
            List<CompletableFuture<Resolved>> targets = new ArrayList<>();
            for (DnsLookup.Srv srv : answer.records()) {
                if (srv.target().equals(".") || srv.port() == 0) {
                    continue; // "service decidedly not available" (RFC 2782)
                }
                String target = srv.target().endsWith(".") ? srv.target().substring(0, srv.target().length() - 1)
                        : srv.target();
                targets.add(addresses(target, srv.port(), transport, target, srv.priority(), srv.weight())
                        .exceptionally(e -> {
                            // an SRV target without an address: that target fails, the others serve
                            DnsLookup.Failure cause = count.apply(DnsLookup.Failure.of(e));
                            LOG.debug("SRV target {} of {}: {}", target, name, cause.getMessage());
                            return new Resolved(List.of(), Long.MAX_VALUE);
                        }));
            }
            return CompletableFuture.allOf(targets.toArray(CompletableFuture[]::new)).thenApply(done -> {
                List<DestinationTarget> all = new ArrayList<>();
                long ttl = answer.ttl();
                for (CompletableFuture<Resolved> target : targets) {
                    Resolved resolved = target.join();
                    all.addAll(resolved.targets());
                    ttl = Math.min(ttl, resolved.ttl());
                }
                if (all.isEmpty() && !targets.isEmpty()) {
                    throw new DnsLookup.Failure("no-address", "no SRV target of " + name + " has an address");
                }
                return new Resolved(all, ttl);
            });
        });
    }

    private CompletableFuture<Resolved> addresses(String host, int port, String transport, String name, int priority,
            int weight) {
        return lookup.addresses(host).thenApply(answer -> {
            List<DestinationTarget> targets = new ArrayList<>();
            for (InetAddress address : answer.records()) {
                targets.add(new DestinationTarget(name.toLowerCase(Locale.ROOT), new InetSocketAddress(address, port),
                        transport, priority, weight));
            }
            return new Resolved(targets, answer.ttl());
        });
    }
}
