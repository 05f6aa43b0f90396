package io.siplb.benchmarks.rig;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramPacket;
import java.net.InetSocketAddress;

/**
 * A stateless UAS: every request but ACK gets a 200 OK with the request's Via, Record-Route,
 * From, To (a tag added when it has none), Call-ID and CSeq copied across, and this UAS as
 * Contact; it goes back to the address the request came from. An INVITE is answered at once (no
 * 100, no ringing: the proxy under test sends its own 100 upstream), so a retransmitted INVITE
 * or BYE is simply answered again.
 */
final class RigUas extends SimpleChannelInboundHandler<DatagramPacket> {
    private static final byte[] OK = SipBytes.ascii("SIP/2.0 200 OK\r\n");
    private static final byte[] ACK = SipBytes.ascii("ACK ");
    private static final byte[] RESPONSE = SipBytes.ascii("SIP/2.0 ");
    private static final byte[] TAG = SipBytes.ascii(";tag=");
    private static final byte[] OWN_TAG = SipBytes.ascii(";tag=rig-uas");
    private static final byte[][] COPIED = {SipBytes.ascii("via"), SipBytes.ascii("record-route"),
        SipBytes.ascii("from"), SipBytes.ascii("call-id"), SipBytes.ascii("cseq")};
    /** Their compact forms, -1 where there is none. */
    private static final byte[] COMPACT = {'v', -1, 'f', 'i', -1};
    private static final byte[] TO = SipBytes.ascii("to");

    private final byte[] in = new byte[65536];
    private final byte[] tail;

    RigUas(InetSocketAddress self) {
        tail = SipBytes.ascii("Contact: <sip:service@" + self.getHostString() + ":" + self.getPort()
                + ">\r\nContent-Length: 0\r\n\r\n");
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket packet) {
        ByteBuf content = packet.content();
        int length = Math.min(content.readableBytes(), in.length);
        content.getBytes(content.readerIndex(), in, 0, length);
        if (SipBytes.startsWith(in, 0, length, ACK) || SipBytes.startsWith(in, 0, length, RESPONSE)) {
            return; // an ACK, or a response: nothing to answer
        }
        ByteBuf out = ctx.alloc().ioBuffer(length + tail.length + 16);
        out.writeBytes(OK);
        int line = SipBytes.lineEnd(in, 0, length) + 2;
        while (line < length) {
            int end = SipBytes.lineEnd(in, line, length);
            if (end == line) {
                break; // the blank line: the body is not answered
            }
            copyIfKept(out, line, end);
            line = end + 2;
        }
        out.writeBytes(tail);
        ctx.write(new DatagramPacket(out, packet.sender()));
    }

    private void copyIfKept(ByteBuf out, int line, int end) {
        if (SipBytes.value(in, line, end, TO, (byte) 't') >= 0) {
            out.writeBytes(in, line, end - line);
            if (!SipBytes.contains(in, line, end, TAG)) {
                out.writeBytes(OWN_TAG);
            }
            out.writeByte('\r').writeByte('\n');
            return;
        }
        for (int k = 0; k < COPIED.length; k++) {
            if (SipBytes.value(in, line, end, COPIED[k], COMPACT[k]) >= 0) {
                out.writeBytes(in, line, end + 2 - line);
                return;
            }
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        ctx.flush();
    }
}
