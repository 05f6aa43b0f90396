package io.siplb.transport;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.EventExecutor;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.unix.UnixChannelOption;
import io.siplb.core.dispatch.DestinationListException;
import io.siplb.core.dispatch.Dispatcher;
import io.siplb.core.proxy.AddressResolver;
import io.siplb.core.proxy.Branches;
import io.siplb.core.proxy.MessageSender;
import io.siplb.core.proxy.Peer;
import io.siplb.core.proxy.Transport;
import io.siplb.transport.admin.AdminServer;
import io.siplb.transport.admin.Metrics;
import io.siplb.transport.admin.StatusFeed;
import io.siplb.transport.config.BalancerSettings;
import io.siplb.transport.config.ListenAddress;
import io.siplb.transport.probe.Prober;
import io.siplb.transport.stream.StreamConnection;
import io.siplb.transport.stream.StreamTransport;
import io.siplb.transport.stream.TlsContexts;
import io.siplb.transport.udp.DatagramReceiveAllocator;
import io.siplb.core.proxy.ProxySettings;
import io.siplb.core.proxy.ProxyTables;
import io.siplb.core.proxy.SipProxy;
import io.siplb.core.route.Route;
import io.siplb.core.route.Router;
import io.siplb.core.route.Routes;
import io.siplb.transport.protect.SourceGuard;
import io.siplb.core.sip.HeaderName;
import io.siplb.core.sip.ParseResult;
import io.siplb.core.sip.SipMessage;
import io.siplb.core.sip.SipParser;
import io.siplb.core.sip.SipUri;
import io.siplb.core.sip.SipWritable;
import io.siplb.core.sip.Via;
import com.github.benmanes.caffeine.cache.Ticker;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Schedulers;
import reactor.netty.Connection;
import reactor.netty.resources.LoopResources;
import reactor.netty.udp.UdpServer;

/**
 * The running balancer: UDP channels on every UDP listen address (on Linux with epoll, one
 * channel per event loop sharing the port through {@code SO_REUSEPORT}), TCP and TLS listeners
 * whose connections spread over the same loops ({@link StreamTransport}), a {@link SipProxy} per
 * lane — one UDP channel, or one stream listener on one loop — and the tables they share. A
 * request is handled by the lane that received it; a response is handed to the lane whose number
 * its branch carries, in one {@code execute}.
 */
public final class Balancer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Balancer.class);
    /**
     * Every SIP message in and out, one line each (start line, peer, Call-ID), at debug level:
     * {@code -Dsiplb.log.messages=DEBUG} (logback.xml). Off, it costs one level check per message.
     */
    private static final Logger MESSAGES = LoggerFactory.getLogger("io.siplb.messages");

    private final BalancerSettings settings;
    private final Dispatcher dispatcher;
    private final ProxyTables tables;
    private final SipParser parser;
    private final LoopResources loops;
    /** The proxy's settings; the advertised port is filled in at bind when it was 0. */
    private volatile ProxySettings proxySettings;
    /** The routes in force, read by every proxy for every new request; a reload swaps them. */
    private final AtomicReference<Router> router = new AtomicReference<>();
    /** Per-source limits and bans, shared by every channel. */
    private final SourceGuard guard;
    /** The addresses and ports of the list's destinations (never limited), refreshed every second. */
    private volatile Set<InetSocketAddress> destinationAddresses = Set.of();
    /** Hit counters by route name, kept across reloads. */
    private final Map<String, LongAdder> routeHits = new ConcurrentHashMap<>();
    private final List<Binding> bindings = new CopyOnWriteArrayList<>();
    /** The stream lanes by listener and loop: where a connection's messages go. */
    private final Map<String, Map<EventLoop, Binding>> streamLanes = new ConcurrentHashMap<>();
    private final TlsContexts tls;
    private StreamTransport streams;
    private volatile boolean closed;
    /** Keeps the destinations named by host resolved (RFC 3263), on its own DNS loop. */
    private final io.siplb.transport.dns.SipResolver dns;
    /** What the proxies ask for addresses: never blocks. */
    private final io.siplb.transport.dns.DnsAddressResolver resolver;
    private final LongAdder sendFailures = new LongAdder();
    private final io.siplb.transport.udp.KernelDrops kernelDrops = new io.siplb.transport.udp.KernelDrops();
    private final LongAdder destinationsDown = new LongAdder();
    private final LongAdder destinationsUp = new LongAdder();
    private final reactor.core.scheduler.Scheduler probeScheduler = Schedulers.newSingle("siplb-probe", true);
    private Prober prober;
    private Metrics metrics;
    private AdminServer admin;
    private Disposable housekeeping;
    private StatusFeed status;

    /**
     * One lane: a UDP channel, or one stream listener's connections on one loop, and the proxy
     * that owns the transactions it starts.
     */
    private final class Binding implements MessageSender {
        final int number;
        final EventLoop loop;
        /** The UDP channel's connection; {@code null} for a stream lane. */
        final Connection connection;
        /** The UDP channel datagrams leave from: this lane's own, or its loop's first. */
        Channel channel;
        /** The UDP channel's once-per-read-batch flush; {@code null} without a UDP channel. */
        private final io.siplb.transport.udp.FlushAtReadEnd flush;
        final SipProxy proxy;
        final DatagramReceiveAllocator receive;
        /** The overload signal, from this loop's lag and read batches (a stream lane shares its loop's). */
        final LoopLoad load;
        private long fullBatchesSeen;
        private boolean startupLogged;

        /** A UDP lane. */
        Binding(int number, Connection connection, DatagramReceiveAllocator receive, String listener) {
            this(number, connection.channel().eventLoop(), connection, connection.channel(), receive, listener, null);
        }

        /** A stream lane: its listener's connections on {@code loop}, with that loop's load. */
        Binding(int number, EventLoop loop, Channel udp, String listener, LoopLoad loopLoad) {
            this(number, loop, null, udp, null, listener, loopLoad);
        }

        private Binding(int number, EventLoop loop, Connection connection, Channel udp,
                DatagramReceiveAllocator receive, String listener, LoopLoad loopLoad) {
            this.number = number;
            this.loop = loop;
            this.connection = connection;
            this.channel = udp;
            this.flush = udp == null ? null : udp.pipeline().get(io.siplb.transport.udp.FlushAtReadEnd.class);
            this.receive = receive;
            this.load = loopLoad != null ? loopLoad : new LoopLoad(settings.maxLoopLag().toNanos(),
                    settings.dropLoopLag().toNanos(), settings.overloadSustain().toNanos());
            this.proxy = new SipProxy(proxySettings, dispatcher, tables, this,
                    Schedulers.fromExecutorService(loop), resolver, Balancer.this::isLocal, number,
                    router::get, listener);
            if (!settings.maxLoopLag().isZero()) {
                proxy.overloadSignal(load::overloaded);
            }
            proxy.responseObserver((status, to) -> guard.answered(to, status));
            if (loopLoad == null) {
                measureLag(System.nanoTime() + LAG_PERIOD_NANOS);
            }
        }

        /**
         * Measures the loop's lag every 10 ms — a loop that runs its tasks late is behind on its
         * datagrams too — and hands it to {@link LoopLoad} with the full read batches since the
         * last sample. Ten seconds after start it logs what the loop's first seconds cost.
         */
        private void measureLag(long due) {
            loop.schedule(() -> {
                long now = System.nanoTime();
                long batches = receive == null ? 0 : receive.fullBatches();
                load.sample(now, Math.max(0, now - due), batches - fullBatchesSeen);
                fullBatchesSeen = batches;
                if (!startupLogged && load.startupOver(now)) {
                    startupLogged = true;
                    LOG.info("loop {}: lag in its first 10 s, largest per 0.5 s: {} ms; overloaded for {} ms",
                            number, java.util.Arrays.toString(load.startupMaxMillis()), load.overloadedMillis());
                }
                if (!closed) {
                    measureLag(now + LAG_PERIOD_NANOS);
                }
            }, Math.max(0, due - System.nanoTime()), TimeUnit.NANOSECONDS);
        }

        @Override
        public Peer connected(long flow) {
            return streams == null ? null : streams.peerOf(flow);
        }

        /**
         * Datagrams from this loop's UDP channel; TCP, TLS and WebSocket through the stream
         * transport (the peer's connection, or for TCP and TLS one opened from this loop).
         */
        @Override
        public void send(SipWritable message, Peer to, TransportFailure failure) {
            if (MESSAGES.isDebugEnabled()) {
                logMessage("->", to, message);
            }
            Transport transport = to.transport();
            if (transport == Transport.UDP && channel != null) {
                DatagramPacket datagram = new DatagramPacket(message.toDirectBuffer(channel.alloc()), to.address());
                (flush == null ? channel.writeAndFlush(datagram) : flush.send(channel, datagram)).addListener(future -> {
                    if (!future.isSuccess()) {
                        sendFailures.increment();
                        if (failure != null) {
                            failure.failed(future.cause());
                        }
                    }
                });
            } else if (transport != Transport.UDP && streams != null) {
                streams.send(message, to, failure, loop);
            } else {
                sendFailures.increment(); // no UDP listener to send from
                if (failure != null) {
                    failure.failed(new MessageSender.NoTransport("no " + transport.parameter() + " transport to send over"));
                }
            }
        }

        /**
         * Runs on this channel's loop; the datagram's buffer is released by Reactor Netty after.
         * Nothing may escape: an exception thrown here would end the channel's inbound stream and
         * with it every call on the channel, so it costs only this datagram, counted and logged.
         */
        void onDatagram(DatagramPacket packet) {
            onMessage(packet.content(), Peer.udp(packet.sender()), null);
        }

        /** One whole message from a stream connection (or a datagram: {@code connection} null). */
        void onMessage(ByteBuf content, Peer source, StreamConnection connection) {
            try {
                handle(content, source, connection);
            } catch (RuntimeException e) {
                tables.counters().internalErrors.increment();
                LOG.error("message from {} not handled ({} octets): {}", source, content.readableBytes(),
                        e.toString(), e);
            }
        }

        private void handle(ByteBuf content, Peer source, StreamConnection connection) {
            SourceGuard.Verdict verdict = guard.admit(source.address(), !startsWith(content, RESPONSE));
            if (verdict == SourceGuard.Verdict.DROP) {
                return; // banned, or over its rate: not even parsed (counted by the guard)
            }
            if (load.farBehind() && startsWith(content, INVITE)) {
                // far behind: even parsing and answering 503 costs too much; the caller retransmits
                tables.counters().overloadDropped.increment();
                return;
            }
            if (MESSAGES.isDebugEnabled()) {
                logMessage("<-", source, content);
            }
            ParseResult result = parser.parse(content);
            if (!admitted(result, source.address(), verdict)) {
                return;
            }
            if (result instanceof ParseResult.Parsed parsed) {
                SipMessage message = parsed.message();
                if (!message.isRequest()) {
                    Via via = message.topVia();
                    int owner = Branches.loopOf(via == null ? null : via.branch());
                    if (owner >= 0 && owner < bindings.size() && owner != number) {
                        Binding target = bindings.get(owner);
                        target.loop.execute(() -> target.receive(result, source));
                        return;
                    }
                } else if (connection != null) {
                    offeredAlias(message, connection);
                }
            }
            proxy.receive(result, source);
        }

        /** A client that offers its connection for requests toward it (RFC 5923 Via alias). */
        private void offeredAlias(SipMessage request, StreamConnection connection) {
            Via via = request.topVia();
            if (via != null && via.port() > 0 && via.parameter("alias") != null) {
                streams.alias(connection, new InetSocketAddress(connection.remote().getAddress(), via.port()));
            }
        }

        /**
         * After parsing: a banned source passes only with a request of a dialog that went through
         * siplb (unless {@code siplb.protect.ban-dialogs}); a scanner's request bans its source.
         */
        private boolean admitted(ParseResult result, InetSocketAddress source, SourceGuard.Verdict verdict) {
            SipMessage request = result instanceof ParseResult.Parsed parsed && parsed.message().isRequest()
                    ? parsed.message() : null;
            if (verdict == SourceGuard.Verdict.DIALOGS_ONLY && (request == null || request.to() == null
                    || request.to().tag() == null || !tables.knowsDialog(request.callId()))) {
                guard.droppedBanned();
                return false;
            }
            return request == null || !guard.scanner(source, request.headerValue(HeaderName.USER_AGENT));
        }

        /** A response handed over from another lane's loop, guarded as {@link #onMessage} is. */
        private void receive(ParseResult result, Peer source) {
            try {
                proxy.receive(result, source);
            } catch (RuntimeException e) {
                tables.counters().internalErrors.increment();
                LOG.error("response from {} not handled: {}", source, e.toString(), e);
            }
        }
    }

    private static void logMessage(String direction, Peer peer, SipWritable message) {
        ByteBuf text = io.netty.buffer.Unpooled.buffer(message.byteCount());
        try {
            message.writeTo(text);
            logMessage(direction, peer, text);
        } finally {
            text.release();
        }
    }

    /** {@code <- WS 127.0.0.1:40312 #1f2 INVITE sip:service@example.com SIP/2.0 [Call-ID: a84b]}. */
    private static void logMessage(String direction, Peer peer, ByteBuf content) {
        String text = content.toString(content.readerIndex(), Math.min(content.readableBytes(), 4096),
                java.nio.charset.StandardCharsets.ISO_8859_1);
        int lineEnd = text.indexOf('\r');
        String startLine = lineEnd < 0 ? text : text.substring(0, lineEnd);
        java.util.regex.Matcher callId = CALL_ID.matcher(text);
        MESSAGES.debug("{} {} {}:{}{} {} [Call-ID: {}]", direction, peer.transport().token(),
                peer.address().getAddress().getHostAddress(), peer.address().getPort(),
                peer.flow() == Peer.NO_FLOW ? "" : " #" + Long.toString(peer.flow(), 36), startLine,
                callId.find() ? callId.group(1).trim() : "-");
    }

    private static final java.util.regex.Pattern CALL_ID =
            java.util.regex.Pattern.compile("(?im)^(?:call-id|i)[ \t]*:([^\r\n]*)");

    private static final long LAG_PERIOD_NANOS = TimeUnit.MILLISECONDS.toNanos(10);
    private static final byte[] INVITE = "INVITE ".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    private static final byte[] RESPONSE = "SIP/2.0 ".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    private static boolean startsWith(ByteBuf content, byte[] prefix) {
        if (content.readableBytes() < prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (content.getByte(content.readerIndex() + i) != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    /** Runs {@code task} once on every lane's event loop (operations and tests). */
    void onEveryLoop(Runnable task) {
        for (Binding binding : bindings) {
            binding.loop.execute(task);
        }
    }

    /** Runs {@code task} once on every lane's event loop after {@code delay} (tests). */
    void onEveryLoop(Runnable task, Duration delay) {
        for (Binding binding : bindings) {
            binding.loop.schedule(task, delay.toNanos(), TimeUnit.NANOSECONDS);
        }
    }

    /** The largest lag of any loop now, in milliseconds (for /health and tests). */
    public double loopLagMillis() {
        long max = 0;
        for (Binding binding : bindings) {
            max = Math.max(max, binding.load.lagNanos());
        }
        return max / 1e6;
    }

    /** Each loop's smoothed lag now, in milliseconds, rounded to 0.1. */
    public List<Double> loopLagsMillis() {
        List<Double> lags = new ArrayList<>();
        for (Binding binding : bindings) {
            lags.add(Math.round(binding.load.lagNanos() / 1e5) / 10.0);
        }
        return lags;
    }

    /** Whether any loop is overloaded now (new calls refused). */
    public boolean overloaded() {
        for (Binding binding : bindings) {
            if (binding.load.overloaded()) {
                return true;
            }
        }
        return false;
    }

    private Balancer(BalancerSettings settings, Dispatcher dispatcher) {
        this.settings = settings;
        this.dispatcher = dispatcher;
        this.proxySettings = settings.proxy();
        this.guard = new SourceGuard(settings.protect(), Ticker.systemTicker());
        guard.destinations(address -> destinationAddresses.contains(address));
        this.tables = new ProxyTables(settings.proxy(), Ticker.systemTicker());
        this.parser = new SipParser(settings.parserLimits());
        this.loops = LoopResources.create("siplb-udp", settings.loopCount(), true);
        this.tls = new TlsContexts(settings.streams()); // a missing or unreadable file stops start-up here
        this.dns = new io.siplb.transport.dns.SipResolver(settings.dns(), this::namedDestinations, dispatcher::expand);
        this.resolver = new io.siplb.transport.dns.DnsAddressResolver(dns);
    }

    /** The URIs of the list's destinations, for the resolver to keep resolved. */
    private java.util.Collection<SipUri> namedDestinations() {
        List<SipUri> uris = new ArrayList<>();
        for (io.siplb.core.dispatch.DestinationSet set : dispatcher.sets()) {
            for (io.siplb.core.dispatch.Destination destination : set.destinations()) {
                uris.add(destination.uri());
            }
        }
        return uris;
    }

    /** The resolver of destination names: answers, failures (metrics, tests). */
    public io.siplb.transport.dns.SipResolver dns() {
        return dns;
    }

    /**
     * Loads the destination list, binds every listen address and starts serving.
     *
     * @throws DestinationListException when the list cannot be loaded (start-up stops)
     */
    public static Balancer start(BalancerSettings settings) throws DestinationListException {
        Objects.requireNonNull(settings, "settings");
        Dispatcher dispatcher = new Dispatcher(settings.thresholds(), 0.9, settings.panicThreshold());
        dispatcher.reload(settings.destinations());
        Balancer balancer = new Balancer(settings, dispatcher);
        balancer.router.set(balancer.routes(settings.config())); // a bad route stops start-up here
        dispatcher.addListener(new io.siplb.core.dispatch.DestinationListener() {
            @Override
            public void usabilityChanged(io.siplb.core.dispatch.Destination destination,
                    io.siplb.core.dispatch.DestinationState before, io.siplb.core.dispatch.DestinationState after) {
                balancer.usabilityChanged(destination, before, after);
            }

            @Override
            public void panicChanged(io.siplb.core.dispatch.DestinationSet set, io.siplb.core.dispatch.SetHealth health,
                    boolean entered) {
                balancer.panicChanged(set, health, entered);
            }
        });
        try {
            balancer.bind();
        } catch (RuntimeException e) {
            balancer.close();
            throw e;
        }
        return balancer;
    }

    private void bind() {
        if (settings.warmupCalls() > 0) {
            warmUp();
        }
        // the first calls should find the destinations' addresses: wait for every name's first answer
        // or failure; one resolution is several queries in turn (NAPTR, SRV, A/AAAA, CNAMEs), each
        // bounded by siplb.dns.timeout, so ten of them bound the wait
        List<String> unresolved = dns.awaitFirstAnswers(settings.dns().timeout().multipliedBy(10));
        if (!unresolved.isEmpty()) {
            LOG.warn("still resolving at start: {}; calls to them fail over until they resolve", unresolved);
        }
        boolean reusePort = Epoll.isAvailable();
        int channelsPerAddress = reusePort ? settings.loopCount() : 1;
        // everything that loads classes or competes for the cores comes before the SIP sockets
        long udpAddresses = settings.listen().stream().filter(a -> a.kind() == Transport.UDP).count();
        int lanes = (int) (udpAddresses * channelsPerAddress + (settings.listen().size() - udpAddresses) * settings.loopCount());
        prober = new Prober(settings.probe(), dispatcher, lanes, number -> {
            Binding binding = bindings.get(number);
            return new Prober.ProbeChannel() {
                @Override
                public void execute(Runnable task) {
                    binding.loop.execute(task);
                }

                @Override
                public reactor.core.publisher.Mono<io.siplb.core.sip.SipMessage> probe(
                        io.siplb.core.dispatch.Destination destination, String method, String from, Duration timeout) {
                    return binding.proxy.probe(destination, method, from, timeout);
                }

                @Override
                public reactor.core.publisher.Mono<io.siplb.core.sip.SipMessage> probe(
                        io.siplb.core.dispatch.Destination destination, io.siplb.core.dispatch.DestinationTarget target,
                        String method, String from, Duration timeout) {
                    return binding.proxy.probe(destination, target, method, from, timeout);
                }
            };
        }, probeScheduler);
        metrics = new Metrics(this);
        metrics.bindRoutes(this);
        status = new StatusFeed(this);
        if (settings.admin() != null) {
            admin = AdminServer.start(this, metrics, settings.adminToken(), settings.destinations(), settings.admin());
            LOG.info("admin API on http://{}:{}/ ({})", settings.admin().host(), admin.port(),
                    settings.adminToken().isEmpty() ? "no token" : "bearer token required");
        }
        List<EventLoop> eventLoops = eventLoops();
        bindStreams(eventLoops);
        for (ListenAddress address : settings.listen()) {
            if (address.kind() != Transport.UDP) {
                continue;
            }
            int port = address.port();
            for (int i = 0; i < channelsPerAddress; i++) {
                int number = bindings.size();
                DatagramReceiveAllocator receive = new DatagramReceiveAllocator(settings.parserLimits().maxMessageBytes());
                UdpServer server = UdpServer.create()
                        .host(address.host())
                        .port(port)
                        // each channel pinned to its own loop: left to the group, every channel of
                        // an address landed on one loop and the other cores stood idle
                        .runOn(eventLoops.get(i % eventLoops.size()))
                        .option(ChannelOption.RCVBUF_ALLOCATOR, receive)
                        .doOnChannelInit((observer, channel, remote) -> channel.pipeline()
                                .addFirst(new io.siplb.transport.udp.FlushAtReadEnd()))
                        .option(ChannelOption.SO_RCVBUF, settings.receiveBufferBytes() > 0
                                ? settings.receiveBufferBytes() : null)
                        .handle((in, out) -> in.receiveObject()
                                .doOnNext(message -> onDatagram(number, (DatagramPacket) message))
                                .then());
                if (reusePort) {
                    server = server.option(UnixChannelOption.SO_REUSEPORT, true);
                }
                Connection connection;
                try {
                    connection = server.bindNow(Duration.ofSeconds(10));
                } catch (RuntimeException e) {
                    throw new IllegalStateException("cannot bind udp " + address.hostPort() + ": " + e.getMessage(), e);
                }
                if (i == 0) {
                    // port 0: the kernel chose one; the other channels share it, and it is advertised
                    port = ((InetSocketAddress) connection.channel().localAddress()).getPort();
                    advertisePort(address, port);
                }
                bindings.add(new Binding(number, connection, receive, address.text()));
                kernelDrops.watch(connection.channel());
                if (number == 0 && settings.receiveBufferBytes() > 0) {
                    checkReceiveBuffer(connection.channel());
                }
            }
            LOG.info("listening on udp {}:{} ({} channel{}, {}, datagrams up to {} octets)", address.host(), port,
                    channelsPerAddress, channelsPerAddress == 1 ? "" : "s", reusePort ? "epoll, SO_REUSEPORT" : "nio",
                    settings.parserLimits().maxMessageBytes());
        }
        addStreamLanes(eventLoops);
        refreshDestinationAddresses();
        housekeeping = Flux.interval(Duration.ofSeconds(1), Schedulers.parallel())
                .subscribe(tick -> {
                    tables.cleanUp();
                    refreshDestinationAddresses();
                    status.sample();
                });
        prober.start();
        metrics.bindDestinations(this);
        metrics.bindStreams(this);
        metrics.bindDns(dns);
        if (settings.probe().enabled()) {
            LOG.info("probing with {} every {} (mode {}, timeout {})", settings.probe().method(),
                    io.siplb.core.config.ConfigValues.format(settings.probe().interval()), settings.probe().mode(),
                    io.siplb.core.config.ConfigValues.format(settings.probe().timeout()));
        }
        LOG.info("advertising {}; {} destination set(s), algorithm {}", proxySettings.advertised(),
                dispatcher.sets().size(), proxySettings.dispatch().algorithm());
    }

    /**
     * Binds the TCP and TLS listeners first, so that every proxy advertises their ports from the
     * start. Their connections spread over the same loops as the UDP channels; the lanes that take
     * their messages are added once the UDP channels exist ({@link #addStreamLanes}).
     */
    private void bindStreams(List<EventLoop> eventLoops) {
        streams = new StreamTransport(settings.streams(), settings.parserLimits(), loops.onClient(Epoll.isAvailable()),
                tls, this::onStreamMessage);
        for (ListenAddress address : settings.listen()) {
            if (address.kind() == Transport.UDP) {
                continue;
            }
            InetSocketAddress bound;
            try {
                bound = streams.listen(address.kind(), address.socketAddress(), address.path(), address.text());
            } catch (io.siplb.core.config.ConfigException e) {
                throw e;
            } catch (RuntimeException e) {
                throw new IllegalStateException("cannot bind " + address.text() + ": " + e.getMessage(), e);
            }
            advertisePort(address, bound.getPort());
            streamListeners.add(address.withPort(bound.getPort()));
            LOG.info("listening on {} {}:{} (connections on {} loop(s){}; idle timeout {}, up to {} per source)",
                    address.transport(), address.host(), bound.getPort(), eventLoops.size(),
                    address.kind().secure() ? ", TLS by " + TlsContexts.provider() : "",
                    io.siplb.core.config.ConfigValues.format(settings.streams().idleTimeout()),
                    settings.streams().maxPerSource());
        }
    }

    /** The stream listeners as bound (ports chosen by the kernel filled in). */
    private final List<ListenAddress> streamListeners = new CopyOnWriteArrayList<>();

    /** One lane per stream listener and loop, sending datagrams from that loop's first UDP channel. */
    private void addStreamLanes(List<EventLoop> eventLoops) {
        for (ListenAddress address : settings.listen()) {
            if (address.kind() == Transport.UDP) {
                continue;
            }
            Map<EventLoop, Binding> lanes = new java.util.HashMap<>();
            for (EventLoop loop : eventLoops) {
                Binding udp = defaultLane(loop);
                Binding lane = new Binding(bindings.size(), loop, udp == null ? null : udp.channel, address.text(),
                        udp == null ? null : udp.load);
                bindings.add(lane);
                lanes.put(loop, lane);
            }
            streamLanes.put(address.text(), lanes);
        }
    }

    /** The first lane on {@code loop}: it takes the messages of connections the balancer opened. */
    private Binding defaultLane(EventLoop loop) {
        for (Binding binding : bindings) {
            if (binding.loop == loop) {
                return binding;
            }
        }
        return null;
    }

    /** A whole message from a stream connection, on its loop: to its listener's lane there. */
    private void onStreamMessage(StreamConnection connection, ByteBuf message) {
        EventLoop loop = connection.channel().eventLoop();
        Map<EventLoop, Binding> lanes = connection.listener() == null ? null : streamLanes.get(connection.listener());
        Binding lane = lanes == null ? defaultLane(loop) : lanes.get(loop);
        if (lane != null) {
            lane.onMessage(message, connection.peer(), connection);
        } // else still binding: dropped, as a datagram would be
    }

    /**
     * Advertises {@code port} for {@code address}'s transport when it is the first listener of it:
     * in Via and Record-Route, and as the port of the first listen address unless
     * {@code siplb.advertised-address} names one.
     */
    private void advertisePort(ListenAddress address, int port) {
        ListenAddress first = settings.listen().get(0);
        int configured = settings.proxy().advertisedPort();
        boolean explicit = configured != 0 && configured != first.port(); // siplb.advertised-address has a port
        if (address == first && proxySettings.advertisedPort() == 0) {
            proxySettings = proxySettings.withAdvertisedPort(port);
        }
        boolean firstOfTransport = settings.listen().stream().filter(a -> a.kind() == address.kind()).findFirst()
                .orElseThrow() == address;
        if (firstOfTransport && !(explicit && address.kind() == first.kind())) {
            proxySettings = proxySettings.withPort(address.kind(), port);
        }
    }

    /** Reads the TLS files again ({@code POST /tls/reload}); new connections use them. */
    public void reloadTls() {
        tls.reload();
        LOG.info("TLS certificate, key and trust reloaded from {}, {}, {}", settings.streams().certificate(),
                settings.streams().key(), settings.streams().trust());
    }

    /** The stream transport: connections, counts (metrics, operations). */
    public StreamTransport streams() {
        return streams;
    }

    /**
     * Runs {@code siplb.warmup.calls} synthetic calls through the parser and proxy on the event
     * loops before any socket is bound ({@link Warmup}), so that the first real calls do not meet
     * the interpreter: a cold loop ran 127–181 ms late in its first half second.
     */
    private void warmUp() {
        long started = System.nanoTime();
        List<EventExecutor> executors = new ArrayList<>(eventLoops());
        ProxySettings warm = proxySettings.advertisedPort() == 0 ? proxySettings.withAdvertisedPort(5060) : proxySettings;
        int completed = Warmup.run(warm, parser, executors, settings.warmupCalls());
        LOG.info("warmed up with {} synthetic calls on {} loop(s) in {} ms", completed, executors.size(),
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
    }

    /**
     * Linux doubles the SO_RCVBUF asked for (bookkeeping) and caps it at net.core.rmem_max: say
     * so when the socket got less than {@code siplb.udp.receive-buffer}, since a short queue is
     * where datagrams are lost during a stall.
     */
    private void checkReceiveBuffer(Channel channel) {
        Object granted = channel.config().getOption(ChannelOption.SO_RCVBUF);
        if (granted instanceof Integer bytes && bytes < settings.receiveBufferBytes()) {
            LOG.warn("udp receive buffer is {} octets, less than siplb.udp.receive-buffer={}: raise the kernel's "
                    + "net.core.rmem_max", bytes, settings.receiveBufferBytes());
        }
    }

    /** The list's destinations never count against the source limits: their addresses, resolved. */
    private void refreshDestinationAddresses() {
        Set<InetSocketAddress> addresses = new HashSet<>();
        for (io.siplb.core.dispatch.DestinationSet set : dispatcher.sets()) {
            for (io.siplb.core.dispatch.Destination destination : set.destinations()) {
                List<io.siplb.core.dispatch.DestinationTarget> targets = destination.targets();
                if (targets != null) {
                    targets.forEach(target -> addresses.add(target.address()));
                    continue;
                }
                InetSocketAddress resolved = resolver.resolve(destination.uri());
                if (resolved != null) {
                    addresses.add(resolved);
                }
            }
        }
        destinationAddresses = Set.copyOf(addresses);
    }

    /** The status page's data. */
    public StatusFeed status() {
        return status;
    }

    /** Edge protection's state: bans, counts. */
    public SourceGuard guard() {
        return guard;
    }

    /** The event loops of the UDP group, one per {@code siplb.event-loops}. */
    private List<EventLoop> eventLoops() {
        List<EventLoop> list = new ArrayList<>();
        for (EventExecutor executor : loops.onClient(Epoll.isAvailable())) { // the group UdpServer runs on
            list.add((EventLoop) executor);
        }
        return list;
    }

    private Router routes(io.siplb.core.config.ConfigValues config) {
        return Routes.from(config, id -> dispatcher.set(id) != null, tables.callLoad(), routeHits);
    }

    /** The routes in force. */
    public Router router() {
        return router.get();
    }

    /**
     * Reads the configuration again and swaps in its routes at once ({@code POST /routes/reload}):
     * new requests take the new routes, those in progress keep the route they were given. Only
     * {@code siplb.routes}, {@code siplb.route.*} and the keys routes default to are read; the rest
     * needs a restart.
     *
     * @throws io.siplb.core.config.ConfigException naming the bad key, value and rule: the routes
     *     in force stay
     */
    public Router reloadRoutes() {
        Router next = routes(settings.source().get());
        router.set(next);
        if (metrics != null) {
            metrics.bindRoutes(this);
        }
        LOG.info("routes reloaded: {}", next.routes().stream().map(Route::name).toList());
        return next;
    }

    /** Requests taken by the route {@code name} since start (across reloads). */
    public long routeHits(String name) {
        LongAdder hits = routeHits.get(name);
        return hits == null ? 0 : hits.sum();
    }

    /** Per destination (set and URI): when a crossing was last logged, and how many since were not. */
    private final Map<String, long[]> crossingsLogged = new java.util.concurrent.ConcurrentHashMap<>();
    private static final long CROSSING_LOG_NANOS = TimeUnit.SECONDS.toNanos(5);

    /**
     * Counted on every crossing (the dispatcher calls this only when usability changes) and logged
     * at most once per destination in 5 s, with how many crossings went unlogged since: a
     * destination that refuses some calls and answers its recheck at once crosses several times a
     * second, and each crossing a line would drown the log.
     */
    private void usabilityChanged(io.siplb.core.dispatch.Destination destination,
            io.siplb.core.dispatch.DestinationState before, io.siplb.core.dispatch.DestinationState after) {
        (after.usable() ? destinationsUp : destinationsDown).increment();
        long now = System.nanoTime();
        long[] logged = crossingsLogged.computeIfAbsent(destination.setId() + " " + destination.uri().text(),
                key -> new long[] {now - CROSSING_LOG_NANOS, 0});
        long unlogged;
        synchronized (logged) {
            if (now - logged[0] < CROSSING_LOG_NANOS) {
                logged[1]++;
                return;
            }
            logged[0] = now;
            unlogged = logged[1];
            logged[1] = 0;
        }
        String since = unlogged == 0 ? "" : " (" + unlogged + " more crossing" + (unlogged == 1 ? "" : "s")
                + " since the last line: siplb_destinations_down_total/_up_total count them all)";
        if (after.usable()) {
            LOG.info("destination {} of set {} is up ({} -> {}){}", destination.uri(), destination.setId(), before,
                    after, since);
        } else {
            LOG.warn("destination {} of set {} is down ({} -> {}){}", destination.uri(), destination.setId(), before,
                    after, since);
        }
    }

    /** Logged once per panic episode, when it begins and when it ends. */
    private void panicChanged(io.siplb.core.dispatch.DestinationSet set, io.siplb.core.dispatch.SetHealth health,
            boolean entered) {
        if (entered) {
            LOG.warn("set {} is in panic: {} of {} destinations usable, below siplb.dispatch.panic-threshold ({}%); "
                    + "routing to every one not disabled or set down by an operator until enough are back",
                    set.id(), health.usable(), health.counted(), settings.panicThreshold());
        } else {
            LOG.info("set {} left panic: {} of {} destinations usable", set.id(), health.usable(), health.counted());
        }
    }

    /** Destinations that went down, and came up, since start. */
    public long destinationsDown() {
        return destinationsDown.sum();
    }

    public long destinationsUp() {
        return destinationsUp.sum();
    }

    /** The OPTIONS prober: whether it is on, what it has sent. */
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

    /** A datagram for channel {@code number}; one that arrives while it is still binding is dropped. */
    private void onDatagram(int number, DatagramPacket packet) {
        if (number < bindings.size()) {
            bindings.get(number).onDatagram(packet);
        }
    }

    private boolean isLocal(SipUri uri) {
        ProxySettings proxy = proxySettings;
        int port = uri.port() > 0 ? uri.port() : uri.secure() || "tls".equals(uri.transport()) ? 5061 : 5060;
        String host = uri.host().startsWith("[") ? uri.host().substring(1, uri.host().length() - 1) : uri.host();
        if (host.equalsIgnoreCase(proxy.advertisedHost())
                && (port == proxy.advertisedPort() || proxy.ports().containsValue(port))) {
            return true;
        }
        for (ListenAddress address : settings.listen()) {
            if (port == address.port() && sameHost(host, address.host())) {
                return true;
            }
        }
        return false;
    }

    private static boolean sameHost(String a, String b) {
        if (a.equalsIgnoreCase(b)) {
            return true;
        }
        InetAddress x = AddressResolver.literal(a);
        InetAddress y = AddressResolver.literal(b);
        return x != null && x.equals(y);
    }

    /** The addresses actually bound (the port is known here when 0 was asked for). */
    public List<InetSocketAddress> boundAddresses() {
        List<InetSocketAddress> addresses = new ArrayList<>();
        for (Binding binding : bindings) {
            if (binding.connection == null) {
                continue;
            }
            InetSocketAddress address = (InetSocketAddress) binding.channel.localAddress();
            if (!addresses.contains(address)) {
                addresses.add(address);
            }
        }
        for (ListenAddress listener : streamListeners) {
            addresses.add(listener.socketAddress());
        }
        return addresses;
    }

    /** The first bound address of {@code transport}, or {@code null} when none listens on it. */
    public InetSocketAddress boundAddress(Transport transport) {
        if (transport == Transport.UDP) {
            for (Binding binding : bindings) {
                if (binding.connection != null) {
                    return (InetSocketAddress) binding.channel.localAddress();
                }
            }
            return null;
        }
        return streamListeners.stream().filter(l -> l.kind() == transport).findFirst()
                .map(ListenAddress::socketAddress).orElse(null);
    }

    public Dispatcher dispatcher() {
        return dispatcher;
    }

    public ProxyTables tables() {
        return tables;
    }

    /** Datagrams the kernel refused to send. */
    /** Datagrams the kernel dropped on our UDP sockets for a full receive buffer (Linux; else 0). */
    public long kernelDrops() {
        return kernelDrops.total();
    }

    public long sendFailures() {
        return sendFailures.sum();
    }

    /**
     * Graceful stop: new dialogs and transactions are refused with 503 while live ones finish,
     * for at most {@code siplb.shutdown.drain}; then the channels close.
     */
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
        if (admin != null) {
            admin.close();
        }
        probeScheduler.dispose();
        closed = true;
        dns.close();
        if (streams != null) {
            streams.close();
        }
        for (Binding binding : bindings) {
            if (binding.connection != null) {
                binding.connection.disposeNow(Duration.ofSeconds(5));
            }
        }
        loops.disposeLater(Duration.ZERO, Duration.ofSeconds(2)).block(Duration.ofSeconds(5));
    }
}
