package io.siplb.transport.udp;

import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;

/**
 * One flush per read batch on a UDP channel: what the proxy sends while the channel's loop is
 * handling the datagrams of one read (the 100 Trying, the forwarded INVITE, the relayed 200 of
 * each) is written and flushed once the batch ends, so the kernel gets them in one
 * {@code sendmmsg} (epoll) instead of one {@code sendto} per datagram. Anything sent outside a
 * read of this channel — timers, probes, a stream lane's datagram, another loop — is flushed at
 * once. Used on its channel's loop only.
 */
public final class FlushAtReadEnd extends ChannelDuplexHandler {
    private boolean reading;
    private boolean pending;

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object message) {
        reading = true;
        ctx.fireChannelRead(message);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        reading = false;
        if (pending) {
            pending = false;
            ctx.flush();
        }
        ctx.fireChannelReadComplete();
    }

    /** Writes {@code message} on {@code channel}: flushed at the end of the current read, if any. */
    public ChannelFuture send(Channel channel, Object message) {
        if (reading && channel.eventLoop().inEventLoop()) {
            pending = true;
            return channel.write(message);
        }
        return channel.writeAndFlush(message);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        reading = false;
        pending = false;
        ctx.fireChannelInactive();
    }
}
