package io.siplb.transport.lane;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.DatagramPacket;
import io.siplb.core.dispatch.Destination;
import io.siplb.core.dispatch.DestinationTarget;
import io.siplb.core.net.MessageSender;
import io.siplb.core.net.Peer;
import io.siplb.core.net.Transport;
import io.siplb.core.proxy.SipProxy;
import io.siplb.core.sip.HeaderName;
import io.siplb.core.sip.ParseResult;
import io.siplb.core.sip.SipMessage;
import io.siplb.core.sip.SipWritable;
import io.siplb.core.sip.Via;
import io.siplb.core.transaction.Branches;
import io.siplb.core.transaction.ProxyCounters;
import io.siplb.core.transaction.TransactionLayer;
import io.siplb.transport.probe.Prober;
import io.siplb.transport.protect.SourceGuard;
import io.siplb.transport.stream.StreamConnection;
import io.siplb.transport.stream.StreamTransport;
import io.siplb.transport.udp.DatagramReceiveAllocator;
import io.siplb.transport.udp.FlushAtReadEnd;
import io.siplb.transport.udp.Stun;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.netty.Connection;

/**
 * One event loop's entry and exit for one listener — a UDP channel, or one stream listener's
 * connections on one loop: guard, parse, hand to the owner, and send. A message in passes edge
 * protection ({@link SourceGuard}), is parsed, and goes to the {@link TransactionLayer} of this
 * lane — or, for a response whose branch names another lane ({@link Branches#loopOf}), to that
 * lane's, on its loop. Messages out leave as datagrams from this loop's UDP channel, or over the
 * stream transport. It also measures its loop's lag ({@link LoopLoad}) and logs messages at debug
 * ({@link MessageLog}), and sends the health probes the prober asks of it.
 *
 * <p>Threading: everything but {@link #send} runs on the lane's loop; nothing may escape a
 * message's handling — an exception would end the channel's inbound stream and with it every call
 * on it, so it costs only its own message, counted and logged.
 */
public final class Lane implements MessageSender, Prober.ProbeChannel {
    private static final Logger LOG = LoggerFactory.getLogger(Lane.class);
    private static final long LAG_PERIOD_NANOS = TimeUnit.MILLISECONDS.toNanos(10);
    private static final byte[] INVITE = "INVITE ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] RESPONSE = "SIP/2.0 ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] PONG = {'\r', '\n'};

    private final Lanes lanes;
    private final int number;
    private final EventLoop loop;
    /** The UDP channel's connection; {@code null} for a stream lane. */
    private final Connection connection;
    /** The UDP channel datagrams leave from: this lane's own, or its loop's first; {@code null} for none. */
    private final Channel channel;
    /** The UDP channel's once-per-read-batch flush; {@code null} without a UDP channel. */
    private final FlushAtReadEnd flush;
    private final SipProxy proxy;
    private final TransactionLayer transactions;
    private final DatagramReceiveAllocator receive;
    /** The overload signal, from this loop's lag and read batches (a stream lane shares its loop's). */
    private final LoopLoad load;
    private long fullBatchesSeen;
    private boolean startupLogged;
    /** HEP capture of this lane's messages, or {@code null} when off. */
    private final LaneCapture capture;

    Lane(Lanes lanes, int number, EventLoop loop, Connection connection, Channel udp, DatagramReceiveAllocator receive,
            String listener, LoopLoad shared) {
        this.lanes = lanes;
        this.number = number;
        this.loop = loop;
        this.connection = connection;
        this.channel = udp;
        this.flush = udp == null ? null : udp.pipeline().get(FlushAtReadEnd.class);
        this.receive = receive;
        this.load = shared != null ? shared : lanes.newLoad();
        this.proxy = lanes.proxies.create(number, loop, this, listener);
        this.transactions = proxy.transactions();
        if (lanes.overloadOn()) {
            proxy.overloadSignal(load::overloaded);
        }
        transactions.server().responseObserver((status, to) -> lanes.guard.answered(to, status));
        this.capture = lanes.capture == null ? null
                : new LaneCapture(lanes.capture, udp == null ? null : udp.localAddress(), lanes.advertised);

        if (shared == null) {
            measureLag(System.nanoTime() + LAG_PERIOD_NANOS);
        }
    }

    public EventLoop loop() {
        return loop;
    }

    /** The transaction user of this lane: its probes, its overload signal. */
    public SipProxy proxy() {
        return proxy;
    }

    /** The UDP channel's connection; {@code null} for a stream lane. */
    Connection connection() {
        return connection;
    }

    Channel channel() {
        return channel;
    }

    LoopLoad load() {
        return load;
    }

    /**
     * Measures the loop's lag every 10 ms — a loop that runs its tasks late is behind on its
     * datagrams too — and hands it to {@link LoopLoad} with the full read batches since the last
     * sample. Ten seconds after start it logs what the loop's first seconds cost.
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
                        number, Arrays.toString(load.startupMaxMillis()), load.overloadedMillis());
            }
            if (!lanes.closed()) {
                measureLag(now + LAG_PERIOD_NANOS);
            }
        }, Math.max(0, due - System.nanoTime()), TimeUnit.NANOSECONDS);
    }

    /** Runs a probe's work on this lane's loop. */
    @Override
    public void execute(Runnable task) {
        loop.execute(task);
    }

    /** A probe from this lane's socket ({@link io.siplb.core.proxy.Probes}); on its loop. */
    @Override
    public Mono<SipMessage> probe(Destination destination, String method, String from, Duration timeout) {
        return proxy.probes().probe(destination, method, from, timeout);
    }

    @Override
    public Mono<SipMessage> probe(Destination destination, DestinationTarget target, String method, String from,
            Duration timeout) {
        return proxy.probes().probe(destination, target, method, from, timeout);
    }

    @Override
    public Peer connected(long flow) {
        StreamTransport streams = lanes.streams();
        return streams == null ? null : streams.peerOf(flow);
    }

    /**
     * Datagrams from this loop's UDP channel; TCP, TLS and WebSocket through the stream
     * transport (the peer's connection, or for TCP and TLS one opened from this loop).
     */
    @Override
    public void send(SipWritable message, Peer to, TransportFailure failure) {
        if (MessageLog.on()) {
            MessageLog.sent(to, message);
        }
        Transport transport = to.transport();
        StreamTransport streams = lanes.streams();
        if (transport == Transport.UDP && channel != null) {
            // a client behind NAT is reached only from the socket its datagrams reached
            Channel out = to.lane() < 0 ? channel : lanes.udpChannel(to.lane(), channel);
            DatagramPacket datagram = new DatagramPacket(message.toDirectBuffer(out.alloc()), to.address());
            if (capture != null) {
                capture.sent(message, to, datagram.content(), loop.inEventLoop(), streams);
            }
            ChannelFuture written = flush == null || out != channel ? out.writeAndFlush(datagram)
                    : flush.send(channel, datagram);
            written.addListener(future -> {
                if (!future.isSuccess()) {
                    lanes.sendFailures.increment();
                    if (failure != null) {
                        failure.failed(future.cause());
                    }
                }
            });
        } else if (transport != Transport.UDP && streams != null) {
            if (capture != null) {
                capture.sent(message, to, null, loop.inEventLoop(), streams);
            }
            streams.send(message, to, failure, loop);
        } else {
            lanes.sendFailures.increment(); // no UDP listener to send from
            if (failure != null) {
                failure.failed(new NoTransport("no " + transport.parameter() + " transport to send over"));
            }
        }
    }

    /**
     * A datagram of this lane's channel, on its loop; Reactor Netty releases its buffer after. A
     * STUN message ({@link Stun}) is a keep-alive, answered here; everything else is SIP.
     */
    void onDatagram(DatagramPacket packet) {
        if (Stun.isStun(packet.content())) {
            try {
                stun(packet);
            } catch (RuntimeException e) {
                lanes.tables.counters().internalErrors.increment();
                LOG.error("STUN datagram from {} not handled: {}", packet.sender(), e.toString(), e);
            }
            return;
        }
        onMessage(packet.content(), Peer.udp(packet.sender()), null);
    }

    /**
     * A STUN Binding request (RFC 5626 §4.4.2) gets its Binding success response, naming the
     * address it came from; an indication is a keep-alive; anything else is dropped, counted. Edge
     * protection sees it as it sees a request.
     */
    private void stun(DatagramPacket packet) {
        if (lanes.guard.admit(packet.sender(), true) == SourceGuard.Verdict.DROP) {
            return;
        }
        ProxyCounters counters = lanes.tables.counters();
        switch (Stun.read(packet.content())) {
            case BINDING_REQUEST -> {
                counters.stunAnswered.increment();
                channel.writeAndFlush(new DatagramPacket(
                        Stun.bindingSuccess(packet.content(), packet.sender(), channel.alloc()), packet.sender()));
            }
            case INDICATION -> counters.keepAlives.increment();
            default -> counters.stunDropped.increment();
        }
    }

    /** One whole message from a stream connection (or a datagram: {@code connection} null). */
    void onMessage(ByteBuf content, Peer source, StreamConnection connection) {
        try {
            handle(content, source, connection);
        } catch (RuntimeException e) {
            lanes.tables.counters().internalErrors.increment();
            LOG.error("message from {} not handled ({} octets): {}", source, content.readableBytes(),
                    e.toString(), e);
        }
    }

    private void handle(ByteBuf content, Peer source, StreamConnection connection) {
        SourceGuard.Verdict verdict = lanes.guard.admit(source.address(), !startsWith(content, RESPONSE));
        if (verdict == SourceGuard.Verdict.DROP) {
            return; // banned, or over its rate: not even parsed (counted by the guard)
        }
        if (load.farBehind() && startsWith(content, INVITE)) {
            // far behind: even parsing and answering 503 costs too much; the caller retransmits
            lanes.tables.counters().overloadDropped.increment();
            return;
        }
        if (MessageLog.on()) {
            MessageLog.received(source, content);
        }
        ParseResult result = lanes.parser.parse(content);
        if (!admitted(result, source.address(), verdict)) {
            return;
        }
        if (capture == null) {
            route(result, source, connection);
        } else {
            capture.received(content, source, connection);
            try {
                route(result, source, connection);
            } finally {
                capture.flush();
            }
        }
        if (result instanceof ParseResult.KeepAlive && connection == null && content.readableBytes() == 4) {
            // a CRLF CRLF ping in a datagram gets the CRLF pong a stream's would (RFC 5626 §4.4.1)
            channel.writeAndFlush(new DatagramPacket(Unpooled.wrappedBuffer(PONG), source.address()));
        }
    }

    /** A message parsed and admitted: to the transaction layer of the lane that owns it. */
    private void route(ParseResult result, Peer source, StreamConnection connection) {
        if (result instanceof ParseResult.Parsed parsed) {
            SipMessage message = parsed.message();
            if (!message.isRequest()) {
                Lane owner = owner(message.topVia());
                if (owner != this) {
                    if (capture != null) {
                        capture.flush(); // before the owner, maybe on another loop, relays it
                    }
                    owner.handOver(result, source);
                    return;
                }
            } else if (connection != null) {
                offeredAlias(message, connection);
            }
        }
        transactions.receive(result, source);
    }

    /** The lane whose branch a response carries: the one that sent the request; this one when not ours. */
    private Lane owner(Via via) {
        int owner = Branches.loopOf(via == null ? null : via.branch());
        return owner >= 0 && owner < lanes.size() && owner != number ? lanes.get(owner) : this;
    }

    /** A response for this lane from another: at once when both share this loop, else queued on it. */
    private void handOver(ParseResult result, Peer source) {
        if (loop.inEventLoop()) {
            receive(result, source);
        } else {
            loop.execute(() -> receive(result, source));
        }
    }

    /** A response handed over from another lane, guarded as {@link #onMessage} is. */
    private void receive(ParseResult result, Peer source) {
        try {
            transactions.receive(result, source);
        } catch (RuntimeException e) {
            lanes.tables.counters().internalErrors.increment();
            LOG.error("response from {} not handled: {}", source, e.toString(), e);
        }
    }

    /** A client that offers its connection for requests toward it (RFC 5923 Via alias). */
    private void offeredAlias(SipMessage request, StreamConnection connection) {
        Via via = request.topVia();
        if (via != null && via.port() > 0 && via.parameter("alias") != null) {
            lanes.streams().alias(connection, new InetSocketAddress(connection.remote().getAddress(), via.port()));
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
                || request.to().tag() == null || !lanes.tables.knowsDialog(request.callId()))) {
            lanes.guard.droppedBanned();
            return false;
        }
        return request == null || !lanes.guard.scanner(source, request.headerValue(HeaderName.USER_AGENT));
    }

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
}
