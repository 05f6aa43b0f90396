package io.siplb.benchmarks;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.DefaultEventLoop;
import io.netty.channel.EventLoop;
import io.siplb.core.dispatch.Algorithm;
import io.siplb.core.dispatch.DestinationListException;
import io.siplb.core.dispatch.DestinationListParser;
import io.siplb.core.dispatch.DispatchSettings;
import io.siplb.core.dispatch.Dispatcher;
import io.siplb.core.dispatch.FailoverSettings;
import io.siplb.core.dispatch.FailureMark;
import io.siplb.core.dispatch.HashMode;
import io.siplb.core.net.AddressResolver;
import io.siplb.core.net.MessageSender;
import io.siplb.core.proxy.ProxySettings;
import io.siplb.core.proxy.ProxyTables;
import io.siplb.core.proxy.SipProxy;
import io.siplb.core.sip.SipWritable;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.test.scheduler.VirtualTimeScheduler;

/**
 * A proxy with no sockets for the benchmarks: datagrams it sends are written into pooled buffers
 * (as the transport would) and queued for the benchmark to answer; time is virtual.
 */
final class ProxyBench {
    static final InetSocketAddress UAC = new InetSocketAddress("127.0.0.1", 5061);
    static final InetSocketAddress D1 = new InetSocketAddress("127.0.0.1", 6001);
    static final InetSocketAddress D2 = new InetSocketAddress("127.0.0.1", 6002);

    /** One datagram the proxy sent: its bytes (owned by the queue) and where it went. */
    record Sent(ByteBuf bytes, InetSocketAddress to) {
    }

    final VirtualTimeScheduler clock = VirtualTimeScheduler.create();
    final ArrayDeque<Sent> sent = new ArrayDeque<>();
    final Dispatcher dispatcher = new Dispatcher();
    final SipProxy proxy;
    final ProxyTables tables;
    private final EventLoop loop;

    /** A proxy whose timers run on a Netty event loop, as in production (time is real). */
    ProxyBench(String algorithm) throws DestinationListException {
        this(algorithm, false);
    }

    /**
     * A proxy on a Netty event loop routing over a set of {@code destinations}.
     *
     * @param hashMode {@code siplb.dispatch.hash-mode}, {@code kamailio} or {@code rendezvous}
     */
    ProxyBench(String algorithm, int destinations, String hashMode) throws DestinationListException {
        this(algorithm, false, 5000, destinations, HashMode.parse(hashMode));
    }

    /**
     * @param virtualTime timers on a virtual clock the benchmark advances (for silence); else on a
     *     Netty event loop, whose timer queue removes cancelled timers as production's does
     */
    ProxyBench(String algorithm, boolean virtualTime) throws DestinationListException {
        this(algorithm, virtualTime, 5000, 2, HashMode.KAMAILIO);
    }

    /**
     * @param maxTransactions {@code siplb.transactions.max}, which also bounds the tables
     * @param destinations the set's size: 2 is {@link #D1} (priority 2) and {@link #D2}; more are
     *     addresses in 127.1.0.0/16 on port 6001
     */
    ProxyBench(String algorithm, boolean virtualTime, int maxTransactions, int destinations, HashMode hashMode)
            throws DestinationListException {
        dispatcher.load(DestinationListParser.parse("bench.list", list(destinations)));
        ProxySettings defaults = ProxySettings.defaults("127.0.0.1", 5060);
        ProxySettings settings = defaults
                .withDispatch(new DispatchSettings(1,
                        Algorithm.parse(algorithm), 0, hashMode, null))
                .withFailover(new FailoverSettings(defaults.failover().codes(),
                        defaults.failover().timeout(), defaults.failover().inviteTimeout(),
                        FailureMark.NONE, 503))
                .withMaxTransactions(maxTransactions);
        tables = new ProxyTables(settings, () -> clock.now(TimeUnit.NANOSECONDS));
        MessageSender sender = (message, to, failure) -> send(message, to.address());
        loop = virtualTime ? null : new DefaultEventLoop();
        Scheduler timers = virtualTime ? clock : Schedulers.fromExecutorService(loop);
        proxy = new SipProxy(settings, dispatcher, tables, sender, timers, AddressResolver.LITERALS,
                uri -> uri.port() == 5060, 0);
    }

    private static List<String> list(int destinations) {
        if (destinations == 2) {
            return List.of("1 sip:127.0.0.1:6001 0 2", "1 sip:127.0.0.1:6002 0 1");
        }
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < destinations; i++) {
            lines.add("1 sip:127.1." + (i / 250) + "." + (i % 250 + 1) + ":6001");
        }
        return lines;
    }

    private void send(SipWritable message, InetSocketAddress to) {
        ByteBuf buffer = PooledByteBufAllocator.DEFAULT.directBuffer(message.byteCount());
        message.writeTo(buffer);
        sent.add(new Sent(buffer, to));
    }

    /** Releases everything still queued and stops the loop. */
    void drain() {
        if (loop != null) {
            loop.shutdownGracefully();
        }
        for (Sent s; (s = sent.poll()) != null; ) {
            s.bytes().release();
        }
    }

    private static final String SDP = "v=0\r\no=user1 53655765 2353687637 IN IP4 127.0.0.1\r\ns=-\r\n"
            + "c=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 6000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n";
    /** {@link #invite}'s text cut where the call number goes, so it can be written without garbage. */
    private static final byte[][] INVITE_PARTS = parts("INVITE sip:service@127.0.0.1:5060 SIP/2.0\r\n"
            + "Via: SIP/2.0/UDP 127.0.0.1:5061;branch=z9hG4bK-bench-#\r\n"
            + "From: sipp <sip:sipp@127.0.0.1:5061>;tag=4242SIPpTag00#\r\n"
            + "To: service <sip:service@127.0.0.1:5060>\r\n"
            + "Call-ID: #-4242@127.0.0.1\r\n"
            + "CSeq: 1 INVITE\r\n"
            + "Contact: sip:sipp@127.0.0.1:5061\r\n"
            + "Max-Forwards: 70\r\n"
            + "Subject: Performance Test\r\n"
            + "Content-Type: application/sdp\r\n"
            + "Content-Length: " + SDP.length() + "\r\n\r\n" + SDP);

    static byte[][] parts(String template) {
        String[] pieces = template.split("#", -1);
        byte[][] parts = new byte[pieces.length][];
        for (int i = 0; i < pieces.length; i++) {
            parts[i] = pieces[i].getBytes(StandardCharsets.US_ASCII);
        }
        return parts;
    }

    /** {@code parts} joined by {@code n} in decimal, written into {@code out} allocating nothing. */
    static void write(ByteBuf out, byte[][] parts, long n) {
        for (int i = 0; i < parts.length; i++) {
            out.writeBytes(parts[i]);
            if (i < parts.length - 1) {
                writeDecimal(out, n);
            }
        }
    }

    static void writeDecimal(ByteBuf out, long n) {
        long divisor = 1;
        while (divisor <= n / 10) {
            divisor *= 10;
        }
        for (; divisor > 0; divisor /= 10) {
            out.writeByte((int) ('0' + n / divisor % 10));
        }
    }

    /** SIPp's INVITE with a fresh Call-ID and branch, written into {@code out} as a datagram arrives. */
    static void writeInvite(ByteBuf out, long n) {
        write(out, INVITE_PARTS, n);
    }

    /** SIPp's INVITE with a fresh Call-ID and branch. */
    static byte[] invite(long n) {
        String sdp = "v=0\r\no=user1 53655765 2353687637 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\n"
                + "t=0 0\r\nm=audio 6000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n";
        return ("INVITE sip:service@127.0.0.1:5060 SIP/2.0\r\n"
                + "Via: SIP/2.0/UDP 127.0.0.1:5061;branch=z9hG4bK-bench-" + n + "\r\n"
                + "From: sipp <sip:sipp@127.0.0.1:5061>;tag=4242SIPpTag00" + n + "\r\n"
                + "To: service <sip:service@127.0.0.1:5060>\r\n"
                + "Call-ID: " + n + "-4242@127.0.0.1\r\n"
                + "CSeq: 1 INVITE\r\n"
                + "Contact: sip:sipp@127.0.0.1:5061\r\n"
                + "Max-Forwards: 70\r\n"
                + "Subject: Performance Test\r\n"
                + "Content-Type: application/sdp\r\n"
                + "Content-Length: " + sdp.length() + "\r\n\r\n" + sdp).getBytes(StandardCharsets.US_ASCII);
    }
}
