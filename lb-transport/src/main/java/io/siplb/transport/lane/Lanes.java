package io.siplb.transport.lane;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.DatagramPacket;
import io.siplb.core.net.MessageSender;
import io.siplb.core.proxy.ProxyTables;
import io.siplb.core.proxy.SipProxy;
import io.siplb.core.sip.SipParser;
import io.siplb.transport.capture.HepCapture;
import io.siplb.transport.protect.SourceGuard;
import io.siplb.transport.stream.StreamConnection;
import io.siplb.transport.stream.StreamTransport;
import io.siplb.transport.udp.DatagramReceiveAllocator;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import reactor.netty.Connection;

/**
 * Every lane of the balancer, numbered as their branches name them ({@code Branches}): one per
 * UDP channel, then one per stream listener and loop. A datagram goes to its channel's lane; a
 * stream connection's message to its listener's lane on the connection's loop (connections the
 * balancer opened itself: the loop's first lane). Also what the lanes share — the parser, edge
 * protection, the tables, the stream transport — and their loops' load.
 */
public final class Lanes {
    /** Makes the proxy of a new lane: its number, its loop, the lane to send through, its listener. */
    @FunctionalInterface
    public interface ProxyFactory {
        SipProxy create(int number, EventLoop loop, MessageSender sender, String listener);
    }

    private final List<Lane> lanes = new CopyOnWriteArrayList<>();
    /** The stream lanes by listener and loop: where a connection's messages go. */
    private final Map<String, Map<EventLoop, Lane>> byListener = new ConcurrentHashMap<>();
    final SipParser parser;
    final SourceGuard guard;
    final ProxyTables tables;
    final ProxyFactory proxies;
    final LongAdder sendFailures = new LongAdder();
    private final Duration maxLag;
    private final Duration dropLag;
    private final Duration overloadSustain;
    private volatile StreamTransport streams;
    private volatile boolean closed;
    /** HEP capture, or {@code null} when off; set before the first lane. */
    HepCapture capture;
    /** Our advertised address: what capture names for a wildcard bind. */
    InetAddress advertised;

    /**
     * @param maxLag {@code siplb.overload.max-loop-lag} (zero: never overloaded)
     * @param dropLag {@code siplb.overload.drop-loop-lag}
     * @param overloadSustain {@code siplb.overload.sustain}
     */
    public Lanes(SipParser parser, SourceGuard guard, ProxyTables tables, Duration maxLag, Duration dropLag,
            Duration overloadSustain, ProxyFactory proxies) {
        this.parser = parser;
        this.guard = guard;
        this.tables = tables;
        this.maxLag = maxLag;
        this.dropLag = dropLag;
        this.overloadSustain = overloadSustain;
        this.proxies = proxies;
    }

    /** Capture every message the lanes receive and send to {@code hep}; before any lane is added. */
    public void capture(HepCapture hep, InetAddress advertisedAddress) {
        this.capture = hep;
        this.advertised = advertisedAddress;
    }

    /** The stream transport, once bound: stream lanes send over it, every lane finds connections in it. */
    public void streams(StreamTransport transport) {
        this.streams = transport;
    }

    StreamTransport streams() {
        return streams;
    }

    LoopLoad newLoad() {
        return new LoopLoad(maxLag.toNanos(), dropLag.toNanos(), overloadSustain.toNanos());
    }

    boolean overloadOn() {
        return !maxLag.isZero();
    }

    boolean closed() {
        return closed;
    }

    /** The lane of a bound UDP channel; its number is the next one. */
    public Lane addUdp(Connection connection, DatagramReceiveAllocator receive, String listener) {
        Lane lane = new Lane(this, lanes.size(), connection.channel().eventLoop(), connection, connection.channel(),
                receive, listener, null);
        lanes.add(lane);
        return lane;
    }

    /** One lane per loop for the stream listener {@code listener}, sending datagrams from that loop's first UDP channel. */
    public void addStreamListener(String listener, List<EventLoop> loops) {
        Map<EventLoop, Lane> perLoop = new HashMap<>();
        for (EventLoop loop : loops) {
            Lane udp = defaultLane(loop);
            Lane lane = new Lane(this, lanes.size(), loop, null, udp == null ? null : udp.channel(), null, listener,
                    udp == null ? null : udp.load());
            lanes.add(lane);
            perLoop.put(loop, lane);
        }
        byListener.put(listener, perLoop);
    }

    /**
     * The UDP channel of lane {@code number} — what a client behind NAT is reached from — or
     * {@code fallback} when that lane has none (a token of another configuration's lanes).
     */
    Channel udpChannel(int number, Channel fallback) {
        Lane lane = number < lanes.size() ? lanes.get(number) : null;
        return lane == null || lane.connection() == null ? fallback : lane.channel();
    }

    /** A datagram for channel {@code number}; one that arrives while it is still binding is dropped. */
    public void onDatagram(int number, DatagramPacket packet) {
        if (number < lanes.size()) {
            lanes.get(number).onDatagram(packet);
        }
    }

    /** A whole message from a stream connection, on its loop: to its listener's lane there. */
    public void onStreamMessage(StreamConnection connection, ByteBuf message) {
        EventLoop loop = connection.channel().eventLoop();
        Map<EventLoop, Lane> perLoop = connection.listener() == null ? null : byListener.get(connection.listener());
        Lane lane = perLoop == null ? defaultLane(loop) : perLoop.get(loop);
        if (lane != null) {
            lane.onMessage(message, connection.peer(), connection);
        } // else still binding: dropped, as a datagram would be
    }

    /** The first lane on {@code loop}: it takes the messages of connections the balancer opened. */
    private Lane defaultLane(EventLoop loop) {
        for (Lane lane : lanes) {
            if (lane.loop() == loop) {
                return lane;
            }
        }
        return null;
    }

    public int size() {
        return lanes.size();
    }

    public Lane get(int number) {
        return lanes.get(number);
    }

    /** The addresses the UDP channels are bound to, each once. */
    public List<InetSocketAddress> udpAddresses() {
        List<InetSocketAddress> addresses = new ArrayList<>();
        for (Lane lane : lanes) {
            if (lane.connection() != null) {
                InetSocketAddress address = (InetSocketAddress) lane.channel().localAddress();
                if (!addresses.contains(address)) {
                    addresses.add(address);
                }
            }
        }
        return addresses;
    }

    /** Runs {@code task} once on every lane's loop after {@code delay} (zero: at once). */
    public void onEveryLoop(Runnable task, Duration delay) {
        for (Lane lane : lanes) {
            if (delay.isZero()) {
                lane.loop().execute(task);
            } else {
                lane.loop().schedule(task, delay.toNanos(), TimeUnit.NANOSECONDS);
            }
        }
    }

    /** The largest lag of any loop now, in milliseconds. */
    public double maxLagMillis() {
        long max = 0;
        for (Lane lane : lanes) {
            max = Math.max(max, lane.load().lagNanos());
        }
        return max / 1e6;
    }

    /** Each lane's loop's smoothed lag now, in milliseconds, rounded to 0.1. */
    public List<Double> lagsMillis() {
        List<Double> lags = new ArrayList<>();
        for (Lane lane : lanes) {
            lags.add(Math.round(lane.load().lagNanos() / 1e5) / 10.0);
        }
        return lags;
    }

    /**
     * Lag samples (one per loop every 10 ms) later than {@code LoopLoad.LATE_MILLIS[index]} since
     * start, over every loop.
     */
    public long lateSamples(int index) {
        long late = 0;
        Set<LoopLoad> seen = new HashSet<>();
        for (Lane lane : lanes) {
            if (seen.add(lane.load())) {
                late += lane.load().late(index); // stream lanes share their loop's
            }
        }
        return late;
    }

    /** Whether any loop is overloaded now (new calls refused). */
    public boolean overloaded() {
        for (Lane lane : lanes) {
            if (lane.load().overloaded()) {
                return true;
            }
        }
        return false;
    }

    /** Messages the transports could not send (the kernel refused a datagram, no transport). */
    public long sendFailures() {
        return sendFailures.sum();
    }

    /** Stops measuring and closes the UDP channels. */
    public void close() {
        closed = true;
        for (Lane lane : lanes) {
            if (lane.connection() != null) {
                lane.connection().disposeNow(Duration.ofSeconds(5));
            }
        }
    }
}
