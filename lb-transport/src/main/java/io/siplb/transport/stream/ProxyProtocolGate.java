package io.siplb.transport.stream;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;
import io.netty.handler.codec.haproxy.HAProxyProtocolException;
import io.netty.handler.codec.haproxy.HAProxyProxiedProtocol;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import io.siplb.core.net.AddressResolver;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The start of a connection to a listener marked {@code ;proxy-protocol}: Netty's
 * {@link HAProxyMessageDecoder} reads the PROXY protocol header (v1 text or v2 binary) that a
 * trusted L4 balancer sends before anything else, and this handler hands the caller's address it
 * names to the rest of the connection's set-up, then leaves the pipeline (the octets after the
 * header go on to TLS, WebSocket or SIP framing). A header that is malformed, of an unknown
 * version, truncated past {@code siplb.tcp.message-timeout}, or SIP octets where the header
 * should be: the connection is refused, its neighbours untouched.
 *
 * <p>A {@code LOCAL} header (a balancer's own health check) and an {@code UNKNOWN} or non-TCP
 * protocol name no caller: the connection keeps the balancer's address.
 */
final class ProxyProtocolGate extends ChannelInboundHandlerAdapter {
    private final long timeoutMillis;
    private final Consumer<InetSocketAddress> accepted;
    private final Runnable refused;
    private ScheduledFuture<?> timeout;
    private boolean done;

    /**
     * @param accepted the set-up that follows, with the caller's address
     * @param refused counts and closes the connection (a bad header or none in time)
     */
    ProxyProtocolGate(long timeoutMillis, Consumer<InetSocketAddress> accepted, Runnable refused) {
        this.timeoutMillis = timeoutMillis;
        this.accepted = accepted;
        this.refused = refused;
    }

    /** The decoder and the gate, first in a new connection's pipeline. */
    void install(Channel channel) {
        channel.pipeline().addLast(new HAProxyMessageDecoder(), this);
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        timeout = ctx.executor().schedule(() -> {
            if (ctx.channel().isActive()) {
                refuse(); // no whole header in time
            }
        }, timeoutMillis, TimeUnit.MILLISECONDS);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        timeout.cancel(false); // closed before a whole header: a balancer's TCP check is no error
        ctx.fireChannelInactive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (done) {
            ReferenceCountUtil.release(msg); // refused already (once accepted, the gate is gone)
            return;
        }
        if (!(msg instanceof HAProxyMessage header)) {
            ReferenceCountUtil.release(msg);
            refuse();
            return;
        }
        InetSocketAddress caller;
        try {
            caller = caller(header, (InetSocketAddress) ctx.channel().remoteAddress());
        } finally {
            header.release();
        }
        done = true;
        timeout.cancel(false);
        ctx.pipeline().remove(this);
        accepted.accept(caller);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof HAProxyProtocolException) {
            refuse(); // not a header, or a bad one
        } else {
            done = true;
            timeout.cancel(false);
            ctx.close(); // a reset or another I/O error: not the header's fault
        }
    }

    private void refuse() {
        if (!done) {
            done = true;
            refused.run();
        }
    }

    /** The caller a header names, else {@code balancer}. */
    static InetSocketAddress caller(HAProxyMessage header, InetSocketAddress balancer) {
        HAProxyProxiedProtocol protocol = header.proxiedProtocol();
        if (header.command() == HAProxyCommand.LOCAL
                || protocol != HAProxyProxiedProtocol.TCP4 && protocol != HAProxyProxiedProtocol.TCP6) {
            return balancer;
        }
        InetAddress address = AddressResolver.literal(header.sourceAddress());
        return address == null ? balancer : new InetSocketAddress(address, header.sourcePort());
    }
}
