package io.siplb.transport.ws;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshakerFactory;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.concurrent.ScheduledFuture;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP side of a {@code ws}/{@code wss} connection, up to its upgrade (RFC 6455 §4, RFC 7118
 * §4): a GET with {@code Upgrade: websocket}, on the listener's path when it names one, offering
 * the {@code sip} subprotocol, from an allowed Origin — each failure answered with its HTTP
 * status (400, 426, 404, 403) and counted, then the connection closed. A client that has not
 * completed its handshake within the message timeout is cut off. Once upgraded, this handler
 * leaves the pipeline and {@code upgraded} adds the SIP side.
 */
public final class WebSocketUpgrade extends SimpleChannelInboundHandler<FullHttpRequest> {
    private static final Logger LOG = LoggerFactory.getLogger(WebSocketUpgrade.class);
    /** RFC 7118 §4.1: the subprotocol a SIP WebSocket client must offer. */
    public static final String SUBPROTOCOL = "sip";
    private static final int MAX_REQUEST_BYTES = 8192;

    private final String path;
    private final Set<String> origins;
    private final int maxMessageBytes;
    private final long timeoutMillis;
    private final WebSocketStats stats;
    private final Consumer<ChannelHandlerContext> upgraded;
    private ScheduledFuture<?> timeout;

    /**
     * @param path the only path upgraded, or {@code null} for any
     * @param origins the Origins allowed (lower case); empty = any
     * @param maxMessageBytes the largest WebSocket message (one SIP message) accepted
     * @param upgraded called on the connection's loop once the handshake response is written
     */
    public WebSocketUpgrade(String path, Set<String> origins, int maxMessageBytes, long timeoutMillis,
            WebSocketStats stats, Consumer<ChannelHandlerContext> upgraded) {
        super(FullHttpRequest.class, true);
        this.path = path;
        this.origins = origins;
        this.maxMessageBytes = maxMessageBytes;
        this.timeoutMillis = timeoutMillis;
        this.stats = stats;
        this.upgraded = upgraded;
    }

    /** The HTTP codec, its aggregator for the handshake request, and this handler. */
    public ChannelHandler[] handlers() {
        return new ChannelHandler[] {
                new HttpServerCodec(4096, MAX_REQUEST_BYTES, MAX_REQUEST_BYTES),
                new HttpObjectAggregator(MAX_REQUEST_BYTES), this};
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        timeout = ctx.executor().schedule(() -> {
            if (ctx.channel().isActive()) {
                stats.refused(WebSocketStats.Refusal.TIMEOUT);
                LOG.debug("{}: no WebSocket handshake within {} ms, closing", ctx.channel().remoteAddress(),
                        timeoutMillis);
                ctx.close();
            }
        }, timeoutMillis, TimeUnit.MILLISECONDS);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        if (timeout != null) {
            timeout.cancel(false);
        }
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        if (!ctx.channel().isActive()) {
            return; // the head of a request cut off by its peer or the handshake timeout, flushed at close
        }
        HttpHeaders headers = request.headers();
        if (!request.decoderResult().isSuccess() || request.method() != HttpMethod.GET) {
            refuse(ctx, WebSocketStats.Refusal.NOT_WEBSOCKET, HttpResponseStatus.BAD_REQUEST, "not a WebSocket handshake");
            return;
        }
        if (!headers.containsValue(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET, true)) {
            FullHttpResponse response = response(HttpResponseStatus.UPGRADE_REQUIRED,
                    "this is a SIP WebSocket listener (RFC 7118): upgrade with Sec-WebSocket-Protocol: sip");
            response.headers().set(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET);
            refuse(ctx, WebSocketStats.Refusal.NOT_WEBSOCKET, response);
            return;
        }
        if (path != null && !path.equals(new QueryStringDecoder(request.uri()).path())) {
            refuse(ctx, WebSocketStats.Refusal.PATH, HttpResponseStatus.NOT_FOUND, "no SIP WebSocket at this path");
            return;
        }
        if (!offersSip(headers.getAll(HttpHeaderNames.SEC_WEBSOCKET_PROTOCOL))) {
            refuse(ctx, WebSocketStats.Refusal.NO_SIP_PROTOCOL, HttpResponseStatus.BAD_REQUEST,
                    "the handshake must offer the subprotocol sip (RFC 7118 section 4.1)");
            return;
        }
        String origin = headers.get(HttpHeaderNames.ORIGIN);
        if (origin != null && !origins.isEmpty() && !origins.contains(origin.trim().toLowerCase(Locale.ROOT))) {
            refuse(ctx, WebSocketStats.Refusal.ORIGIN, HttpResponseStatus.FORBIDDEN, "origin not allowed");
            return;
        }
        WebSocketDecoderConfig decoder = WebSocketDecoderConfig.newBuilder()
                .maxFramePayloadLength(maxMessageBytes)
                .allowExtensions(false)
                .build();
        WebSocketServerHandshaker handshaker = new WebSocketServerHandshakerFactory(
                location(ctx, request), SUBPROTOCOL, decoder).newHandshaker(request);
        if (handshaker == null) {
            stats.refused(WebSocketStats.Refusal.NOT_WEBSOCKET);
            WebSocketServerHandshakerFactory.sendUnsupportedVersionResponse(ctx.channel())
                    .addListener(ChannelFutureListener.CLOSE);
            return;
        }
        handshaker.handshake(ctx.channel(), request).addListener((ChannelFutureListener) done -> {
            if (!done.isSuccess()) {
                ctx.close();
                return;
            }
            stats.upgraded.increment();
            upgraded.accept(ctx);
            ctx.pipeline().remove(this);
        });
    }

    /** Whether the {@code Sec-WebSocket-Protocol} lines offer {@code sip} (tokens are case-sensitive). */
    private static boolean offersSip(List<String> lines) {
        for (String line : lines) {
            for (String token : line.split(",")) {
                if (token.trim().equals(SUBPROTOCOL)) {
                    return true;
                }
            }
        }
        return false;
    }

    private static String location(ChannelHandlerContext ctx, FullHttpRequest request) {
        String host = request.headers().get(HttpHeaderNames.HOST, "localhost");
        boolean secure = ctx.pipeline().get(SslHandler.class) != null;
        return (secure ? "wss://" : "ws://") + host + request.uri();
    }

    private void refuse(ChannelHandlerContext ctx, WebSocketStats.Refusal refusal, HttpResponseStatus status,
            String reason) {
        refuse(ctx, refusal, response(status, reason));
    }

    private void refuse(ChannelHandlerContext ctx, WebSocketStats.Refusal refusal, FullHttpResponse response) {
        stats.refused(refusal);
        LOG.debug("WebSocket handshake from {} refused ({}): {}", ctx.channel().remoteAddress(), refusal.label(),
                response.status());
        response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
    }

    private static FullHttpResponse response(HttpResponseStatus status, String text) {
        byte[] body = (text + "\n").getBytes(StandardCharsets.UTF_8);
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                Unpooled.wrappedBuffer(body));
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
        response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
        return response;
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.debug("WebSocket handshake from {}: {}", ctx.channel().remoteAddress(), cause.toString());
        ctx.close();
    }
}
