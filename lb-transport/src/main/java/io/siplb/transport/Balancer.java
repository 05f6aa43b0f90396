package io.siplb.transport;

import com.github.benmanes.caffeine.cache.Ticker;
import io.netty.channel.EventLoop;
import io.netty.channel.epoll.Epoll;
import io.siplb.core.cluster.Cluster;
import io.siplb.core.config.ConfigException;
import io.siplb.core.config.ConfigValues;
import io.siplb.core.dispatch.DestinationIndex;
import io.siplb.core.dispatch.DestinationListException;
import io.siplb.core.dispatch.Dispatcher;
import io.siplb.core.net.MessageSender;
import io.siplb.core.net.Transport;
import io.siplb.core.proxy.ProxyTables;
import io.siplb.core.proxy.SipProxy;
import io.siplb.core.route.Route;
import io.siplb.core.route.Router;
import io.siplb.core.route.Routes;
import io.siplb.core.sip.SipParser;
import io.siplb.transport.admin.AdminServer;
import io.siplb.transport.admin.BalancerView;
import io.siplb.transport.admin.Metrics;
import io.siplb.transport.admin.StatusFeed;
import io.siplb.transport.capture.Observation;
import io.siplb.transport.config.BalancerSettings;
import io.siplb.transport.config.ListenAddress;
import io.siplb.transport.destinations.Destinations;
import io.siplb.transport.dns.DnsAddressResolver;
import io.siplb.transport.dns.SipResolver;
import io.siplb.transport.lane.Lane;
import io.siplb.transport.lane.Lanes;
import io.siplb.transport.probe.Prober;
import io.siplb.transport.protect.SourceGuard;
import io.siplb.transport.stream.StreamTransport;
import io.siplb.transport.stream.TlsContexts;
import io.siplb.transport.udp.KernelDrops;
import io.siplb.transport.ws.WebSocketPlug;
import io.siplb.transport.ws.WebSocketStats;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.netty.resources.LoopResources;

/**
 * The running balancer, composed: it starts, binds, reloads and closes, and holds nothing of the
 * message path itself. UDP channels on every UDP listen address (on Linux with epoll, one channel
 * per event loop sharing the port through {@code SO_REUSEPORT}), TCP, TLS and WebSocket listeners
 * whose connections spread over the same loops ({@link StreamTransport}, WebSocket plugged in by
 * {@link WebSocketPlug}), one {@link Lane} per UDP channel and per stream listener and loop
 * ({@link Lanes}), each with its {@link SipProxy}, and the tables they share. The admin API, the
 * metrics and the status page see it through {@link BalancerView}.
 */
public final class Balancer implements BalancerView, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Balancer.class);

    private final BalancerSettings settings;
    private final Dispatcher dispatcher;
    private final Destinations destinations;
    private final ProxyTables tables;
    private final SipParser parser;
    private final LoopResources loops;
    /** The routes in force, read by every proxy for every new request; a reload swaps them. */
    private final AtomicReference<Router> router = new AtomicReference<>();
    /** Per-source limits and bans, shared by every channel. */
    private final SourceGuard guard;
    /** The destinations' addresses (never limited, and how in-dialog requests find theirs), refreshed every second. */
    private final DestinationIndex index;
    /** Hit counters by route name, kept across reloads. */
    private final Map<String, LongAdder> routeHits = new ConcurrentHashMap<>();
    private final Lanes lanes;
    private final Listeners listeners;
    private final LocalAddresses local;
    private final TlsContexts tls;
    private StreamTransport streams;
    private final WebSocketPlug webSockets;
    /** Keeps the destinations named by host resolved (RFC 3263), on its own DNS loop. */
    private final SipResolver dns;
    /** What the proxies ask for addresses: never blocks. */
    private final DnsAddressResolver resolver;
    private final KernelDrops kernelDrops = new KernelDrops();
    private final DestinationLog destinationLog;
    private final Scheduler probeScheduler = Schedulers.newSingle("siplb-probe", true);
    private Prober prober;
    private Metrics metrics;
    private AdminServer admin;
    private Disposable housekeeping;
    private StatusFeed status;
    private final ClusterMembership membership;
    /** What this node shares with the other instances: nothing on a single node. */
    private Cluster cluster;
    /** Capture, call logs and per-destination metrics, from binding on. */
    private Observation observation;

    private Balancer(BalancerSettings settings, Dispatcher dispatcher, Destinations destinations) {
        this.settings = settings;
        this.dispatcher = dispatcher;
        this.destinations = destinations;
        this.guard = new SourceGuard(settings.protect(), Ticker.systemTicker());
        this.tables = new ProxyTables(settings.proxy(), Ticker.systemTicker());
        this.parser = new SipParser(settings.parserLimits());
        this.loops = LoopResources.create("siplb-udp", settings.loopCount(), true);
        this.tls = new TlsContexts(settings.streams()); // a missing or unreadable file stops start-up here
        this.dns = new SipResolver(settings.dns(), DestinationIndex.urisInForce(dispatcher)::get, dispatcher::expand);
        this.resolver = new DnsAddressResolver(dns);
        this.index = DestinationIndex.refreshedByOwner(dispatcher, resolver);
        guard.destinations(address -> index.at(address) != null);
        this.lanes = new Lanes(parser, guard, tables, settings.maxLoopLag(), settings.dropLoopLag(),
                settings.overloadSustain(), this::proxy);
        this.listeners = new Listeners(settings, lanes, kernelDrops, tables);
        this.local = new LocalAddresses(settings.listen(), listeners::advertised);
        this.destinationLog = new DestinationLog(settings.panicThreshold());
        dispatcher.addListener(destinationLog); // after the first load: changes only
        this.webSockets = new WebSocketPlug(settings.streams(), settings.parserLimits());
        this.membership = new ClusterMembership(settings, dispatcher, tables, guard,
                () -> listeners.advertised().advertised(),
                () -> admin == null ? "" : settings.admin().host() + ":" + admin.port(),
                () -> Schedulers.boundedElastic().schedule(() -> destinations.reload("cluster: another node asked")),
                this::reloadRoutes);
    }

    /** The proxy of lane {@code number}, on {@code loop}, sending through the lane. */
    private SipProxy proxy(int number, EventLoop loop, MessageSender sender, String listener) {
        SipProxy proxy = new SipProxy(listeners.advertised(), dispatcher, tables, sender,
                Schedulers.fromExecutorService(loop), resolver, local::isLocal, number, router::get, listener, index);
        proxy.observe(observation.observer());
        return proxy;
    }

    /**
     * Loads the destinations (the list file or the database table), binds every listen address and
     * starts serving.
     *
     * @throws DestinationListException when the destinations cannot be loaded (start-up stops)
     */
    public static Balancer start(BalancerSettings settings) throws DestinationListException {
        Objects.requireNonNull(settings, "settings");
        Dispatcher dispatcher = new Dispatcher(settings.thresholds(), 0.9, settings.panicThreshold());
        Destinations destinations = Destinations.of(settings.destinations(), settings.table(), dispatcher);
        destinations.loadAtStart();
        Balancer balancer = new Balancer(settings, dispatcher, destinations);
        try {
            balancer.router.set(balancer.routes(settings.config())); // a bad route stops start-up here
            settings.hep().checkRoutes(balancer.router.get().names());
            balancer.bind();
        } catch (RuntimeException e) {
            balancer.close();
            throw e;
        }
        return balancer;
    }

    private void bind() {
        if (settings.warmupCalls() > 0) {
            Warmup.beforeBinding(listeners.advertised(), parser, new ArrayList<>(eventLoops()), settings.warmupCalls());
        }
        // the first calls should find the destinations' addresses: wait for every name's first answer
        // or failure; one resolution is several queries in turn (NAPTR, SRV, A/AAAA, CNAMEs), each
        // bounded by siplb.dns.timeout, so ten of them bound the wait
        List<String> unresolved = dns.awaitFirstAnswers(settings.dns().timeout().multipliedBy(10));
        if (!unresolved.isEmpty()) {
            LOG.warn("still resolving at start: {}; calls to them fail over until they resolve", unresolved);
        }
        int channelsPerAddress = Epoll.isAvailable() ? settings.loopCount() : 1; // SO_REUSEPORT with epoll
        // everything that loads classes or competes for the cores comes before the SIP sockets
        long udpAddresses = settings.listen().stream().filter(a -> a.kind() == Transport.UDP).count();
        int laneCount = (int) (udpAddresses * channelsPerAddress
                + (settings.listen().size() - udpAddresses) * settings.loopCount());
        prober = new Prober(settings.probe(), dispatcher, laneCount, lanes::get, probeScheduler);
        prober.spareSilenceWhile(tables::sharesPort);
        cluster = membership.join();
        listeners.agreeFlowKey(cluster);
        prober.probeOnly(cluster::probes);
        startAdmin();
        metrics.bindCluster(this);
        observation = new Observation(settings.hep(), settings.logCalls(), metrics.registry());
        lanes.capture(observation.capture(), local.advertisedAddress());
        metrics.bindCapture(observation.capture());
        observation.routes(router.get().names());
        List<EventLoop> eventLoops = eventLoops();
        streams = new StreamTransport(settings.streams(), settings.parserLimits(), loops.onClient(Epoll.isAvailable()),
                tls, lanes::onStreamMessage, webSockets);
        lanes.streams(streams);
        listeners.bindStreams(streams, eventLoops.size());
        listeners.bindUdp(eventLoops);
        for (ListenAddress address : settings.listen()) {
            if (address.kind() != Transport.UDP) {
                lanes.addStreamListener(address.text(), eventLoops);
            }
        }
        index.refresh();
        housekeeping = Flux.interval(Duration.ofSeconds(1), Schedulers.parallel())
                .subscribe(tick -> {
                    tables.cleanUp();
                    index.refresh();
                    status.sample();
                });
        prober.start();
        metrics.bindDestinations(this);
        destinations.onLoaded(() -> metrics.bindDestinations(this));
        destinations.watch();
        metrics.bindStreams(this);
        metrics.bindDns(dns);
        LOG.info("advertising {}; {} destination set(s), algorithm {}", listeners.advertised().advertised(),
                dispatcher.sets().size(), settings.proxy().dispatch().algorithm());
    }

    /** The metrics, the status page and (when {@code siplb.admin} is set) the admin API. */
    private void startAdmin() {
        metrics = new Metrics(this);
        metrics.bindRoutes(this);
        status = new StatusFeed(this);
        if (settings.admin() != null) {
            admin = AdminServer.start(this, metrics, settings.adminToken(), settings.admin());
            LOG.info("admin API on http://{}:{}/ ({})", settings.admin().host(), admin.port(),
                    settings.adminToken().isEmpty() ? "no token" : "bearer token required");
        }
    }

    private List<EventLoop> eventLoops() { // of the group UdpServer runs on, one per siplb.event-loops
        List<EventLoop> list = new ArrayList<>();
        loops.onClient(Epoll.isAvailable()).forEach(executor -> list.add((EventLoop) executor));
        return list;
    }

    private Router routes(ConfigValues config) {
        return Routes.from(config, id -> dispatcher.set(id) != null, tables.callLoad(), routeHits);
    }

    // ------------------------------------------------------------------ operations

    @Override
    public void reloadTls() {
        tls.reload();
        LOG.info("TLS certificate, key and trust reloaded from {}, {}, {}", settings.streams().certificate(),
                settings.streams().key(), settings.streams().trust());
    }

    /**
     * Reads the configuration again and swaps in its routes at once ({@code POST /routes/reload}):
     * new requests take the new routes, those in progress keep the route they were given. Only
     * {@code siplb.routes}, {@code siplb.route.*} and the keys routes default to are read; the rest
     * needs a restart.
     *
     * @throws ConfigException naming the bad key, value and rule: the routes in force stay
     */
    @Override
    public Router reloadRoutes() {
        Router next = routes(settings.source().get());
        router.set(next);
        if (metrics != null) {
            metrics.bindRoutes(this);
        }
        if (observation != null) {
            observation.routes(next.names());
        }
        LOG.info("routes reloaded: {}", next.routes().stream().map(Route::name).toList());
        return next;
    }

    /** Graceful stop: new dialogs and transactions get 503 while live ones finish (siplb.shutdown.drain), then close. */
    public void drainAndClose() {
        if (settings.handover()) {
            tables.drainForSuccessor();
            if (streams != null) {
                streams.closeListeners(); // new connections: the successor's (SO_REUSEPORT), or refused
            }
        } else {
            tables.drain();
        }
        long deadline = System.nanoTime() + settings.drain().toNanos();
        while (tables.liveServerTransactions() > 0 && System.nanoTime() < deadline) {
            try {
                TimeUnit.MILLISECONDS.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        LOG.info("drained: {} transaction(s) still live", tables.liveServerTransactions());
        close();
    }

    @Override
    public void close() {
        if (housekeeping != null) {
            housekeeping.dispose();
        }
        if (prober != null) {
            prober.close();
        }
        if (cluster != null) {
            cluster.close(); // leaves: the others stop counting this node's calls at once
        }
        if (admin != null) {
            admin.close();
        }
        probeScheduler.dispose();
        destinations.close();
        dns.close();
        if (streams != null) {
            streams.close();
        }
        lanes.close();
        if (observation != null) {
            observation.close(); // after the lanes: what they sent last is still captured
        }
        loops.disposeLater(Duration.ZERO, Duration.ofSeconds(2)).block(Duration.ofSeconds(5));
    }

    // ------------------------------------------------------------------ what it shows

    /** The resolver of destination names: answers, failures (metrics, tests). */
    public SipResolver dns() {
        return dns;
    }

    @Override
    public StreamTransport streams() {
        return streams;
    }

    @Override
    public WebSocketStats webSockets() {
        return webSockets.stats();
    }

    @Override
    public Cluster cluster() {
        return cluster;
    }

    @Override
    public StatusFeed status() {
        return status;
    }

    @Override
    public SourceGuard guard() {
        return guard;
    }

    @Override
    public Router router() {
        return router.get();
    }

    @Override
    public long routeHits(String name) {
        LongAdder hits = routeHits.get(name);
        return hits == null ? 0 : hits.sum();
    }

    @Override
    public long destinationsDown() {
        return destinationLog.down();
    }

    @Override
    public long destinationsUp() {
        return destinationLog.up();
    }

    @Override
    public Prober prober() {
        return prober;
    }

    /** The admin API's port, or -1 when it is off. */
    public int adminPort() {
        return admin == null ? -1 : admin.port();
    }

    Metrics metrics() {
        return metrics;
    }

    @Override
    public Destinations destinations() {
        return destinations;
    }

    @Override
    public Dispatcher dispatcher() {
        return dispatcher;
    }

    @Override
    public ProxyTables tables() {
        return tables;
    }

    @Override
    public long kernelDrops() {
        return kernelDrops.total();
    }

    @Override
    public long sendFailures() {
        return lanes.sendFailures();
    }

    @Override
    public Lanes lanes() {
        return lanes;
    }

    /** Runs {@code task} once on every lane's event loop (operations and tests). */
    void onEveryLoop(Runnable task) {
        lanes.onEveryLoop(task, Duration.ZERO);
    }

    /** Runs {@code task} once on every lane's event loop after {@code delay} (tests). */
    void onEveryLoop(Runnable task, Duration delay) {
        lanes.onEveryLoop(task, delay);
    }

    /** The addresses actually bound (the port is known here when 0 was asked for). */
    public List<InetSocketAddress> boundAddresses() {
        return listeners.bound();
    }

    /** The first bound address of {@code transport}, or {@code null} when none listens on it. */
    public InetSocketAddress boundAddress(Transport transport) {
        return listeners.bound(transport);
    }
}
