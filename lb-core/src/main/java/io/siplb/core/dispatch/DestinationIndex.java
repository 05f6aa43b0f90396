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
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Addresses to destinations and back, the one place that says what a destination's addresses
 * are: every DNS target of a destination DNS expanded, else its URI resolved. In-dialog routing
 * asks which destination a request came from or goes to; edge protection exempts the
 * destinations' addresses from its source limits; the resolver keeps the list's names resolved.
 *
 * <p>The index is rebuilt when another list is in force, when {@link #refresh} asks, and, given a
 * clock, once a minute (as often as names are re-resolved): a lookup costs a map read, not a
 * resolution. One made by {@link #refreshedByOwner} is rebuilt by {@link #refresh} only, never
 * by a lookup. Safe to share between loops (the balancer shares one): each build is a new
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

    /** A built index: the list it was built from, when, and its two maps. */
    private record Snapshot(List<DestinationSet> sets, long builtNanos, Map<InetSocketAddress, Destination> byAddress,
            Map<InetAddress, Destination> byHost) {
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

    /** Builds the index again now (the transport does it every second, as names resolve anew). */
    public void refresh() {
        snapshot = build(dispatcher.sets());
    }

    /** The URIs of the list's destinations, for the resolver to keep resolved. */
    public static List<SipUri> uris(Dispatcher dispatcher) {
        List<SipUri> uris = new ArrayList<>();
        for (DestinationSet set : dispatcher.sets()) {
            for (Destination destination : set.destinations()) {
                uris.add(destination.uri());
            }
        }
        return uris;
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
        for (DestinationSet set : sets) {
            for (Destination destination : set.destinations()) {
                List<DestinationTarget> targets = destination.targets();
                if (targets != null) {
                    for (DestinationTarget target : targets) {
                        byAddress.putIfAbsent(target.address(), destination);
                    }
                    continue;
                }
                InetSocketAddress resolved = resolver.resolve(destination.uri());
                if (resolved != null) {
                    byAddress.putIfAbsent(resolved, destination); // the first in set order wins
                }
            }
        }
        Map<InetAddress, Destination> byHost = new HashMap<>();
        byAddress.forEach((address, destination) -> byHost.putIfAbsent(address.getAddress(), destination));
        return new Snapshot(sets, nanos == null ? 0 : nanos.getAsLong(), byAddress, byHost);
    }
}
