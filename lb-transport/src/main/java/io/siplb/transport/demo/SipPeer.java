package io.siplb.transport.demo;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.socket.DatagramPacket;
import io.siplb.core.sip.ParseResult;
import io.siplb.core.sip.SipMessage;
import io.siplb.core.sip.SipParser;
import io.siplb.core.sip.SipWritable;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import reactor.netty.Connection;
import reactor.netty.resources.LoopResources;
import reactor.netty.udp.UdpServer;

/**
 * A SIP endpoint on a loopback UDP port with one thread of its own: the base of the demo's
 * backends and call generator, and of the integration tests' peers. Every message is handled on
 * that thread, so subclasses need no locks for their own state.
 */
public abstract class SipPeer implements AutoCloseable {
    private final LoopResources loop;
    private final Connection connection;
    private final Channel channel;

    protected SipPeer(String name, String host, int port) {
        this.loop = LoopResources.create("siplb-" + name, 1, true);
        this.connection = UdpServer.create()
                .host(host)
                .port(port)
                .runOn(loop)
                .handle((in, out) -> in.receiveObject()
                        .doOnNext(message -> onDatagram((DatagramPacket) message))
                        .then())
                .bindNow(Duration.ofSeconds(10));
        this.channel = connection.channel();
    }

    private void onDatagram(DatagramPacket packet) {
        ParseResult result = SipParser.DEFAULT.parse(packet.content());
        if (result instanceof ParseResult.Parsed parsed) {
            SipMessage message = parsed.message();
            if (message.isRequest()) {
                onRequest(message, packet.sender());
            } else {
                onResponse(message, packet.sender());
            }
        }
    }

    protected abstract void onRequest(SipMessage request, InetSocketAddress source);

    protected abstract void onResponse(SipMessage response, InetSocketAddress source);

    /** Sends {@code message} to {@code to} from this peer's port. */
    public void send(SipWritable message, InetSocketAddress to) {
        ByteBuf buffer = channel.alloc().directBuffer(message.byteCount());
        message.writeTo(buffer);
        channel.writeAndFlush(new DatagramPacket(buffer, to));
    }

    /** Runs {@code task} on this peer's thread after {@code delay}. */
    protected ScheduledFuture<?> later(Duration delay, Runnable task) {
        return channel.eventLoop().schedule(task, delay.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** Runs {@code task} on this peer's thread. */
    protected void onThread(Runnable task) {
        channel.eventLoop().execute(task);
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) channel.localAddress();
    }

    @Override
    public void close() {
        connection.disposeNow(Duration.ofSeconds(5));
        loop.disposeLater(Duration.ZERO, Duration.ofSeconds(2)).block(Duration.ofSeconds(5));
    }
}
