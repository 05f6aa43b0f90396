package io.siplb.transport.ws;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import io.netty.handler.timeout.IdleState;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.siplb.core.sip.SipWritable;
import io.siplb.transport.stream.StreamFramer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The SIP side of an upgraded WebSocket connection (RFC 7118 §5): each text or binary message
 * (fragments reassembled, up to the message limit) must hold exactly one SIP message, which goes
 * on down the pipeline as one buffer, to the connection's handler like a framed TCP message; one
 * holding half a message or two is answered with 400 where its head allows and the connection
 * stays open. Outbound, each SIP message leaves as one frame: text when
 * it is valid UTF-8 (a browser closes a connection on a text frame that is not), else binary.
 * Pings are answered; a client silent for the ping interval is pinged, one silent for the idle
 * timeout is closed.
 */
public final class WebSocketSip extends ChannelDuplexHandler {
    private static final Logger LOG = LoggerFactory.getLogger(WebSocketSip.class);

    private final int maxMessageBytes;
    private final int maxLineBytes;
    private final long pingNanos;
    private final long idleNanos;
    private final WebSocketStats stats;
    private final Runnable idle;
    private long lastRead = System.nanoTime();

    /**
     * @param idle told when the connection is closed for silence (counted by the stream transport)
     */
    public WebSocketSip(int maxMessageBytes, int maxLineBytes, Duration pingInterval,
            Duration idleTimeout, WebSocketStats stats, Runnable idle) {
        this.maxMessageBytes = maxMessageBytes;
        this.maxLineBytes = maxLineBytes;
        this.pingNanos = pingInterval.toNanos();
        this.idleNanos = idleTimeout.toNanos();
        this.stats = stats;
        this.idle = idle;
    }

    /** The reassembly of fragments, the silence timer, and this handler: after the WebSocket codec. */
    public ChannelHandler[] handlers() {
        long check = pingNanos > 0 ? Math.min(pingNanos, idleNanos) : idleNanos;
        return new ChannelHandler[] {new WebSocketFrameAggregator(maxMessageBytes),
                new IdleStateHandler(check, 0, 0, TimeUnit.NANOSECONDS), this};
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object message) {
        lastRead = System.nanoTime();
        if (!(message instanceof WebSocketFrame frame)) {
            ctx.fireChannelRead(message);
            return;
        }
        try {
            if (frame instanceof TextWebSocketFrame || frame instanceof BinaryWebSocketFrame) {
                stats.framesIn.increment();
                sip(ctx, frame.content());
            } else if (frame instanceof PingWebSocketFrame) {
                ctx.writeAndFlush(new PongWebSocketFrame(frame.content().retain()));
            } else if (frame instanceof CloseWebSocketFrame) {
                ctx.writeAndFlush(new CloseWebSocketFrame(WebSocketCloseStatus.NORMAL_CLOSURE))
                        .addListener(ChannelFutureListener.CLOSE);
            } // a pong: only its arrival mattered
        } finally {
            frame.release();
        }
    }

    private void sip(ChannelHandlerContext ctx, ByteBuf content) {
        if (StreamFramer.onlyCrLf(content)) {
            return; // a CRLF keep-alive some clients send over WebSocket too; WebSocket pings do that job here
        }
        StreamFramer.Unframeable wrong = StreamFramer.checkWhole(content, maxMessageBytes, maxLineBytes);
        if (wrong == null) {
            ctx.fireChannelRead(content.retain()); // the SIP message, to the connection's handler
            return;
        }
        stats.rejected(StreamFramer.TWO_MESSAGES.equals(wrong.reason()) ? WebSocketStats.Rejection.TWO_MESSAGES
                : WebSocketStats.Rejection.INCOMPLETE);
        LOG.debug("{}: WebSocket message of {} octets rejected: {}", ctx.channel().remoteAddress(),
                content.readableBytes(), wrong.reason());
        SipWritable answer = wrong.answer();
        if (answer != null) {
            ctx.writeAndFlush(frame(answer.toDirectBuffer(ctx.alloc()))); // from here on, it passes no write() of ours
        }
    }

    /** A SIP message (a buffer) leaves as one data frame. */
    @Override
    public void write(ChannelHandlerContext ctx, Object message, ChannelPromise promise) {
        if (message instanceof ByteBuf sip) {
            ctx.write(frame(sip), promise);
        } else {
            ctx.write(message, promise);
        }
    }

    private WebSocketFrame frame(ByteBuf sip) {
        stats.framesOut.increment();
        return ByteBufUtil.isText(sip, StandardCharsets.UTF_8) ? new TextWebSocketFrame(sip) : new BinaryWebSocketFrame(sip);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
        if (event instanceof IdleStateEvent idleEvent && idleEvent.state() == IdleState.READER_IDLE) {
            long silent = System.nanoTime() - lastRead;
            if (silent >= idleNanos) {
                idle.run();
                ctx.writeAndFlush(new CloseWebSocketFrame(WebSocketCloseStatus.NORMAL_CLOSURE, "idle"))
                        .addListener(ChannelFutureListener.CLOSE);
            } else if (pingNanos > 0) {
                stats.pingsSent.increment();
                ctx.writeAndFlush(new PingWebSocketFrame());
            }
        } else {
            ctx.fireUserEventTriggered(event);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof TooLongFrameException
                || cause instanceof CorruptedWebSocketFrameException corrupted
                        && corrupted.closeStatus() == WebSocketCloseStatus.MESSAGE_TOO_BIG) {
            stats.refused(WebSocketStats.Refusal.TOO_LARGE);
            LOG.debug("{}: WebSocket message over {} octets, closing", ctx.channel().remoteAddress(), maxMessageBytes);
            ctx.writeAndFlush(new CloseWebSocketFrame(WebSocketCloseStatus.MESSAGE_TOO_BIG))
                    .addListener(ChannelFutureListener.CLOSE);
        } else if (cause instanceof CorruptedFrameException) {
            stats.refused(WebSocketStats.Refusal.PROTOCOL);
            LOG.debug("{}: {}, closing", ctx.channel().remoteAddress(), cause.toString());
            ctx.close();
        } else {
            ctx.fireExceptionCaught(cause);
        }
    }
}
