package io.siplb.benchmarks.rig;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.net.InetSocketAddress;

/**
 * The requests the UAC sends, written into pooled buffers from byte templates: call {@code n}'s
 * Call-ID is {@code n.RUN@rig}, its INVITE branch {@code z9hG4bK-RUN-n}, its From tag {@code n},
 * so that a response names its call by the number at the start of its Call-ID. {@code RUN} is
 * random per rig, keeping two rigs' (or two runs') calls apart in the system's transaction and
 * dialog tables.
 */
final class RigMessages {
    private static final String SDP = "v=0\r\no=rig 53655765 2353687637 IN IP4 127.0.0.1\r\ns=-\r\n"
            + "c=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 6000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n";

    private static final byte[] ACK_METHOD = SipBytes.ascii("ACK ");
    private static final byte[] BYE_METHOD = SipBytes.ascii("BYE ");
    private static final byte[] ACK_BRANCH = SipBytes.ascii("a");
    private static final byte[] BYE_BRANCH = SipBytes.ascii("b");
    private static final byte[] INVITE_BRANCH = new byte[0];
    private static final byte[] SIP_VERSION = SipBytes.ascii(" SIP/2.0\r\n");
    private static final byte[] ROUTE = SipBytes.ascii("Route: ");
    private static final byte[] CRLF = SipBytes.ascii("\r\n");
    private static final byte[] CALL_ID = SipBytes.ascii("Call-ID: ");

    private final byte[] inviteStart;
    private final byte[] inviteBranchEnd;
    private final byte[] inviteTagEnd;
    private final byte[] inviteCallIdEnd;
    private final byte[] viaStart;
    private final byte[] fromStart;
    private final byte[] ack;
    private final byte[] bye;
    /** The INVITE's Request-URI: the ACK of a failure goes to it, and ACK and BYE when a 2xx has no Contact. */
    private final byte[] service;

    RigMessages(InetSocketAddress local, InetSocketAddress target, String run) {
        String self = local.getHostString() + ":" + local.getPort();
        String them = target.getHostString() + ":" + target.getPort();
        String via = "Via: SIP/2.0/UDP " + self + ";branch=z9hG4bK-" + run + "-";
        String from = "From: rig <sip:rig@" + self + ">;tag=";
        viaStart = SipBytes.ascii(via);
        fromStart = SipBytes.ascii(from);
        inviteStart = SipBytes.ascii("INVITE sip:service@" + them + " SIP/2.0\r\n" + via);
        inviteBranchEnd = SipBytes.ascii("\r\n" + from);
        inviteTagEnd = SipBytes.ascii("\r\nTo: service <sip:service@" + them + ">\r\nCall-ID: ");
        inviteCallIdEnd = SipBytes.ascii("." + run + "@rig\r\nCSeq: 1 INVITE\r\nContact: <sip:rig@" + self
                + ">\r\nMax-Forwards: 70\r\nSubject: rig\r\nContent-Type: application/sdp\r\nContent-Length: "
                + SDP.length() + "\r\n\r\n" + SDP);
        ack = SipBytes.ascii("." + run + "@rig\r\nCSeq: 1 ACK\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n");
        bye = SipBytes.ascii("." + run + "@rig\r\nCSeq: 2 BYE\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n");
        service = SipBytes.ascii("sip:service@" + them);
    }

    /** Call {@code n}'s INVITE (the same bytes when retransmitted). */
    ByteBuf invite(ByteBufAllocator alloc, long n) {
        ByteBuf out = alloc.ioBuffer(inviteStart.length + inviteCallIdEnd.length + 200);
        out.writeBytes(inviteStart);
        SipBytes.writeDecimal(out, n);
        out.writeBytes(inviteBranchEnd);
        SipBytes.writeDecimal(out, n);
        out.writeBytes(inviteTagEnd);
        SipBytes.writeDecimal(out, n);
        return out.writeBytes(inviteCallIdEnd);
    }

    /**
     * The ACK ({@code bye} false) or BYE of call {@code n}'s dialog from its 2xx in {@code in}:
     * to the Contact, with the Record-Route set reversed as Route and the 2xx's To (with its tag).
     */
    ByteBuf inDialog(ByteBufAllocator alloc, long n, byte[] in, RigUac.Reply reply, boolean bye) {
        ByteBuf out = alloc.ioBuffer(512);
        out.writeBytes(bye ? BYE_METHOD : ACK_METHOD);
        if (reply.contactStart >= 0) {
            out.writeBytes(in, reply.contactStart, reply.contactEnd - reply.contactStart);
        } else {
            out.writeBytes(service);
        }
        out.writeBytes(SIP_VERSION);
        headers(out, n, bye ? BYE_BRANCH : ACK_BRANCH, in, reply);
        if (reply.routeCount > 0) {
            out.writeBytes(ROUTE);
            for (int k = reply.routeCount - 1; k >= 0; k--) {
                out.writeBytes(in, reply.routes[2 * k], reply.routes[2 * k + 1] - reply.routes[2 * k]);
                if (k > 0) {
                    out.writeByte(',');
                }
            }
            out.writeBytes(CRLF);
        }
        out.writeBytes(CALL_ID);
        SipBytes.writeDecimal(out, n);
        return out.writeBytes(bye ? this.bye : ack);
    }

    /** The ACK of a final response other than 2xx: the INVITE's branch and Request-URI (RFC 3261 §17.1.1.3). */
    ByteBuf ackOfFailure(ByteBufAllocator alloc, long n, byte[] in, RigUac.Reply reply) {
        ByteBuf out = alloc.ioBuffer(512);
        out.writeBytes(ACK_METHOD).writeBytes(service).writeBytes(SIP_VERSION);
        headers(out, n, INVITE_BRANCH, in, reply);
        out.writeBytes(CALL_ID);
        SipBytes.writeDecimal(out, n);
        return out.writeBytes(ack);
    }

    private void headers(ByteBuf out, long n, byte[] branchSuffix, byte[] in, RigUac.Reply reply) {
        out.writeBytes(viaStart);
        SipBytes.writeDecimal(out, n);
        out.writeBytes(branchSuffix);
        out.writeBytes(CRLF).writeBytes(fromStart);
        SipBytes.writeDecimal(out, n);
        out.writeBytes(CRLF).writeBytes(in, reply.toStart, reply.toEnd - reply.toStart).writeBytes(CRLF);
    }
}
