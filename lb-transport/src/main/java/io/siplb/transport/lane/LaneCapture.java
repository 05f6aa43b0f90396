package io.siplb.transport.lane;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.siplb.core.net.Peer;
import io.siplb.core.sip.SipWritable;
import io.siplb.transport.capture.Captured;
import io.siplb.transport.capture.HepCapture;
import io.siplb.transport.stream.StreamConnection;
import io.siplb.transport.stream.StreamTransport;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * One lane's side of HEP capture: copies what the lane receives and sends, with the true
 * addresses, and hands the copies to the {@link HepCapture}. A message received and what the lane
 * sends while handling it are held and queued together, in order, once it is handled — so that
 * with capture by route the proxy has said which calls to follow before the capture looks.
 */
final class LaneCapture {
    private final HepCapture hep;
    private final InetSocketAddress udpLocal;
    private final InetAddress advertised;
    /** The message being handled and what was sent meanwhile, in order; on the lane's loop only. */
    private final List<Captured> held = new ArrayList<>(4);
    private boolean holding;

    /**
     * @param udpLocal the lane's UDP channel's address, or {@code null}
     * @param advertised our address as we advertise it: stands for a wildcard bind
     */
    LaneCapture(HepCapture hep, SocketAddress udpLocal, InetAddress advertised) {
        this.hep = hep;
        this.advertised = advertised;
        this.udpLocal = udpLocal instanceof InetSocketAddress bound ? named(bound) : null;
    }

    /** A message received from {@code source} (on the loop): held, with what is sent next, until {@link #flush}. */
    void received(ByteBuf content, Peer source, StreamConnection connection) {
        flush();
        InetSocketAddress local = connection != null ? local(connection.channel().localAddress()) : udpLocal;
        held.add(new Captured(micros(), source.address(), local, source.transport(), ByteBufUtil.getBytes(content)));
        holding = true;
    }

    /** Queues what is held (on the loop). */
    void flush() {
        for (int i = 0; i < held.size(); i++) {
            hep.offer(held.get(i));
        }
        held.clear();
        holding = false;
    }

    /**
     * A message sent to {@code to}: {@code datagram} is its content when it leaves as a datagram
     * from the lane's channel, else {@code null} (written here from {@code message}).
     */
    void sent(SipWritable message, Peer to, ByteBuf datagram, boolean onLoop, StreamTransport streams) {
        byte[] payload;
        if (datagram != null) {
            payload = ByteBufUtil.getBytes(datagram);
        } else {
            payload = new byte[message.byteCount()];
            message.writeTo(Unpooled.wrappedBuffer(payload).clear());
        }
        InetSocketAddress from = datagram != null ? udpLocal
                : local(streams == null ? null : streams.localAddressOf(to));
        Captured captured = new Captured(micros(), from, to.address(), to.transport(), payload);
        if (onLoop && holding) {
            held.add(captured);
        } else {
            hep.offer(captured);
        }
    }

    private InetSocketAddress local(SocketAddress address) {
        return address instanceof InetSocketAddress bound ? named(bound) : new InetSocketAddress(advertised, 0);
    }

    /** A wildcard bind (0.0.0.0, ::) stands for the address we advertise. */
    private InetSocketAddress named(InetSocketAddress bound) {
        return bound.getAddress().isAnyLocalAddress() ? new InetSocketAddress(advertised, bound.getPort()) : bound;
    }

    private static long micros() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000 + now.getNano() / 1_000;
    }
}
