package io.siplb.transport;

import com.github.benmanes.caffeine.cache.Ticker;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Future;
import io.siplb.core.dispatch.DestinationListException;
import io.siplb.core.dispatch.DestinationListParser;
import io.siplb.core.dispatch.Dispatcher;
import io.siplb.core.dispatch.FailoverSettings;
import io.siplb.core.dispatch.FailureMark;
import io.siplb.core.net.AddressResolver;
import io.siplb.core.proxy.ProxySettings;
import io.siplb.core.proxy.ProxyTables;
import io.siplb.core.proxy.SipProxy;
import io.siplb.core.sip.HeaderName;
import io.siplb.core.sip.MessageFactory;
import io.siplb.core.sip.ParseResult;
import io.siplb.core.sip.SipMessage;
import io.siplb.core.sip.SipParser;
import io.siplb.core.sip.SipUri;
import io.siplb.core.sip.SipWritable;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.function.Predicate;
import reactor.core.scheduler.Schedulers;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs synthetic calls through the parser and a proxy of its own on every event loop before the
 * balancer binds its sockets, so that the first real calls meet compiled code instead of the
 * interpreter, class loading and empty buffer caches.
 *
 * <p>Measured: a cold JVM given 300 calls/s the moment it listened ran its loops 127–181 ms late
 * in its first half second (the lag samples it logs), and the overload control of the time shed
 * 63–128 of 3 000 calls with 503. Each synthetic call is what the balancer does for a real one — INVITE parsed
 * from a pooled direct buffer, 100 Trying, the INVITE forwarded by the configured algorithm, a
 * failover on 503 every eighth call, 180 and 200 relayed, ACK and BYE along the Record-Route, the
 * BYE's 200 — with every datagram the proxy sends written into a pooled buffer and parsed back, as
 * the peer would. Nothing leaves the process: the warm-up proxy has its own tables, counters and a
 * destination set of two addresses it never sends to.
 */
final class Warmup {
    private static final Logger LOG = LoggerFactory.getLogger(Warmup.class);
    private static final InetSocketAddress CALLER = new InetSocketAddress("127.0.0.1", 5999);
    private static final String BODY = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
            + "m=audio 40000 RTP/AVP 0 8 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\n"
            + "a=rtpmap:101 telephone-event/8000\r\na=sendrecv\r\n";

    /** One datagram the warm-up proxy sent, parsed back. */
    private record Sent(SipMessage message, InetSocketAddress to) {
    }

    private final ProxySettings settings;
    private final SipParser parser;
    private final Predicate<SipUri> local;
    private final int loop;
    private final ArrayDeque<Sent> outbox = new ArrayDeque<>();
    private SipProxy proxy;

    private Warmup(ProxySettings settings, SipParser parser, Predicate<SipUri> local, int loop) {
        this.settings = settings;
        this.parser = parser;
        this.local = local;
        this.loop = loop;
    }

    /**
     * Runs {@code calls} synthetic calls split over {@code loops}, each share on its loop, and
     * waits for all of them.
     *
     * @return how many calls completed
     */
    /**
     * Runs {@code calls} synthetic calls through the parser and proxy on {@code loops} before any
     * socket is bound, so that the first real calls do not meet the interpreter: a cold loop ran
     * 127–181 ms late in its first half second. Logs what it did.
     */
    static void beforeBinding(ProxySettings advertised, SipParser parser, List<EventExecutor> loops, int calls) {
        long started = System.nanoTime();
        ProxySettings warm = advertised.advertisedPort() == 0 ? advertised.withAdvertisedPort(5060) : advertised;
        int completed = run(warm, parser, loops, calls);
        LOG.info("warmed up with {} synthetic calls on {} loop(s) in {} ms", completed, loops.size(),
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
    }

    static int run(ProxySettings settings, SipParser parser, List<EventExecutor> loops, int calls) {
        Predicate<SipUri> local = uri -> uri.host().equalsIgnoreCase(settings.advertisedHost())
                && (uri.port() > 0 ? uri.port() : 5060) == settings.advertisedPort();
        List<Future<Integer>> runs = new ArrayList<>();
        for (int i = 0; i < loops.size(); i++) {
            Warmup warmup = new Warmup(settings, parser, local, i);
            int share = calls / loops.size() + (i < calls % loops.size() ? 1 : 0);
            EventExecutor executor = loops.get(i);
            runs.add(executor.submit(() -> warmup.calls(executor, share)));
        }
        int completed = 0;
        for (Future<Integer> run : runs) {
            try {
                completed += run.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return completed;
            } catch (ExecutionException e) {
                throw new IllegalStateException("warm-up failed: " + e.getCause(), e.getCause());
            }
        }
        return completed;
    }

    private int calls(EventExecutor executor, int calls) throws DestinationListException {
        int set = settings.dispatch().set();
        Dispatcher dispatcher = new Dispatcher();
        dispatcher.load(DestinationListParser.parse("warm-up", List.of(
                set + " sip:127.0.0.1:5997 0 2 duid=warm-up-1", set + " sip:127.0.0.1:5998 0 1 duid=warm-up-2")));
        FailoverSettings failover = settings.failover();
        // the failover on 503 must not take the warm-up's destinations out of service
        ProxySettings bounded = settings.withMaxTransactions(Math.min(settings.maxTransactions(), 1024))
                .withFailover(new FailoverSettings(failover.codes(), failover.timeout(), failover.inviteTimeout(),
                        FailureMark.NONE, failover.exhaustedReply()));
        proxy = new SipProxy(bounded, dispatcher, new ProxyTables(bounded, Ticker.systemTicker()), (message, to, failure) -> send(message, to.address()),
                Schedulers.fromExecutorService(executor), AddressResolver.LITERALS, local, loop);
        int completed = 0;
        for (int i = 0; i < calls; i++) {
            if (call("w" + loop + "-" + i, i % 8 == 0)) {
                completed++;
            }
            outbox.clear();
        }
        return completed;
    }

    /** One call; true when the caller saw its 200 and the BYE's 200. */
    private boolean call(String id, boolean failOver) {
        deliver(invite(id), CALLER);
        Sent forwarded = take("INVITE");
        if (forwarded == null) {
            return false;
        }
        if (failOver) {
            deliver(MessageFactory.response(forwarded.message(), 503, "Service Unavailable", "t" + id), forwarded.to());
            forwarded = take("INVITE");
            if (forwarded == null) {
                return false;
            }
        }
        SipMessage invite = forwarded.message();
        deliver(MessageFactory.response(invite, 180, "Ringing", "t" + id), forwarded.to());
        deliver(MessageFactory.dialogResponse(invite, 200, "OK", "t" + id, "sip:callee@127.0.0.1:5997"),
                forwarded.to());
        String route = invite.headerValue(HeaderName.RECORD_ROUTE) == null ? null
                : invite.headerValue(HeaderName.RECORD_ROUTE).toString();
        if (!relayedFinal(200)) {
            return false;
        }
        deliver(inDialog("ACK", 1, id, route), CALLER);
        deliver(inDialog("BYE", 2, id, route), CALLER);
        Sent bye = take("BYE");
        if (bye == null) {
            return false;
        }
        deliver(MessageFactory.response(bye.message(), 200, "OK", null), bye.to());
        return relayedFinal(200);
    }

    private void send(SipWritable message, InetSocketAddress to) {
        ByteBuf buffer = ByteBufAllocator.DEFAULT.directBuffer(message.byteCount());
        try {
            message.writeTo(buffer);
            if (parser.parse(buffer) instanceof ParseResult.Parsed parsed) {
                outbox.add(new Sent(parsed.message(), to));
            }
        } finally {
            buffer.release();
        }
    }

    /** Hands {@code message} to the proxy as a datagram from {@code source}. */
    private void deliver(SipWritable message, InetSocketAddress source) {
        ByteBuf datagram = ByteBufAllocator.DEFAULT.ioBuffer(message.byteCount());
        try {
            message.writeTo(datagram);
            proxy.transactions().receive(parser.parse(datagram), source);
        } finally {
            datagram.release();
        }
    }

    private void deliver(String text, InetSocketAddress source) {
        deliver(frame(text), source);
    }

    /** The first request sent with {@code method} still in the outbox, taken out. */
    private Sent take(String method) {
        for (var it = outbox.iterator(); it.hasNext(); ) {
            Sent sent = it.next();
            if (sent.message().isRequest() && sent.message().methodName().contentEquals(method)) {
                it.remove();
                return sent;
            }
        }
        return null;
    }

    private boolean relayedFinal(int status) {
        for (var it = outbox.iterator(); it.hasNext(); ) {
            Sent sent = it.next();
            if (!sent.message().isRequest() && sent.message().statusCode() == status) {
                it.remove();
                return true;
            }
        }
        return false;
    }

    private String invite(String id) {
        return "INVITE sip:service@" + settings.advertised() + " SIP/2.0\r\n"
                + "Via: SIP/2.0/UDP 127.0.0.1:5999;branch=z9hG4bK-" + id + ";rport\r\n"
                + "From: \"warm-up\" <sip:caller@127.0.0.1:5999>;tag=f" + id + "\r\n"
                + "To: <sip:service@" + settings.advertised() + ">\r\n"
                + "Call-ID: " + id + "@127.0.0.1\r\n"
                + "CSeq: 1 INVITE\r\n"
                + "Contact: <sip:caller@127.0.0.1:5999>\r\n"
                + "Max-Forwards: 70\r\n"
                + "User-Agent: siplb warm-up\r\n"
                + "Content-Type: application/sdp\r\n"
                + "Content-Length: " + BODY.length() + "\r\n\r\n" + BODY;
    }

    private static String inDialog(String method, int cseq, String id, String route) {
        return method + " sip:callee@127.0.0.1:5997 SIP/2.0\r\n"
                + "Via: SIP/2.0/UDP 127.0.0.1:5999;branch=z9hG4bK-" + id + "-" + cseq + ";rport\r\n"
                + (route == null ? "" : "Route: " + route + "\r\n")
                + "From: \"warm-up\" <sip:caller@127.0.0.1:5999>;tag=f" + id + "\r\n"
                + "To: <sip:service@127.0.0.1>;tag=t" + id + "\r\n"
                + "Call-ID: " + id + "@127.0.0.1\r\n"
                + "CSeq: " + cseq + " " + method + "\r\n"
                + "Max-Forwards: 70\r\n"
                + "Content-Length: 0\r\n\r\n";
    }

    private static SipMessage frame(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        return ((ParseResult.Parsed) SipParser.DEFAULT.frame(bytes, bytes.length)).message();
    }
}
