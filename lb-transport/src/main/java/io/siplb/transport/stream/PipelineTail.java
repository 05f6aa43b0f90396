package io.siplb.transport.stream;

import io.netty.channel.ChannelHandler;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.netty.handler.timeout.IdleStateHandler;
import io.siplb.core.sip.SipParserLimits;
import java.util.concurrent.TimeUnit;

/**
 * The end of a TCP or TLS connection's pipeline: flush consolidation, idle timeout, framer, and
 * the connection's handler. A WebSocket connection takes the flush consolidation before its own
 * framing.
 *
 * <p>What is written to a connection while its loop handles one batch of reads — the 100 Trying
 * and relayed responses of every message one read brought, the requests forwarded to it from
 * other connections' reads — goes out in one write at the batch's end instead of one
 * {@code sendto} per message: Netty's {@link FlushConsolidationHandler} holds a flush until this
 * channel's read ends, or, when the channel is not reading, until a task that runs after the
 * loop's I/O (and at once after 256 held flushes).
 */
final class PipelineTail {
    private PipelineTail() {
    }

    static ChannelHandler[] handlers(StreamSettings settings, SipParserLimits limits, ChannelHandler connection) {
        return new ChannelHandler[] {
                consolidatedFlushes(),
                new IdleStateHandler(0, 0, settings.idleTimeout().toMillis(), TimeUnit.MILLISECONDS),
                new StreamFramer(limits.maxMessageBytes(), limits.maxLineBytes()), connection};
    }

    /** Flushes held to the end of the loop's read batch (see the class comment). */
    static FlushConsolidationHandler consolidatedFlushes() {
        return new FlushConsolidationHandler(FlushConsolidationHandler.DEFAULT_EXPLICIT_FLUSH_AFTER_FLUSHES, true);
    }
}
