package io.siplb.transport.capture;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.siplb.core.net.Transport;
import java.io.IOException;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends a copy of every SIP message to a HEP collector ({@code siplb.hep.collector}): Homer, sngrep
 * {@code -L}, Kamailio's sipcapture. An event loop only copies the message and offers it to a
 * bounded queue ({@code siplb.hep.queue}); a thread of its own ({@code siplb-hep}) finds the
 * Call-ID, encodes ({@link HepEncoder}) and sends — UDP datagrams, or one TCP connection opened
 * again when it breaks (at most once a second). A full queue, a collector that is gone or slow,
 * a message too large for one HEP packet: the message is dropped and counted, never waited for.
 *
 * <p>With {@code siplb.hep.routes} only the messages of calls a named route took are sent: the
 * proxy tells this capture which Call-IDs to follow ({@link #follow}) before it sends anything of
 * the call, and the lane queues a request it received only once it has been routed.
 */
public final class HepCapture implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(HepCapture.class);
    /** A HEP packet's length is 16 bits: what is left for the payload after the other chunks. */
    private static final int MAX_PACKET = 65_535;
    private static final Captured STOP = new Captured(0, null, null, Transport.UDP, new byte[0]);

    private final HepSettings settings;
    private final BlockingQueue<Captured> queue;
    private final Cache<String, Boolean> followed;
    private final Thread sender;
    private final LongAdder sent = new LongAdder();
    private final LongAdder bytes = new LongAdder();
    private final LongAdder dropped = new LongAdder();
    private DatagramSocket udp;
    private Socket tcp;
    private long tcpRetryAtNanos;
    private volatile boolean closed;

    public HepCapture(HepSettings settings) {
        this.settings = settings;
        this.queue = new ArrayBlockingQueue<>(settings.queue());
        this.followed = Caffeine.newBuilder().maximumSize(1_000_000).expireAfterAccess(Duration.ofHours(2))
                .executor(Runnable::run).build();
        this.sender = new Thread(this::run, "siplb-hep");
        sender.setDaemon(true);
        sender.start();
        LOG.info("capturing every SIP message{} to HEP collector {}:{} (agent id {})",
                settings.routes().isEmpty() ? "" : " of calls taken by route(s) " + settings.routes(),
                settings.transport().parameter(), settings.collector(), settings.agentId());
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
        if (closed || !queue.offer(message)) {
            dropped.increment();
        }
    }

    /** Messages sent to the collector. */
    public long sent() {
        return sent.sum();
    }

    /** Octets sent to the collector (HEP headers included). */
    public long bytes() {
        return bytes.sum();
    }

    /** Messages dropped: the queue full, the collector unreachable, a message too large. */
    public long dropped() {
        return dropped.sum();
    }

    private void run() {
        while (true) {
            Captured message;
            try {
                message = queue.take();
            } catch (InterruptedException e) {
                return;
            }
            if (message == STOP) {
                return;
            }
            try {
                send(message);
            } catch (RuntimeException e) {
                dropped.increment();
                LOG.debug("HEP: message not sent: {}", e.toString());
            }
        }
    }

    private void send(Captured message) {
        String callId = CallIdScanner.callId(message.payload());
        if (byRoute() && (callId == null || followed.getIfPresent(callId) == null)) {
            return; // not a call of a captured route
        }
        byte[] packet = HepEncoder.encode(message, settings.agentId(), settings.password(),
                callId == null ? new byte[0] : callId.getBytes(StandardCharsets.UTF_8));
        if (packet.length > MAX_PACKET) {
            dropped.increment();
            return;
        }
        try {
            if (settings.transport() == Transport.UDP) {
                if (udp == null) {
                    udp = new DatagramSocket();
                }
                udp.send(new DatagramPacket(packet, packet.length, settings.collector()));
            } else if (!sendTcp(packet)) {
                dropped.increment();
                return;
            }
            sent.increment();
            bytes.add(packet.length);
        } catch (IOException e) {
            dropped.increment();
        }
    }

    /** Over the TCP connection, opened (again) when needed but at most once a second. */
    private boolean sendTcp(byte[] packet) {
        if (tcp == null) {
            if (System.nanoTime() - tcpRetryAtNanos < 0) {
                return false;
            }
            tcpRetryAtNanos = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
            try {
                Socket socket = new Socket();
                socket.connect(settings.collector(), 1000);
                socket.setSoTimeout(1000);
                socket.setTcpNoDelay(true);
                tcp = socket;
            } catch (IOException e) {
                LOG.debug("HEP: cannot connect to {}: {}", settings.collector(), e.toString());
                return false;
            }
        }
        try {
            OutputStream out = tcp.getOutputStream();
            out.write(packet);
            return true;
        } catch (IOException e) {
            closeTcp();
            return false;
        }
    }

    private void closeTcp() {
        try {
            if (tcp != null) {
                tcp.close();
            }
        } catch (IOException e) {
            // closing a broken socket
        }
        tcp = null;
    }

    /** Sends what is queued (for at most a second), then stops. */
    @Override
    public void close() {
        closed = true;
        queue.offer(STOP);
        try {
            sender.join(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        sender.interrupt();
        if (udp != null) {
            udp.close();
        }
        closeTcp();
    }
}
