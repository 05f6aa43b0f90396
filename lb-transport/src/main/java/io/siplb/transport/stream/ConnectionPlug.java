package io.siplb.transport.stream;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import java.util.function.Consumer;

/**
 * What a transport that carries SIP its own way inside a connection (WebSocket, RFC 7118) adds to
 * the stream transport's pipelines: a handshake before the connection carries SIP, then handlers
 * that hand each whole SIP message on as one {@code ByteBuf} and write each outbound message as
 * that transport frames it. The stream transport owns the connection — caps, flows, idle timeout,
 * the handler that takes the messages — and calls this only for listeners of such a transport.
 */
public interface ConnectionPlug {
    /**
     * Adds the handshake to a new inbound connection's pipeline; {@code upgraded} is called on the
     * connection's loop once it carries SIP.
     *
     * @param path the only path the listener takes, or {@code null} for any
     */
    void accepted(Channel channel, String path, Consumer<ChannelHandlerContext> upgraded);

    /**
     * The handlers that frame SIP on an upgraded connection, before the stream transport's own.
     *
     * @param idle told when the connection is closed for silence (the stream transport counts it)
     */
    ChannelHandler[] framing(Runnable idle);
}
