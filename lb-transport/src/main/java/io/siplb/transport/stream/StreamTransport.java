package io.siplb.transport.stream;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ConnectTimeoutException;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.channel.unix.UnixChannelOption;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.concurrent.Promise;
import io.siplb.core.config.ConfigException;
import io.siplb.core.net.MessageSender;
import io.siplb.core.net.Peer;
import io.siplb.core.net.Transport;
import io.siplb.core.route.Cidr;
import io.siplb.core.sip.SipParserLimits;
import io.siplb.core.sip.SipWritable;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SIP over TCP, TLS and WebSocket (plain or over TLS): the listeners, the connections they
 * accept and the TCP and TLS ones opened toward peers (none is opened over WebSocket), all on the
 * balancer's event loops. Every connection is known by its flow (the number the
 * proxy names it by) and by its remote address, so a response or an in-dialog request finds the
 * connection its peer opened, and requests to a destination reuse one connection per address.
 *
 * <p>A connection is bounded on every side: idle ones close after {@code siplb.tcp.idle-timeout},
 * a message must arrive whole within {@code siplb.tcp.message-timeout} of its first octet,
 * unacknowledged data ends it after the failover timeout (TCP_USER_TIMEOUT, epoll), a stream that
 * cannot be framed gets its 400 where it can be answered and is closed, and inbound connections
 * are capped in all and per source address. Each of these ends that connection only, counted by
 * {@link Error cause}.
 */
public final class StreamTransport implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(StreamTransport.class);

    /** Why a connection ended before its peer closed it, or could not be opened. */
    public enum Error {
        CONNECT_REFUSED, CONNECT_TIMEOUT, RESET, TLS_HANDSHAKE, UNFRAMEABLE, TOO_LARGE, IDLE, STALLED,
        LIMIT_TOTAL, LIMIT_SOURCE, PROXY_UNTRUSTED, PROXY_HEADER, OTHER;

        /** The metric label: {@code connect-refused}. */
        public String label() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }

    /** Where whole messages go: the balancer's lane for the connection's listener and loop. */
    @FunctionalInterface
    public interface Inbound {
        /** One message's octets from {@code connection}, on its loop; the buffer is released after. */
        void message(StreamConnection connection, ByteBuf message);
    }

    private record RemoteKey(Transport transport, InetSocketAddress address) {
    }

    private final StreamSettings settings;
    private final SipParserLimits limits;
    private final EventLoopGroup group;
    private final TlsContexts tls;
    private final Inbound inbound;
    private final boolean epoll = Epoll.isAvailable();
    private final AtomicLong flows = new AtomicLong(System.currentTimeMillis() << 12); // unique across restarts
    private final Map<Long, StreamConnection> byFlow = new ConcurrentHashMap<>();
    private final Map<RemoteKey, StreamConnection> byRemote = new ConcurrentHashMap<>();
    private final Map<InetAddress, AtomicInteger> perSource = new ConcurrentHashMap<>();
    private final AtomicInteger inboundCount = new AtomicInteger();
    private final Map<Transport, AtomicInteger> open = new EnumMap<>(Transport.class);
    private final Map<Error, LongAdder> errors = new EnumMap<>(Error.class);
    private final LongAdder pings = new LongAdder();
    private final List<Channel> servers = new ArrayList<>();
    private final ConnectionPlug webSockets;

    /**
     * @param group the balancer's event loops (epoll where available): listeners accept on them and
     *     connections live on them
     * @param tls the TLS contexts, or {@code null} when no TLS is configured (TLS then fails)
     * @param webSockets what {@code ws} and {@code wss} connections add to their pipelines
     */
    public StreamTransport(StreamSettings settings, SipParserLimits limits, EventLoopGroup group, TlsContexts tls,
            Inbound inbound, ConnectionPlug webSockets) {
        this.settings = settings;
        this.limits = limits;
        this.group = group;
        this.tls = tls;
        this.inbound = inbound;
        this.webSockets = webSockets;
        for (Transport transport : Transport.values()) {
            open.put(transport, new AtomicInteger());
        }
        for (Error error : Error.values()) {
            errors.put(error, new LongAdder());
        }
    }

    /**
     * Binds a {@code transport} listener; a WebSocket one upgrades only {@code path} when it is
     * not {@code null}; with {@code proxyProtocol} each connection starts with a PROXY protocol
     * header from a trusted balancer ({@link ProxyProtocolGate}).
     *
     * @param listener the listen address as {@code siplb.listen} writes it, for the routing rules
     * @return the bound address (the port the kernel chose for 0)
     */
    public InetSocketAddress listen(Transport transport, InetSocketAddress address, String path, String listener,
            boolean proxyProtocol) {
        if (transport.secure() && (tls == null || !tls.canServe())) {
            throw new ConfigException("siplb.tls.certificate", "",
                    "a certificate and key are needed for the listener " + listener);
        }
        Class<? extends ServerChannel> type = epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
        ServerBootstrap bootstrap = new ServerBootstrap().group(group).channel(type)
                .option(ChannelOption.SO_BACKLOG, 1024)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.SO_KEEPALIVE, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel channel) {
                        accepted(channel, transport, path, listener, proxyProtocol);
                    }
                });
        if (epoll) {
            bootstrap.childOption(EpollChannelOption.TCP_USER_TIMEOUT, (int) settings.userTimeout().toMillis());
            // a successor started during this process's drain binds beside it, as on UDP
            bootstrap.option(UnixChannelOption.SO_REUSEPORT, true);
        }
        Channel server = bootstrap.bind(address).syncUninterruptibly().channel();
        servers.add(server);
        return (InetSocketAddress) server.localAddress();
    }

    private void accepted(SocketChannel channel, Transport transport, String path, String listener,
            boolean proxyProtocol) {
        if (inboundCount.incrementAndGet() > settings.maxConnections()) {
            inboundCount.decrementAndGet();
            refuse(channel, Error.LIMIT_TOTAL);
            return;
        }
        channel.closeFuture().addListener(closed -> inboundCount.decrementAndGet());
        if (!proxyProtocol) {
            admit(channel, transport, path, listener, channel.remoteAddress());
        } else if (!Cidr.anyContains(settings.proxyTrusted(), channel.remoteAddress().getAddress())) {
            refuse(channel, Error.PROXY_UNTRUSTED);
        } else {
            new ProxyProtocolGate(settings.messageTimeout().toMillis(),
                    caller -> admit(channel, transport, path, listener, caller),
                    () -> refuse(channel, Error.PROXY_HEADER)).install(channel);
        }
    }

    /** A connection from {@code remote} (the caller a PROXY header named, else the peer's address). */
    private void admit(SocketChannel channel, Transport transport, String path, String listener,
            InetSocketAddress remote) {
        AtomicInteger fromSource = perSource.computeIfAbsent(remote.getAddress(), a -> new AtomicInteger());
        if (fromSource.incrementAndGet() > settings.maxPerSource()) {
            fromSource.decrementAndGet();
            refuse(channel, Error.LIMIT_SOURCE);
            return;
        }
        channel.closeFuture().addListener(closed -> {
            if (fromSource.decrementAndGet() <= 0) {
                perSource.remove(remote.getAddress(), fromSource);
            }
        });
        if (transport.secure()) {
            SslHandler ssl = tls.serverHandler(channel.alloc());
            ssl.setHandshakeTimeoutMillis(settings.messageTimeout().toMillis());
            channel.pipeline().addLast(ssl);
        }
        if (transport.webSocket()) {
            webSockets.accepted(channel, path, upgraded -> upgraded(upgraded, transport, listener, remote));
            return; // a connection of SIP once its handshake is done
        }
        StreamConnection connection = new StreamConnection(flows.incrementAndGet(), transport, remote, listener,
                channel, channel.newSucceededFuture(), awaitNanos());
        register(connection, true);
        finishPipeline(connection);
    }

    /** A WebSocket handshake done: from now on a connection of SIP messages, one per frame. */
    private void upgraded(ChannelHandlerContext ctx, Transport transport, String listener, InetSocketAddress remote) {
        Channel channel = ctx.channel();
        StreamConnection connection = new StreamConnection(flows.incrementAndGet(), transport, remote, listener, channel,
                channel.newSucceededFuture(), awaitNanos());
        register(connection, true);
        ConnectionHandler handler = handler(connection);
        channel.pipeline().addLast(PipelineTail.consolidatedFlushes());
        channel.pipeline().addLast(webSockets.framing(() -> errors.get(Error.IDLE).increment()));
        channel.pipeline().addLast(handler);
        LOG.debug("{}: WebSocket upgraded", connection);
    }

    private void refuse(SocketChannel channel, Error error) {
        errors.get(error).increment();
        LOG.debug("connection from {} refused: {}", channel.remoteAddress(), error.label());
        if (channel.isOpen()) {
            channel.config().setOption(ChannelOption.SO_LINGER, 0); // a reset: nothing is kept for it
            channel.close();
        }
    }

    private void finishPipeline(StreamConnection connection) {
        connection.channel().pipeline().addLast(handlers(handler(connection)));
    }

    private ChannelHandler[] handlers(ConnectionHandler handler) {
        return PipelineTail.handlers(settings, limits, handler);
    }

    private void register(StreamConnection connection, boolean byAddress) {
        byFlow.put(connection.flow(), connection);
        if (byAddress) {
            reachAt(connection, new RemoteKey(connection.transport(), connection.remote()));
        }
        open.get(connection.transport()).incrementAndGet();
        connection.channel().closeFuture().addListener(closed -> forget(connection));
    }

    private void forget(StreamConnection connection) {
        byFlow.remove(connection.flow(), connection);
        for (Object key : connection.addressKeys) { // its address and any alias
            byRemote.remove((RemoteKey) key, connection);
        }
        open.get(connection.transport()).decrementAndGet();
    }

    /** Finds {@code connection} by {@code key} from now on, until it closes. */
    private void reachAt(StreamConnection connection, RemoteKey key) {
        connection.addressKeys.add(key);
        byRemote.put(key, connection);
    }

    /**
     * Also reaches {@code connection} at {@code address}: a client that offered its connection for
     * requests toward it (Via {@code alias}, RFC 5923) at its sent-by address.
     */
    public void alias(StreamConnection connection, InetSocketAddress address) {
        if (connection.channel().isActive()) {
            reachAt(connection, new RemoteKey(connection.transport(), address));
        }
    }

    /**
     * Sends {@code message} to {@code to}: on its flow while that connection lives, else on any
     * connection to its address, else on a new one opened from {@code loop}. A failure is told to
     * {@code failure} on {@code loop}.
     */
    public void send(SipWritable message, Peer to, MessageSender.TransportFailure failure, EventLoop loop) {
        StreamConnection connection = to.flow() == Peer.NO_FLOW ? null : byFlow.get(to.flow());
        if (connection == null || !connection.usable()) {
            if (to.transport().webSocket()) {
                connection = byRemote.get(new RemoteKey(to.transport(), to.address()));
                if (connection == null || !connection.usable()) {
                    // a browser cannot be connected to: it is reached over its own connection or not at all
                    StreamConnection.tell(failure, loop, new MessageSender.ConnectionLost(
                            "no WebSocket connection open to " + to));
                    return;
                }
            } else {
                connection = connectionTo(to, loop);
            }
        }
        connection.write(message, failure, loop);
    }

    /**
     * Our end of the connection a message to {@code to} leaves over (its flow's, else one open to
     * its address), or {@code null} when none is open yet: what capture names as the sender.
     */
    public SocketAddress localAddressOf(Peer to) {
        StreamConnection connection = to.flow() == Peer.NO_FLOW ? null : byFlow.get(to.flow());
        if (connection == null) {
            connection = byRemote.get(new RemoteKey(to.transport(), to.address()));
        }
        return connection == null ? null : connection.channel().localAddress();
    }

    /**
     * The peer at the far end of the open connection {@code flow}, or {@code null} when that
     * connection is closed (or was never this process's).
     */
    public Peer peerOf(long flow) {
        StreamConnection connection = byFlow.get(flow);
        return connection == null || !connection.usable() ? null : connection.peer();
    }

    /**
     * A usable connection to {@code to}'s address, or a new one. Two loops that open one at the
     * same moment both succeed; the later is kept for reuse, the other serves its writes and
     * closes when idle.
     */
    private StreamConnection connectionTo(Peer to, EventLoop loop) {
        RemoteKey key = new RemoteKey(to.transport(), to.address());
        StreamConnection known = byRemote.get(key);
        if (known != null && known.usable()) {
            return known;
        }
        StreamConnection opened = open(to, loop);
        if (opened.usable()) {
            reachAt(opened, key);
        }
        return opened;
    }

    /** Opens a connection to {@code to} on {@code loop}; writes wait for it (and its handshake). */
    private StreamConnection open(Peer to, EventLoop loop) {
        Class<? extends Channel> type = epoll ? EpollSocketChannel.class : NioSocketChannel.class;
        ConnectionHandler handler = handler(null);
        Promise<Void> handshaken = to.transport().secure() ? loop.newPromise() : null;
        if (handshaken != null && tls == null) {
            handshaken.setFailure(new IOException("no TLS configured (siplb.tls.*)"));
        }
        Bootstrap bootstrap = new Bootstrap().group(loop).channel(type)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) settings.connectTimeout().toMillis())
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.SO_KEEPALIVE, true)
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel channel) {
                        if (handshaken != null && tls != null) {
                            String host = to.serverName() != null ? to.serverName()
                                    : to.address().getAddress().getHostAddress();
                            SslHandler ssl = tls.clientHandler(channel.alloc(), host, to.address().getPort());
                            ssl.setHandshakeTimeoutMillis(settings.connectTimeout().toMillis());
                            ssl.handshakeFuture().addListener(done -> {
                                if (done.isSuccess()) {
                                    handshaken.trySuccess(null);
                                } else {
                                    handshaken.tryFailure(done.cause());
                                }
                            });
                            channel.pipeline().addLast(ssl);
                        }
                        channel.pipeline().addLast(handlers(handler));
                    }
                });
        if (epoll) {
            bootstrap.option(EpollChannelOption.TCP_USER_TIMEOUT, (int) settings.userTimeout().toMillis());
        }
        ChannelFuture connect = bootstrap.connect(to.address());
        Channel channel = connect.channel();
        StreamConnection connection = new StreamConnection(flows.incrementAndGet(), to.transport(), to.address(),
                null, channel, handshaken != null ? handshaken : connect, awaitNanos());
        handler.connection = connection;
        connect.addListener((ChannelFutureListener) done -> {
            if (!done.isSuccess()) {
                errors.get(done.cause() instanceof ConnectTimeoutException ? Error.CONNECT_TIMEOUT
                        : done.cause() instanceof ConnectException ? Error.CONNECT_REFUSED : Error.OTHER).increment();
                LOG.debug("cannot connect to {}: {}", to, done.cause().toString());
                if (handshaken != null) {
                    handshaken.tryFailure(done.cause());
                }
                channel.close();
            }
        });
        register(connection, false); // put under its address by the caller, while usable
        return connection;
    }

    /** Requests are told of their connection closing for twice the failover timeout after writing. */
    private long awaitNanos() {
        return 2 * settings.userTimeout().toNanos();
    }

    /** Open connections over {@code transport}, inbound and outbound. */
    public int open(Transport transport) {
        return open.get(transport).get();
    }

    /** Connections ended or refused for {@code error} since start. */
    public long errors(Error error) {
        return errors.get(error).sum();
    }

    /** CRLF CRLF keep-alives answered. */
    public long pings() {
        return pings.sum();
    }

    /** The connection with flow {@code flow}, if it is open (tests, operations). */
    public StreamConnection connection(long flow) {
        return byFlow.get(flow);
    }

    /** Every open connection (operations). */
    public List<StreamConnection> connections() {
        return List.copyOf(byFlow.values());
    }

    /**
     * Stops accepting connections (a drain for a successor): the listeners close, connections
     * already open go on until {@link #close()}.
     */
    public void closeListeners() {
        for (Channel server : servers) {
            server.close().syncUninterruptibly();
        }
    }

    @Override
    public void close() {
        closeListeners();
        for (StreamConnection connection : byFlow.values()) {
            connection.channel().close();
        }
    }

    /** A connection's handler, reporting to this transport's counters. */
    private ConnectionHandler handler(StreamConnection connection) {
        return new ConnectionHandler(connection, inbound, errors, pings, settings.messageTimeout());
    }
}
