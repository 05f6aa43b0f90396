package io.siplb.transport.ws;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.siplb.core.sip.SipParserLimits;
import io.siplb.transport.stream.ConnectionPlug;
import io.siplb.transport.stream.StreamSettings;
import java.util.function.Consumer;

/**
 * SIP over WebSocket plugged into the stream transport's {@code ws} and {@code wss} listeners:
 * the HTTP upgrade ({@link WebSocketUpgrade}) on a new connection, then one SIP message per
 * WebSocket message ({@link WebSocketSip}). Counts what it refused and carried.
 */
public final class WebSocketPlug implements ConnectionPlug {
    private final StreamSettings settings;
    private final SipParserLimits limits;
    private final WebSocketStats stats = new WebSocketStats();

    public WebSocketPlug(StreamSettings settings, SipParserLimits limits) {
        this.settings = settings;
        this.limits = limits;
    }

    @Override
    public void accepted(Channel channel, String path, Consumer<ChannelHandlerContext> upgraded) {
        channel.pipeline().addLast(new WebSocketUpgrade(path, settings.origins(), limits.maxMessageBytes(),
                settings.messageTimeout().toMillis(), stats, upgraded).handlers());
    }

    @Override
    public ChannelHandler[] framing(Runnable idle) {
        return new WebSocketSip(limits.maxMessageBytes(), limits.maxLineBytes(), settings.pingInterval(),
                settings.idleTimeout(), stats, idle).handlers();
    }

    /** What the WebSocket listeners refused and carried. */
    public WebSocketStats stats() {
        return stats;
    }
}
