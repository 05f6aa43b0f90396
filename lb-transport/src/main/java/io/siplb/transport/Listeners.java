package io.siplb.transport;

import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.unix.UnixChannelOption;
import io.siplb.core.cluster.Cluster;
import io.siplb.core.config.ConfigException;
import io.siplb.core.config.ConfigValues;
import io.siplb.core.net.Transport;
import io.siplb.core.proxy.ProxySettings;
import io.siplb.core.proxy.ProxyTables;
import io.siplb.core.route.NatSettings;
import io.siplb.transport.config.BalancerSettings;
import io.siplb.transport.config.ListenAddress;
import io.siplb.transport.lane.Lanes;
import io.siplb.transport.stream.StreamTransport;
import io.siplb.transport.stream.TlsContexts;
import io.siplb.transport.udp.DatagramReceiveAllocator;
import io.siplb.transport.udp.FlushAtReadEnd;
import io.siplb.transport.udp.KernelDrops;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.DatagramChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.netty.Connection;
import reactor.netty.udp.UdpServer;

/**
 * Binds the listen addresses ({@code siplb.listen}) and says what was bound: the stream listeners
 * first (so that every proxy advertises their ports from the start), then the UDP channels — on
 * Linux with epoll one per event loop sharing the port through {@code SO_REUSEPORT}, each pinned
 * to its own loop. A port 0 is the kernel's choice, advertised once known ({@link #advertised}).
 */
final class Listeners {
    private static final Logger LOG = LoggerFactory.getLogger(Listeners.class);

    private final BalancerSettings settings;
    private final Lanes lanes;
    private final KernelDrops kernelDrops;
    /** Told when another process holds a UDP address too (a predecessor draining). */
    private final ProxyTables tables;
    /** The stream listeners as bound (ports chosen by the kernel filled in). */
    private final List<ListenAddress> streamListeners = new CopyOnWriteArrayList<>();
    /** The proxy's settings; the advertised ports are filled in as they are bound. */
    private volatile ProxySettings advertised;

    Listeners(BalancerSettings settings, Lanes lanes, KernelDrops kernelDrops, ProxyTables tables) {
        this.settings = settings;
        this.lanes = lanes;
        this.kernelDrops = kernelDrops;
        this.tables = tables;
        this.advertised = settings.proxy();
    }

    /**
     * With no {@code siplb.nat.flow-key} configured, takes the key the cluster's nodes agree on,
     * so that a flow token one node wrote verifies on every other; before any lane is made.
     */
    void agreeFlowKey(Cluster cluster) {
        NatSettings nat = advertised.nat();
        if (!nat.keyGiven()) {
            advertised = advertised.withNat(nat.withKey(cluster.agree("nat-flow-key", nat.key())));
        }
    }

    /** The proxy's settings with the ports bound so far advertised. */
    ProxySettings advertised() {
        return advertised;
    }

    /** Binds every TCP, TLS, WS and WSS listen address on {@code streams}. */
    void bindStreams(StreamTransport streams, int loopCount) {
        for (ListenAddress address : settings.listen()) {
            if (address.kind() == Transport.UDP) {
                continue;
            }
            InetSocketAddress bound;
            try {
                bound = streams.listen(address.kind(), address.socketAddress(), address.path(), address.text(),
                        address.proxyProtocol());
            } catch (ConfigException e) {
                throw e;
            } catch (RuntimeException e) {
                throw new IllegalStateException("cannot bind " + address.text() + ": " + e.getMessage(), e);
            }
            advertisePort(address, bound.getPort());
            streamListeners.add(address.withPort(bound.getPort()));
            LOG.info("listening on {} {}:{} (connections on {} loop(s){}; idle timeout {}, up to {} per source)",
                    address.transport(), address.host(), bound.getPort(), loopCount,
                    address.kind().secure() ? ", TLS by " + TlsContexts.provider() : "",
                    ConfigValues.format(settings.streams().idleTimeout()), settings.streams().maxPerSource());
        }
    }

    /** Binds every UDP listen address, a lane per channel. */
    void bindUdp(List<EventLoop> eventLoops) {
        boolean reusePort = Epoll.isAvailable();
        int channels = reusePort ? settings.loopCount() : 1;
        for (ListenAddress address : settings.listen()) {
            if (address.kind() == Transport.UDP) {
                bindUdp(address, eventLoops, channels, reusePort);
            }
        }
    }

    private void bindUdp(ListenAddress address, List<EventLoop> eventLoops, int channels, boolean reusePort) {
        int port = address.port();
        if (reusePort && port != 0 && heldByAnother(address.socketAddress())) {
            sharedPort(address.socketAddress());
        }
        for (int i = 0; i < channels; i++) {
            int number = lanes.size();
            DatagramReceiveAllocator receive = new DatagramReceiveAllocator(settings.parserLimits().maxMessageBytes());
            UdpServer server = UdpServer.create()
                    .host(address.host())
                    .port(port)
                    // each channel pinned to its own loop: left to the group, every channel of
                    // an address landed on one loop and the other cores stood idle
                    .runOn(eventLoops.get(i % eventLoops.size()))
                    .option(ChannelOption.RCVBUF_ALLOCATOR, receive)
                    .doOnChannelInit((observer, channel, remote) -> channel.pipeline().addFirst(new FlushAtReadEnd()))
                    .option(ChannelOption.SO_RCVBUF, settings.receiveBufferBytes() > 0
                            ? settings.receiveBufferBytes() : null)
                    .handle((in, out) -> in.receiveObject()
                            .doOnNext(message -> lanes.onDatagram(number, (DatagramPacket) message))
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
            lanes.addUdp(connection, receive, address.text());
            kernelDrops.watch(connection.channel());
            if (number == 0 && settings.receiveBufferBytes() > 0) {
                checkReceiveBuffer(connection.channel());
            }
        }
        LOG.info("listening on udp {}:{} ({} channel{}, {}, datagrams up to {} octets)", address.host(), port,
                channels, channels == 1 ? "" : "s", reusePort ? "epoll, SO_REUSEPORT" : "nio",
                settings.parserLimits().maxMessageBytes());
    }

    /**
     * Whether another process holds {@code address} already: a socket without {@code SO_REUSEPORT}
     * cannot bind it then. Ours all set it, so this is a predecessor still draining (a restart),
     * or a process of someone else's that the {@code SO_REUSEPORT} bind below would join.
     */
    private static boolean heldByAnother(InetSocketAddress address) {
        try (DatagramChannel probe = DatagramChannel.open()) {
            probe.bind(address);
            return false;
        } catch (IOException e) {
            return true;
        }
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
        if (address == first && advertised.advertisedPort() == 0) {
            advertised = advertised.withAdvertisedPort(port);
        }
        boolean firstOfTransport = settings.listen().stream().filter(a -> a.kind() == address.kind()).findFirst()
                .orElseThrow() == address;
        if (firstOfTransport && !(explicit && address.kind() == first.kind())) {
            advertised = advertised.withPort(address.kind(), port);
        }
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

    /** The addresses actually bound (the port is known here when 0 was asked for). */
    List<InetSocketAddress> bound() {
        List<InetSocketAddress> addresses = new ArrayList<>(lanes.udpAddresses());
        for (ListenAddress listener : streamListeners) {
            addresses.add(listener.socketAddress());
        }
        return addresses;
    }

    /** The first bound address of {@code transport}, or {@code null} when none listens on it. */
    InetSocketAddress bound(Transport transport) {
        if (transport == Transport.UDP) {
            List<InetSocketAddress> udp = lanes.udpAddresses();
            return udp.isEmpty() ? null : udp.get(0);
        }
        return streamListeners.stream().filter(l -> l.kind() == transport).findFirst()
                .map(ListenAddress::socketAddress).orElse(null);
    }

    /**
     * Another process holds {@code address} already — on a restart, the predecessor draining. Both
     * get some of the other's responses for a while (relayed on statelessly), so silence is not
     * held against a destination for as long as a predecessor may drain: this process's own
     * {@code siplb.shutdown.drain}, at least 10 s.
     */
    private void sharedPort(InetSocketAddress address) {
        Duration window = settings.drain().compareTo(SHARED_PORT_MINIMUM) > 0 ? settings.drain() : SHARED_PORT_MINIMUM;
        tables.sharePort(window);
        LOG.warn("udp {} is held by another process too (a predecessor draining?): for {} neither a silent call "
                + "nor a silent probe takes a destination down (siplb_overload_marks_spared_total counts the calls)",
                address, ConfigValues.format(window));
    }

    private static final Duration SHARED_PORT_MINIMUM = Duration.ofSeconds(10);
}
