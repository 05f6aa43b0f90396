package io.siplb.core.dispatch;

import io.siplb.core.net.AddressResolver;
import io.siplb.core.sip.SipUri;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Addresses to destinations and back, the one place that says what a destination's addresses
 * are: every DNS target of a destination DNS expanded, else the IP literal its URI names, else its
 * URI resolved. In-dialog routing asks which destination a request came from or goes to; edge
 * protection exempts the destinations' addresses from its source limits; the resolver keeps the
 * list's names resolved.
 *
 * <p>The index is rebuilt when another list is in force, when {@link #refresh} finds that a
 * destination named by host resolves differently, and, given a clock, once a minute (as often as
 * names are re-resolved): a lookup costs a map read, not a resolution; a refresh of a list of IP
 * literals costs nothing. One made by {@link #refreshedByOwner} is rebuilt by {@link #refresh}
 * only, never by a lookup. Safe to share between loops (the balancer shares one): each build is a new
 * immutable snapshot.
 */
public final class DestinationIndex {
    private static final long LIFETIME_NANOS = TimeUnit.MINUTES.toNanos(1);

    private final Dispatcher dispatcher;
    private final AddressResolver resolver;
    private final LongSupplier nanos;
    /** Whether only {@link #refresh} builds (after the first build): lookups never do. */
    private final boolean ownerRefreshes;
    private volatile Snapshot snapshot;

    /**
     * A built index: the list it was built from, when, its two maps, and what each destination
     * named by host resolved to then.
     */
    private record Snapshot(List<DestinationSet> sets, long builtNanos, Map<InetSocketAddress, Destination> byAddress,
            Map<InetAddress, Destination> byHost, List<Resolution> named) {

        /** Whether every destination named by host still resolves as it did when this was built. */
        boolean resolvesAsBuilt(AddressResolver resolver) {
            for (Resolution resolution : named) {
                if (!resolution.current(resolver)) {
                    return false;
                }
            }
            return true;
        }
    }

    /**
     * What a destination named by host resolved to: its DNS targets, or (without them) its URI's
     * address, {@code null} when it had none.
     */
    private record Resolution(Destination destination, List<DestinationTarget> targets, InetSocketAddress address) {
        boolean current(AddressResolver resolver) {
            return Objects.equals(destination.targets(), targets)
                    && (targets != null || Objects.equals(resolver.resolve(destination.uri()), address));
        }
    }

    /**
     * An index rebuilt when the list changes and only on {@link #refresh} otherwise (its owner
     * refreshes it on a timer).
     */
    public DestinationIndex(Dispatcher dispatcher, AddressResolver resolver) {
        this(dispatcher, resolver, null, false);
    }

    /** @param nanos the clock of the once-a-minute rebuild (the loop's scheduler: virtual in tests) */
    public DestinationIndex(Dispatcher dispatcher, AddressResolver resolver, LongSupplier nanos) {
        this(dispatcher, resolver, nanos, false);
    }

    private DestinationIndex(Dispatcher dispatcher, AddressResolver resolver, LongSupplier nanos,
            boolean ownerRefreshes) {
        this.dispatcher = dispatcher;
        this.resolver = resolver;
        this.nanos = nanos;
        this.ownerRefreshes = ownerRefreshes;
    }

    /**
     * An index rebuilt only by {@link #refresh} — its owner's timer, and the thread that loads a
     * list into {@code dispatcher} (a reload, an added or removed destination), which it listens
     * to. A lookup never builds one (but the very first), so the loops that look up never pay for
     * a build: milliseconds at 10 000 destinations. While a load is being indexed, lookups answer
     * from the list before, whose unchanged destinations share their state with the new ones.
     */
    public static DestinationIndex refreshedByOwner(Dispatcher dispatcher, AddressResolver resolver) {
        DestinationIndex index = new DestinationIndex(dispatcher, resolver, null, true);
        dispatcher.addListener(new DestinationListener() {
            @Override
            public void usabilityChanged(Destination destination, DestinationState before, DestinationState after) {
            }

            @Override
            public void listLoaded() {
                index.refresh();
            }
        });
        return index;
    }

    /** The destination at {@code address} (IP and port), the first in set order; {@code null} for none. */
    public Destination at(InetSocketAddress address) {
        return address == null ? null : current().byAddress.get(address);
    }

    /** The first destination, in set order, with an address on {@code host}; {@code null} for none. */
    public Destination atHost(InetAddress host) {
        return current().byHost.get(host);
    }

    /**
     * Builds the index again if another list is in force or a destination named by host resolves
     * differently (the transport asks every second, as names resolve anew).
     */
    public void refresh() {
        Snapshot built = snapshot;
        List<DestinationSet> sets = dispatcher.sets();
        if (built == null || built.sets != sets || !built.resolvesAsBuilt(resolver)) {
            snapshot = build(sets);
        }
    }

    /**
     * The URIs of the list's destinations, for the resolver to keep resolved: the same list object
     * for as long as the same list is in force, so that a reader asking several times a second can
     * tell a new list by its identity, and nothing is copied meanwhile.
     */
    public static Supplier<List<SipUri>> urisInForce(Dispatcher dispatcher) {
        AtomicReference<Map.Entry<List<DestinationSet>, List<SipUri>>> last = new AtomicReference<>();
        return () -> {
            List<DestinationSet> sets = dispatcher.sets();
            Map.Entry<List<DestinationSet>, List<SipUri>> seen = last.get();
            if (seen == null || seen.getKey() != sets) {
                seen = Map.entry(sets, uris(sets));
                last.set(seen);
            }
            return seen.getValue();
        };
    }

    private static List<SipUri> uris(List<DestinationSet> sets) {
        List<SipUri> uris = new ArrayList<>();
        for (DestinationSet set : sets) {
            for (Destination destination : set.destinations()) {
                uris.add(destination.uri());
            }
        }
        return List.copyOf(uris);
    }

    private Snapshot current() {
        Snapshot built = snapshot;
        List<DestinationSet> sets = dispatcher.sets();
        if (built == null || !ownerRefreshes && (built.sets != sets
                || nanos != null && nanos.getAsLong() - built.builtNanos > LIFETIME_NANOS)) {
            built = build(sets);
            snapshot = built;
        }
        return built;
    }

    private Snapshot build(List<DestinationSet> sets) {
        Map<InetSocketAddress, Destination> byAddress = new LinkedHashMap<>(); // set order, for the hosts
        List<Resolution> named = new ArrayList<>();
        for (DestinationSet set : sets) {
            for (Destination destination : set.destinations()) {
                List<DestinationTarget> targets = destination.targets();
                if (targets != null) {
                    named.add(new Resolution(destination, targets, null));
                    for (DestinationTarget target : targets) {
                        byAddress.putIfAbsent(target.address(), destination);
                    }
                    continue;
                }
                InetSocketAddress resolved = AddressResolver.LITERALS.resolve(destination.uri()); // its own address
                if (resolved == null) {
                    resolved = resolver.resolve(destination.uri());
                    named.add(new Resolution(destination, null, resolved));
                }
                if (resolved != null) {
                    byAddress.putIfAbsent(resolved, destination); // the first in set order wins
                }
            }
        }
        Map<InetAddress, Destination> byHost = new HashMap<>();
        byAddress.forEach((address, destination) -> byHost.putIfAbsent(address.getAddress(), destination));
        return new Snapshot(sets, nanos == null ? 0 : nanos.getAsLong(), byAddress, byHost, List.copyOf(named));
    }
}
