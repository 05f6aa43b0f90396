package io.siplb.transport.stream;

import io.netty.channel.Channel;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.EventExecutor;
import io.siplb.core.net.MessageSender;
import io.siplb.core.net.Peer;
import io.siplb.core.net.Transport;
import io.siplb.core.sip.SipWritable;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One TCP or TLS connection, accepted from a client or opened toward a peer: the flow the proxy
 * names it by, and a write that waits for the connection (and its TLS handshake) to be ready.
 * Writes may come from any loop; Netty runs them on the connection's own.
 */
public final class StreamConnection {
    private final long flow;
    private final Transport transport;
    private final InetSocketAddress remote;
    private final String listener;
    private final Channel channel;
    private final Future<?> ready;
    /** Who to tell if the connection closes before they hear back; on the connection's loop only. */
    private final ArrayDeque<Awaiting> awaiting = new ArrayDeque<>();
    private final long awaitNanos;
    /** The keys the transport finds it by (its address, aliases), so closing forgets exactly those. */
    final Set<Object> addressKeys = ConcurrentHashMap.newKeySet();

    private record Awaiting(long sentAt, MessageSender.TransportFailure failure, EventExecutor loop) {
    }

    /**
     * @param awaitNanos how long after a request is written its sender is told of the connection
     *     closing ({@link MessageSender.ConnectionLost}); later, its own timers have spoken
     */
    StreamConnection(long flow, Transport transport, InetSocketAddress remote, String listener, Channel channel,
            Future<?> ready, long awaitNanos) {
        this.awaitNanos = awaitNanos;
        this.flow = flow;
        this.transport = transport;
        this.remote = remote;
        this.listener = listener;
        this.channel = channel;
        this.ready = ready;
        channel.closeFuture().addListener(closed -> lost());
    }

    /** The connection closed: every request written on it lately hears so. */
    private void lost() {
        Awaiting next;
        MessageSender.ConnectionLost cause = new MessageSender.ConnectionLost("connection " + this + " closed");
        while ((next = awaiting.poll()) != null) {
            tell(next.failure(), next.loop(), cause);
        }
    }

    /** Its number, written as {@code flow} in a caller-facing Record-Route. */
    public long flow() {
        return flow;
    }

    public Transport transport() {
        return transport;
    }

    /** The peer's address and port (a client's source port, or the destination's). */
    public InetSocketAddress remote() {
        return remote;
    }

    /**
     * The listen address that accepted it ({@code tcp:host:port}, as {@code siplb.listen} writes
     * it); {@code null} for a connection the balancer opened.
     */
    public String listener() {
        return listener;
    }

    public Channel channel() {
        return channel;
    }

    /** The peer as the proxy names it: this connection's transport, remote address and flow. */
    public Peer peer() {
        return new Peer(transport, remote, flow, null);
    }

    /** Whether a write can still succeed (connecting, or open). */
    boolean usable() {
        return ready.isDone() ? ready.isSuccess() && channel.isActive() : channel.isOpen();
    }

    /**
     * Writes {@code message} once the connection is ready; a failure (connect refused or timed
     * out, reset, handshake failed) is told to {@code failure} on {@code loop}.
     */
    void write(SipWritable message, MessageSender.TransportFailure failure, EventExecutor loop) {
        if (ready.isDone()) {
            writeNow(message, failure, loop);
        } else {
            ready.addListener(done -> writeNow(message, failure, loop));
        }
    }

    private void writeNow(SipWritable message, MessageSender.TransportFailure failure, EventExecutor loop) {
        if (!ready.isSuccess()) {
            tell(failure, loop, ready.cause());
            return;
        }
        channel.writeAndFlush(message.toDirectBuffer(channel.alloc())).addListener(written -> {
            if (!written.isSuccess()) {
                tell(failure, loop, written.cause());
            } else if (failure != null) {
                long now = System.nanoTime();
                while (!awaiting.isEmpty() && now - awaiting.peek().sentAt() > awaitNanos) {
                    awaiting.poll();
                }
                if (channel.isOpen()) {
                    awaiting.add(new Awaiting(now, failure, loop));
                } else {
                    tell(failure, loop, new MessageSender.ConnectionLost("connection " + this + " closed"));
                }
            }
        });
    }

    static void tell(MessageSender.TransportFailure failure, EventExecutor loop, Throwable cause) {
        if (failure == null) {
            return;
        }
        if (loop.inEventLoop()) {
            failure.failed(cause);
        } else {
            loop.execute(() -> failure.failed(cause));
        }
    }

    @Override
    public String toString() {
        return transport.parameter() + " #" + flow + " " + remote.getAddress().getHostAddress() + ":" + remote.getPort();
    }
}
