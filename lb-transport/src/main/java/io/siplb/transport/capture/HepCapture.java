package io.siplb.transport.capture;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.siplb.core.net.Transport;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends a copy of every SIP message to a HEP collector ({@code siplb.hep.collector}): Homer, sngrep
 * {@code -L}, Kamailio's sipcapture. An event loop only copies the message and adds it to a
 * lock-free queue bounded by {@code siplb.hep.queue} — no lock, no wake-up of another thread. A
 * loop of its own ({@code siplb-hep}) takes what has queued every 2 ms, finds each Call-ID,
 * encodes ({@link HepEncoder}) and writes the batch with one flush: over UDP one
 * {@code sendmmsg} where epoll is available, over TCP one connection (opened again when it breaks,
 * at most once a second). A full queue, a TCP collector that is not connected or not reading
 * (more than 1 MiB unsent), a message too large for one HEP packet: the message is dropped and
 * counted, never waited for.
 *
 * <p>With {@code siplb.hep.routes} only the messages of calls a named route took are sent: the
 * proxy tells this capture which Call-IDs to follow ({@link #follow}) before it sends anything of
 * the call, and the lane queues a request it received only once it has been routed.
 */
public final class HepCapture implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(HepCapture.class);
    /** A HEP packet's length is 16 bits; over TCP that is the bound. */
    private static final int MAX_PACKET = 65_535;
    /** An IPv4 UDP datagram's payload at most (65 535 less the IP and UDP headers). */
    private static final int MAX_DATAGRAM = 65_507;
    private static final long DRAIN_MILLIS = 2;
    private static final byte[] NONE = new byte[0];

    private final HepSettings settings;
    private final boolean udp;
    private final Queue<Captured> queue = new ConcurrentLinkedQueue<>();
    private final AtomicInteger queued = new AtomicInteger();
    private final Cache<String, Boolean> followed;
    private final EventLoopGroup group;
    private final EventLoop loop;
    private final Bootstrap bootstrap;
    private final LongAdder sent = new LongAdder();
    private final LongAdder bytes = new LongAdder();
    private final LongAdder dropped = new LongAdder();
    /** The socket toward the collector; on the capture loop only (UDP: bound at start). */
    private Channel channel;
    private long connectAtNanos;
    private volatile boolean closed;

    public HepCapture(HepSettings settings) {
        this.settings = settings;
        this.udp = settings.transport() == Transport.UDP;
        this.followed = Caffeine.newBuilder().maximumSize(1_000_000).expireAfterAccess(Duration.ofHours(2))
                .executor(Runnable::run).build();
        boolean epoll = Epoll.isAvailable();
        this.group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("siplb-hep", true),
                epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
        this.loop = group.next();
        this.bootstrap = new Bootstrap().group(loop)
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(512 * 1024, 1024 * 1024))
                .handler(new Discard());
        if (udp) { // connected: the kernel looks the route up once, not per datagram
            bootstrap.channel(epoll ? EpollDatagramChannel.class : NioDatagramChannel.class);
        } else {
            bootstrap.channel(epoll ? EpollSocketChannel.class : NioSocketChannel.class)
                    .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 1000).option(ChannelOption.SO_KEEPALIVE, true);
        }
        loop.scheduleWithFixedDelay(this::drain, DRAIN_MILLIS, DRAIN_MILLIS, TimeUnit.MILLISECONDS);
        LOG.info("capturing every SIP message{} to HEP collector {}:{} (agent id {})",
                settings.routes().isEmpty() ? "" : " of calls taken by route(s) " + settings.routes(),
                settings.transport().parameter(), hostPort(settings.collector()), settings.agentId());
    }

    /**
     * Whatever the collector sends back, released unread; a write that failed (no collector
     * listening, a broken connection) counted as dropped, and the socket closed to be opened again.
     */
    private final class Discard extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ReferenceCountUtil.release(msg);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            LOG.debug("HEP collector: {}", cause.toString());
            dropped.increment();
            if (!udp) {
                ctx.close(); // a broken connection: opened again by the next drain
            } // over UDP (no collector listening: ICMP refused) the socket stays; the next datagram may arrive
        }
    }

    private static String hostPort(InetSocketAddress address) {
        String host = address.getAddress().getHostAddress();
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + address.getPort();
    }

    /** Whether only calls of some routes are captured: the proxy must say which ({@link #follow}). */
    public boolean byRoute() {
        return !settings.routes().isEmpty();
    }

    /** The proxy routed a new request of {@code callId} by {@code route}: its call is captured if that route is. */
    public void follow(String route, CharSequence callId) {
        if (callId != null && settings.routes().contains(route)) {
            followed.put(callId.toString(), Boolean.TRUE);
        }
    }

    /** Queues a message (any thread; never blocks). */
    public void offer(Captured message) {
        if (closed) {
            dropped.increment();
            return;
        }
        if (queued.incrementAndGet() > settings.queue()) {
            queued.decrementAndGet();
            dropped.increment();
            return;
        }
        queue.offer(message);
    }

    /**
     * Messages written to the collector's socket; over UDP that is what siplb can know (a datagram
     * the collector never read counts too), a write that failed is counted in {@link #dropped} as well.
     */
    public long sent() {
        return sent.sum();
    }

    /** Octets of the messages {@link #sent} (HEP headers included). */
    public long bytes() {
        return bytes.sum();
    }

    /** Messages dropped: the queue full, the collector unreachable or not reading, a message too large. */
    public long dropped() {
        return dropped.sum();
    }

    /** What has queued, encoded and written with one flush (on the capture loop). */
    private void drain() {
        Channel out = collector();
        boolean written = false;
        Captured message;
        while ((message = queue.poll()) != null) {
            queued.decrementAndGet();
            try {
                written |= write(out, message);
            } catch (RuntimeException e) { // one message's fault; the periodic drain must go on
                dropped.increment();
                LOG.debug("HEP: message not sent: {}", e.toString());
            }
        }
        if (written) {
            out.flush();
        }
    }

    private boolean write(Channel out, Captured message) {
        byte[] callId = CallIdScanner.callId(message.payload());
        if (byRoute()
                && (callId == null || followed.getIfPresent(new String(callId, StandardCharsets.UTF_8)) == null)) {
            return false; // not a call of a captured route
        }
        if (callId == null) {
            callId = NONE;
        }
        int length = HepEncoder.length(message, settings.password(), callId);
        if (length > (udp ? MAX_DATAGRAM : MAX_PACKET) || out == null || !out.isActive() || !out.isWritable()) {
            dropped.increment();
            return false;
        }
        ByteBuf packet = out.alloc().ioBuffer(length);
        try {
            HepEncoder.encode(message, settings.agentId(), settings.password(), callId, packet);
        } catch (RuntimeException e) {
            packet.release();
            throw e;
        }
        out.write(packet, out.voidPromise()); // a failure reaches Discard, which counts it
        sent.increment();
        bytes.add(length);
        return true;
    }

    /** The connected socket to write to (UDP or TCP), opened again at most once a second when it closed. */
    private Channel collector() {
        if (channel != null && channel.isActive()) {
            return channel;
        }
        if (channel == null || !channel.isOpen()) {
            long now = System.nanoTime();
            if (now - connectAtNanos >= 0) {
                connectAtNanos = now + TimeUnit.SECONDS.toNanos(1);
                channel = bootstrap.connect(settings.collector()).channel(); // active once connected
            }
        }
        return channel;
    }

    /** Sends what is queued, then stops the capture loop (for at most a second). */
    @Override
    public void close() {
        closed = true;
        loop.execute(this::drain);
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
