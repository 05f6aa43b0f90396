package io.siplb.core.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.siplb.core.net.MessageSender;
import io.siplb.core.net.Peer;
import io.siplb.core.sip.ParseResult;
import io.siplb.core.sip.SipMessage;
import io.siplb.core.sip.SipParser;
import io.siplb.core.sip.SipWritable;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/** A recording {@link MessageSender}: every message the proxy sends, parsed, with its address. */
final class Network implements MessageSender {
    record Sent(SipMessage message, InetSocketAddress to, Peer peer) {
        @Override
        public String toString() {
            String line = message.toString().split("\r\n", 2)[0];
            return to.getAddress().getHostAddress() + ":" + to.getPort() + " " + line;
        }
    }

    final List<Sent> sent = new ArrayList<>();
    /** How many of the next sends the "kernel" refuses (EPERM from a firewall): reported, not recorded. */
    int refuseNext;

    @Override
    public void send(SipWritable message, Peer peer, TransportFailure failure) {
        InetSocketAddress to = peer.address();
        if (refuseNext > 0) {
            refuseNext--;
            if (failure != null) {
                failure.failed(new IOException("sendmsg(..) failed: Operation not permitted"));
            }
            return;
        }
        ByteBuf buffer = Unpooled.buffer(message.byteCount());
        message.writeTo(buffer);
        byte[] bytes = new byte[buffer.readableBytes()];
        buffer.readBytes(bytes);
        // framed, not validated: an answer to a malformed request copies what it was given
        ParseResult result = SipParser.DEFAULT.frame(bytes, bytes.length);
        if (!(result instanceof ParseResult.Parsed parsed)) {
            throw new AssertionError("the proxy sent a message that does not parse: " + result);
        }
        sent.add(new Sent(parsed.message(), to, peer));
    }

    /** Removes and returns everything sent so far. */
    List<Sent> drain() {
        List<Sent> all = new ArrayList<>(sent);
        sent.clear();
        return all;
    }

    /** Removes and returns the only datagram sent to {@code port} matching {@code what}. */
    SipMessage take(int port, Predicate<SipMessage> what) {
        for (int i = 0; i < sent.size(); i++) {
            Sent s = sent.get(i);
            if (s.to().getPort() == port && what.test(s.message())) {
                sent.remove(i);
                return s.message();
            }
        }
        throw new AssertionError("nothing matching sent to port " + port + "; sent: " + sent);
    }

    /** How many datagrams went to {@code port}. */
    long count(int port, Predicate<SipMessage> what) {
        return sent.stream().filter(s -> s.to().getPort() == port && what.test(s.message())).count();
    }

    static Predicate<SipMessage> status(int code) {
        return m -> !m.isRequest() && m.statusCode() == code;
    }

    static Predicate<SipMessage> method(String name) {
        return m -> m.isRequest() && m.methodName().toString().equals(name);
    }
}
