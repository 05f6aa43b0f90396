package io.siplb.transport.stream;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.concurrent.ScheduledFuture;
import io.siplb.core.sip.SipWritable;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The end of every connection's pipeline: whole messages in (each handed on, then released),
 * CRLF CRLF keep-alives answered, a message stalled past the message timeout, an idle connection,
 * a failed TLS handshake and a stream out of step each ending this connection only, counted.
 */
final class ConnectionHandler extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(StreamTransport.class);
    private static final byte[] PONG = "\r\n".getBytes(StandardCharsets.US_ASCII);

    /** Set as soon as the connection exists: before its first read, which runs on its loop. */
    StreamConnection connection;
    private ScheduledFuture<?> stallCheck;
    private long partialSince;
    private final StreamTransport.Inbound inbound;
    private final Map<StreamTransport.Error, LongAdder> errors;
    private final LongAdder pings;
    private final Duration messageTimeout;

    ConnectionHandler(StreamConnection connection, StreamTransport.Inbound inbound,
            Map<StreamTransport.Error, LongAdder> errors, LongAdder pings, Duration messageTimeout) {
        this.connection = connection;
        this.inbound = inbound;
        this.errors = errors;
        this.pings = pings;
        this.messageTimeout = messageTimeout;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object message) {
        if (message instanceof ByteBuf frame) {
            partialSince = 0;
            try {
                inbound.message(connection, frame);
            } catch (RuntimeException e) {
                LOG.error("message on {} not handled: {}", connection, e.toString(), e);
            } finally {
                frame.release();
            }
        } else if (message == StreamFramer.PING) {
            pings.increment();
            ctx.writeAndFlush(Unpooled.wrappedBuffer(PONG));
        } else if (message instanceof StreamFramer.Unframeable failure) {
            unframeable(ctx, failure);
        }
    }

    /** A stream out of step: answer what can be answered, then close this connection only. */
    private void unframeable(ChannelHandlerContext ctx, StreamFramer.Unframeable failure) {
        errors.get(failure.status() == 513 ? StreamTransport.Error.TOO_LARGE : StreamTransport.Error.UNFRAMEABLE).increment();
        LOG.debug("{}: cannot frame the stream ({} {}), closing", connection, failure.status(), failure.reason());
        SipWritable answer = failure.answer();
        if (answer == null) {
            ctx.close();
            return;
        }
        ByteBuf buffer = ctx.alloc().buffer(answer.byteCount());
        answer.writeTo(buffer);
        ctx.writeAndFlush(buffer).addListener(ChannelFutureListener.CLOSE);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        StreamFramer framer = ctx.pipeline().get(StreamFramer.class);
        if (framer != null && framer.partial()) {
            if (partialSince == 0) {
                partialSince = System.nanoTime();
            }
            if (stallCheck == null) {
                scheduleStallCheck(ctx, messageTimeout.toNanos());
            }
        } else {
            partialSince = 0;
        }
        ctx.fireChannelReadComplete();
    }

    /** A message begun and not finished within the message timeout ends the connection. */
    private void scheduleStallCheck(ChannelHandlerContext ctx, long delayNanos) {
        stallCheck = ctx.executor().schedule(() -> {
            stallCheck = null;
            if (partialSince == 0 || !ctx.channel().isActive()) {
                return;
            }
            long waited = System.nanoTime() - partialSince;
            if (waited >= messageTimeout.toNanos()) {
                errors.get(StreamTransport.Error.STALLED).increment();
                LOG.debug("{}: a message stalled for {} ms, closing", connection, waited / 1_000_000);
                ctx.close();
            } else {
                scheduleStallCheck(ctx, messageTimeout.toNanos() - waited);
            }
        }, delayNanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
        if (event instanceof IdleStateEvent) {
            errors.get(StreamTransport.Error.IDLE).increment();
            ctx.close();
        } else if (event instanceof SslHandshakeCompletionEvent handshake && !handshake.isSuccess()) {
            errors.get(StreamTransport.Error.TLS_HANDSHAKE).increment();
            LOG.info("{}: TLS handshake failed: {}", connection, handshake.cause().toString());
            ctx.close();
        } else {
            ctx.fireUserEventTriggered(event);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (!(cause.getCause() instanceof SSLException)) { // a handshake's: counted by its event
            errors.get(cause instanceof IOException ? StreamTransport.Error.RESET : StreamTransport.Error.OTHER).increment();
        }
        LOG.debug("{}: {}", connection, cause.toString());
        ctx.close();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (stallCheck != null) {
            stallCheck.cancel(false);
        }
        ctx.fireChannelInactive();
    }
}
