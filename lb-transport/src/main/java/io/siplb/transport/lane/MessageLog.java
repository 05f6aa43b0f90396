package io.siplb.transport.lane;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.siplb.core.net.Peer;
import io.siplb.core.sip.SipWritable;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every SIP message in and out, one line each (direction, peer, start line, Call-ID), at debug
 * level: {@code -Dsiplb.log.messages=DEBUG} (logback.xml). Off, it costs one level check per
 * message.
 */
final class MessageLog {
    private static final Logger MESSAGES = LoggerFactory.getLogger("io.siplb.messages");

    private MessageLog() {
    }

    static boolean on() {
        return MESSAGES.isDebugEnabled();
    }

    static void sent(Peer peer, SipWritable message) {
        ByteBuf text = Unpooled.buffer(message.byteCount());
        try {
            message.writeTo(text);
            log("->", peer, text);
        } finally {
            text.release();
        }
    }

    static void received(Peer peer, ByteBuf content) {
        log("<-", peer, content);
    }

    /** {@code <- WS 127.0.0.1:40312 #1f2 INVITE sip:service@example.com SIP/2.0 [Call-ID: a84b]}. */
    private static void log(String direction, Peer peer, ByteBuf content) {
        String text = content.toString(content.readerIndex(), Math.min(content.readableBytes(), 4096),
                StandardCharsets.ISO_8859_1);
        int lineEnd = text.indexOf('\r');
        String startLine = lineEnd < 0 ? text : text.substring(0, lineEnd);
        Matcher callId = CALL_ID.matcher(text);
        MESSAGES.debug("{} {} {}:{}{} {} [Call-ID: {}]", direction, peer.transport().token(),
                peer.address().getAddress().getHostAddress(), peer.address().getPort(),
                peer.lane() >= 0 ? " (NAT flow, from lane " + peer.lane() + ")"
                        : peer.flow() == Peer.NO_FLOW ? "" : " #" + Long.toString(peer.flow(), 36), startLine,
                callId.find() ? callId.group(1).trim() : "-");
    }

    private static final Pattern CALL_ID = Pattern.compile("(?im)^(?:call-id|i)[ \t]*:([^\r\n]*)");
}
