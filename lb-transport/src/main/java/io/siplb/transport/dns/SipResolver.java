package io.siplb.transport.dns;

import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.resolver.dns.DnsNameResolver;
import io.netty.resolver.dns.DnsNameResolverBuilder;
import io.netty.resolver.dns.DnsServerAddressStreamProviders;
import io.netty.resolver.dns.NoopAuthoritativeDnsServerCache;
import io.netty.resolver.dns.NoopDnsCache;
import io.netty.resolver.dns.NoopDnsCnameCache;
import io.netty.resolver.dns.SequentialDnsServerAddressStreamProvider;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.siplb.core.config.ConfigValues;
import io.siplb.core.dispatch.DestinationTarget;
import io.siplb.core.net.AddressResolver;
import io.siplb.core.sip.SipUri;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BiConsumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps every destination named by host resolved as RFC 3263 §4 says, on a DNS loop of its own —
 * never a SIP event loop, never on a request's path:
 *
 * <ul>
 *   <li>a port in the URI (or {@code siplb.dns.mode} {@code load}/{@code timer}): A/AAAA on it;</li>
 *   <li>else NAPTR ({@code SIP+D2U}, {@code SIP+D2T}, {@code SIPS+D2T}; for {@code sips:} only the
 *       last), the most preferred one whose transport siplb speaks; without NAPTR (none, or a
 *       NAPTR query answered REFUSED, SERVFAIL, NOTIMP or not at all), SRV for the URI's transport or {@code _sip._udp}, then {@code _sip._tcp}, then {@code _sips._tcp};
 *       without SRV, A/AAAA on 5060 (5061 for TLS);</li>
 *   <li>every SRV target becomes a {@link DestinationTarget} of the destination, with its
 *       priority, weight and own state.</li>
 * </ul>
 *
 * Answers are kept for their TTL, bounded by {@code siplb.dns.min-ttl} and {@code max-ttl}, and
 * asked again shortly before it runs out; new requests use a changed answer at once, transactions
 * and dialogs on an old address finish there. When the servers fail, the last good answer stays
 * for {@code siplb.dns.stale-for} past its TTL, then the destination has no address. Every
 * failure is counted by reason and logged once per change of what went wrong.
 */
public final class SipResolver implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SipResolver.class);
    private static final long RETRY_FIRST_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final long RETRY_MAX_NANOS = TimeUnit.SECONDS.toNanos(30);

    /** One name being kept resolved: the destination URI as written, its answer and when it lapses. */
    private static final class Entry {
        final SipUri uri;
        /** The last good answer; {@code null} before the first. */
        volatile List<DestinationTarget> targets;
        long expiresAt;
        long nextAttemptAt;
        long retryNanos = RETRY_FIRST_NANOS;
        boolean inFlight;
        boolean stale;
        String problem;

        Entry(SipUri uri) {
            this.uri = uri;
        }
    }

    private final DnsSettings settings;
    private final EventLoopGroup group;
    private final EventLoop loop;
    private final DnsNameResolver resolver;
    private final DnsLookup lookup;
    private final ServerLocator locator;
    private final Supplier<Collection<SipUri>> names;
    /** The last collection {@link #names} gave, and those of its URIs named by host. */
    private volatile Map.Entry<Collection<SipUri>, List<SipUri>> named = Map.entry(List.of(), List.of());
    private final BiConsumer<String, List<DestinationTarget>> expand;
    /** Touched on the DNS loop only, except reads of an entry's targets. */
    private final Map<String, Entry> entries = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> failures = new ConcurrentHashMap<>();
    private final LongAdder resolutions = new LongAdder();
    private final LongAdder changes = new LongAdder();
    private final LongAdder staleServed = new LongAdder();
    private final LongAdder naptrFallbacks = new LongAdder();
    private final Set<String> threads = ConcurrentHashMap.newKeySet();

    /**
     * @param names the destination URIs to keep resolved, asked five times a second (a reload of
     *     the list adds and drops names by itself); IP literals are sorted out once per collection
     *     object it gives
     * @param expand told every new answer for a URI (its text) on the DNS loop: the dispatcher's
     *     {@code expand}
     */
    public SipResolver(DnsSettings settings, Supplier<Collection<SipUri>> names,
            BiConsumer<String, List<DestinationTarget>> expand) {
        this.settings = settings;
        this.names = names;
        this.expand = expand;
        boolean epoll = Epoll.isAvailable();
        this.group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("siplb-dns", true),
                epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
        this.loop = group.next();
        DnsNameResolverBuilder builder = new DnsNameResolverBuilder(loop)
                .datagramChannelType(epoll ? EpollDatagramChannel.class : NioDatagramChannel.class)
                .socketChannelType(epoll ? EpollSocketChannel.class : NioSocketChannel.class) // TCP when truncated
                .queryTimeoutMillis(settings.timeout().toMillis())
                .resolveCache(NoopDnsCache.INSTANCE)
                .cnameCache(NoopDnsCnameCache.INSTANCE)
                .authoritativeDnsServerCache(NoopAuthoritativeDnsServerCache.INSTANCE)
                .searchDomains(List.of())
                .ndots(1)
                .recursionDesired(true)
                .maxQueriesPerResolve(4);
        builder.nameServerProvider(settings.servers().isEmpty() ? DnsServerAddressStreamProviders.platformDefault()
                : new SequentialDnsServerAddressStreamProvider(settings.servers()));
        this.resolver = builder.build();
        this.lookup = new DnsLookup(resolver);
        this.locator = new ServerLocator(lookup, settings, this::count, naptrFallbacks);
        loop.scheduleAtFixedRate(this::tick, 0, 200, TimeUnit.MILLISECONDS);
    }

    /**
     * Waits up to {@code timeout} until every name has had its first answer or failure, so that the
     * first calls after start find addresses; returns the names still unresolved.
     */
    public List<String> awaitFirstAnswers(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            List<String> pending = pending();
            if (pending.isEmpty() && namedUris().stream().allMatch(uri -> entries.containsKey(uri.text()))) {
                return List.of();
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return unresolved();
    }

    /** The names without a first answer or failure yet: those never asked as well as those in flight. */
    private List<String> unresolved() {
        List<String> unresolved = pending();
        for (SipUri uri : namedUris()) {
            if (!entries.containsKey(uri.text()) && !unresolved.contains(uri.text())) {
                unresolved.add(uri.text());
            }
        }
        return unresolved;
    }

    private List<String> pending() {
        List<String> pending = new ArrayList<>();
        for (Entry entry : entries.values()) {
            if (entry.targets == null) { // set, after the destinations got it, by the first answer or failure
                pending.add(entry.uri.text());
            }
        }
        return pending;
    }

    /** The URIs of {@link #names} that name a host, sorted out again only when it gives another collection. */
    private List<SipUri> namedUris() {
        Collection<SipUri> all = names.get();
        Map.Entry<Collection<SipUri>, List<SipUri>> seen = named;
        if (seen.getKey() != all) {
            seen = Map.entry(all, all.stream().filter(SipResolver::named).toList());
            named = seen;
        }
        return seen.getValue();
    }

    /** Whether {@code uri} names a host DNS must resolve (not an IP literal). */
    public static boolean named(SipUri uri) {
        return AddressResolver.literal(host(uri)) == null;
    }

    static String host(SipUri uri) {
        String maddr = uri.parameter("maddr");
        String host = maddr != null && !maddr.isEmpty() ? maddr : uri.host();
        return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    }

    /** The answer in force for {@code uri}, or {@code null} when there is none (yet); never blocks. */
    public List<DestinationTarget> current(SipUri uri) {
        Entry entry = entries.get(uri.text());
        return entry == null ? null : entry.targets;
    }

    // ---------------------------------------------------------------- the DNS loop

    private void tick() {
        threads.add(Thread.currentThread().getName());
        long now = System.nanoTime();
        Set<String> wanted = new HashSet<>();
        for (SipUri uri : namedUris()) {
            wanted.add(uri.text());
            Entry entry = entries.computeIfAbsent(uri.text(), text -> new Entry(uri));
            if (entry.targets != null) {
                expand.accept(entry.uri.text(), entry.targets); // a reload's new destinations get it too
            }
        }
        entries.keySet().removeIf(text -> !wanted.contains(text));
        for (Entry entry : entries.values()) {
            if (entry.inFlight || now < entry.nextAttemptAt) {
                continue;
            }
            if (entry.targets != null && (settings.mode() == DnsSettings.Mode.LOAD || now < entry.expiresAt)) {
                continue;
            }
            entry.inFlight = true;
            locator.resolve(entry.uri).whenComplete((answer, error) -> loop.execute(() -> answered(entry, answer, error)));
        }
    }

    /** An answer, or why there is none, for {@code entry}; on the DNS loop. */
    private void answered(Entry entry, ServerLocator.Resolved answer, Throwable error) {
        threads.add(Thread.currentThread().getName());
        entry.inFlight = false;
        long now = System.nanoTime();
        if (error == null) {
            resolutions.increment();
            long ttl = clampTtl(answer.ttl());
            entry.expiresAt = now + ttl - Math.min(ttl / 10, TimeUnit.SECONDS.toNanos(2)); // asked again before it lapses
            entry.nextAttemptAt = 0;
            entry.retryNanos = RETRY_FIRST_NANOS;
            if (entry.problem != null || entry.stale) {
                LOG.info("{}: resolving again", entry.uri.text());
            }
            entry.problem = null;
            entry.stale = false;
            if (!answer.targets().equals(entry.targets)) {
                if (entry.targets != null) {
                    changes.increment();
                }
                LOG.info("{} resolves to {}", entry.uri.text(), describe(answer.targets()));
                // the destinations first, then the entry: whoever sees the answer sees it expanded
                expand.accept(entry.uri.text(), answer.targets());
                entry.targets = answer.targets();
            }
            return;
        }
        DnsLookup.Failure cause = DnsLookup.Failure.of(error);
        String reason = cause.reason;
        count(cause);
        entry.nextAttemptAt = now + entry.retryNanos;
        entry.retryNanos = Math.min(entry.retryNanos * 2, RETRY_MAX_NANOS);
        String problem = reason + ": " + cause.getMessage();
        if (!problem.equals(entry.problem)) {
            LOG.warn("{} does not resolve ({}){}", entry.uri.text(), cause.getMessage(), entry.targets == null
                    ? "; it has no address" : "; its last answer stays for siplb.dns.stale-for");
            entry.problem = problem;
        }
        if (entry.targets != null && !entry.targets.isEmpty()) {
            if (now - entry.expiresAt > settings.staleFor().toNanos()) {
                LOG.warn("{}: no answer for siplb.dns.stale-for ({}) past the last one's TTL; it has no address now",
                        entry.uri.text(), ConfigValues.format(settings.staleFor()));
                List<DestinationTarget> none = List.of();
                expand.accept(entry.uri.text(), none);
                entry.targets = none;
            } else {
                entry.stale = true;
                staleServed.increment();
            }
        } else if (entry.targets == null) {
            List<DestinationTarget> none = List.of(); // resolved, to nothing: unusable until it resolves
            expand.accept(entry.uri.text(), none);
            entry.targets = none;
        }
    }

    private long clampTtl(long seconds) {
        long nanos = seconds >= Long.MAX_VALUE / 1_000_000_000L ? Long.MAX_VALUE : TimeUnit.SECONDS.toNanos(seconds);
        return Math.max(settings.minTtl().toNanos(), Math.min(settings.maxTtl().toNanos(), nanos));
    }

    private static String describe(List<DestinationTarget> targets) {
        if (targets.isEmpty()) {
            return "nothing";
        }
        StringBuilder text = new StringBuilder();
        for (DestinationTarget t : targets) {
            text.append(text.length() == 0 ? "" : ", ").append(t.transport()).append(':')
                    .append(t.address().getAddress().getHostAddress()).append(':').append(t.address().getPort());
            if (!t.name().isEmpty()) {
                text.append(" (").append(t.name()).append(' ').append(t.priority()).append('/').append(t.weight()).append(')');
            }
        }
        return text.toString();
    }

    /**
     * The first address of {@code host} (A, else AAAA), looked up on the DNS loop; a failure
     * completes with {@code null} (counted).
     */
    public CompletableFuture<InetAddress> address(String host) {
        if (settings.mode() == DnsSettings.Mode.OFF) {
            return CompletableFuture.completedFuture(null);
        }
        return lookup.addresses(host).handle((answer, error) -> {
            if (error != null) {
                count(DnsLookup.Failure.of(error));
                return null;
            }
            return answer.records().get(0);
        });
    }

    // ---------------------------------------------------------------- counts

    private DnsLookup.Failure count(DnsLookup.Failure failure) {
        failures.computeIfAbsent(failure.reason, r -> new LongAdder()).increment();
        return failure;
    }

    /** Answers received since start. */
    public long resolutions() {
        return resolutions.sum();
    }

    /** Failed resolutions by reason ({@code nxdomain}, {@code servfail}, {@code timeout}, …). */
    public Map<String, Long> failures() {
        Map<String, Long> counts = new TreeMap<>();
        failures.forEach((reason, count) -> counts.put(reason, count.sum()));
        return counts;
    }

    /** Answers that changed since their first. */
    public long changes() {
        return changes.sum();
    }

    /** Times a failed refresh left the last good answer in force. */
    public long staleServed() {
        return staleServed.sum();
    }

    /** NAPTR queries that failed (an error code or silence) and were passed over for SRV. */
    public long naptrFallbacks() {
        return naptrFallbacks.sum();
    }

    /** The threads resolution ran on (tests: never a SIP event loop). */
    public Set<String> threads() {
        return Set.copyOf(threads);
    }

    @Override
    public void close() {
        resolver.close();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
