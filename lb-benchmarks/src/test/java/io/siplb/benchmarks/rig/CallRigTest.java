package io.siplb.benchmarks.rig;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * The call rig on real loopback sockets: one rig's UAC calls another rig's UAS directly (no proxy
 * between, so the 200 has no Record-Route and ACK and BYE go to the UAS's Contact by way of the
 * target), and every call completes with its response time recorded; datagrams to the UAS that are
 * empty, not SIP, or responses it never asked for cost no call.
 */
class CallRigTest {
    @Test
    void everyCallOfAStepCompletes() throws Exception {
        try (CallRig callee = new CallRig(new InetSocketAddress("127.0.0.1", 9), 1);
                CallRig caller = new CallRig(callee.uas().get(0), 0)) {
            RigUac.Step step = caller.run(200, 2);
            assertThat(step.total).isEqualTo(400);
            assertThat(step.completed).isEqualTo(400);
            assertThat(step.failed).isZero();
            assertThat(step.latency.getTotalCount()).isEqualTo(400);
        }
    }

    @Test
    void junkAtTheUasCostsNoCall() throws Exception {
        try (CallRig callee = new CallRig(new InetSocketAddress("127.0.0.1", 9), 1);
                CallRig caller = new CallRig(callee.uas().get(0), 0);
                DatagramSocket junk = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            InetSocketAddress uas = callee.uas().get(0);
            for (String text : new String[] {"", "\r\n\r\n", "garbage", "SIP/2.0 200 OK\r\n\r\n",
                "SIP/2.0 200 OK\r\nCall-ID: 7.other@rig\r\nCSeq: 1 INVITE\r\nTo: <sip:x@y>\r\n\r\n"}) {
                byte[] bytes = text.getBytes(StandardCharsets.US_ASCII);
                junk.send(new DatagramPacket(bytes, bytes.length, uas));
            }
            RigUac.Step step = caller.run(100, 1);
            assertThat(step.completed).isEqualTo(100);
            assertThat(step.failed).isZero();
        }
    }
}
