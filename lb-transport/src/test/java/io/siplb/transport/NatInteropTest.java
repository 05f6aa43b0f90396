package io.siplb.transport;

import static org.assertj.core.api.Assertions.assertThat;

import io.siplb.core.sip.SipMethod;
import io.siplb.core.transaction.ProxyCounters;
import java.io.InputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.opentest4j.TestAbortedException;

/**
 * A real phone registering through siplb to a real registrar and called back along the Path:
 * baresip (alice) registers with siplb as its outbound proxy; siplb adds its Path with a flow
 * token ({@code siplb.nat.path=always}: on loopback no phone is behind NAT) and passes the
 * REGISTER to Kamailio, which stores it (registrar {@code use_path}); a second baresip (bob)
 * calls alice at Kamailio, whose lookup routes the INVITE along the Path to siplb, and siplb sends
 * it to the address alice registered from; bob hangs up, and the BYE takes the same way. Runs in
 * the interop profile; needs {@code baresip} (Debian {@code baresip-core}) and {@code kamailio}.
 */
@Tag("interop")
class NatInteropTest {
    private static final Path KAMAILIO = Path.of("/usr/sbin/kamailio");

    @Test
    void baresipRegisteredThroughSiplbIsCalledBackAlongThePath(@TempDir Path dir) throws Exception {
        Baresip.assumeInstalled();
        if (!Files.isExecutable(KAMAILIO)) {
            throw new TestAbortedException("kamailio is missing: apt-get install kamailio");
        }
        int registrarPort = Baresip.sipPort(); // Kamailio binds it for UDP and TCP
        Process kamailio = startKamailio(dir, registrarPort);
        try (Baresip agents = new Baresip();
                LoopbackBalancer lb = new LoopbackBalancer(List.of("1 sip:127.0.0.1:" + registrarPort + " 0 1 duid=reg"),
                        "siplb.nat.path=always", "siplb.failover.timeout=2s", "siplb.probe.interval=0");
                Ladder ladder = new Ladder()) {
            int siplb = lb.address.getPort();
            Path alice = Baresip.agent(dir, "alice", Baresip.sipPort(), Baresip.controlPort(), 16340, List.of(),
                    "<sip:alice@127.0.0.1>;outbound=\"sip:127.0.0.1:" + siplb + "\";regint=600;answermode=auto");
            Path bob = Baresip.agent(dir, "bob", Baresip.sipPort(), Baresip.controlPort(), 16360, List.of(),
                    "<sip:bob@127.0.0.1>;regint=0;answermode=manual");
            Baresip.Control aliceControl = agents.startOnFreshPortsIfItExits(alice, "alice");
            Baresip.awaitLog("alice", "200 OK (kamailio"); // registered at Kamailio through siplb
            Baresip.Control bobControl = agents.startOnFreshPortsIfItExits(bob, "bob");
            bobControl.send("dial", "sip:alice@127.0.0.1:" + registrarPort);
            aliceControl.await("CALL_ESTABLISHED");
            bobControl.await("CALL_ESTABLISHED");
            bobControl.send("hangup", null); // bob's BYE: Kamailio, then siplb, then alice's binding
            aliceControl.await("CALL_CLOSED");
            bobControl.await("CALL_CLOSED");

            ProxyCounters counters = lb.balancer.tables().counters();
            assertThat(counters.requestsByMethod.get(SipMethod.REGISTER).sum()).isGreaterThanOrEqualTo(1);
            assertThat(counters.requestsByMethod.get(SipMethod.INVITE).sum()).isEqualTo(1);
            assertThat(counters.requestsByMethod.get(SipMethod.BYE).sum()).isEqualTo(1);
            assertThat(counters.flowTokensRejected.sum()).isZero();
            String aliceTrace = Baresip.log("alice");
            assertThat(aliceTrace).as("the INVITE came through siplb, Record-Routed with alice's flow")
                    .containsPattern("Record-Route: <sip:[A-Za-z0-9_-]{24}@127\\.0\\.0\\.1:" + siplb + ";lr>");
            assertThat(aliceTrace).contains("BYE sip:alice-"); // baresip registers Contact user alice-<pointer>
            ladder.write(Baresip.OUT.resolve("nat-ladder.log"));
        } finally {
            kamailio.destroy();
            kamailio.waitFor(10, TimeUnit.SECONDS);
        }
    }

    /** Kamailio as a registrar on {@code port}; returns once it answers an OPTIONS. */
    private static Process startKamailio(Path dir, int port) throws Exception {
        Path cfg = dir.resolve("kamailio-registrar.cfg");
        try (InputStream in = NatInteropTest.class.getResourceAsStream("/nat/kamailio-registrar.cfg")) {
            Files.writeString(cfg, new String(in.readAllBytes(), StandardCharsets.UTF_8)
                    .replace("__SIP_PORT__", Integer.toString(port)));
        }
        Process process = new ProcessBuilder(KAMAILIO.toString(), "-DD", "-E", "-f", cfg.toString(), "-m", "64", "-M", "8",
                "-Y", dir.toString(), "-w", dir.toString()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("kamailio.log").toFile()).start();
        try (DatagramSocket socket = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            socket.setSoTimeout(200);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (System.nanoTime() < deadline && process.isAlive()) {
                byte[] options = ("OPTIONS sip:127.0.0.1:" + port + " SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:"
                        + socket.getLocalPort() + ";branch=" + SipText.branch() + "\r\nFrom: <sip:t@127.0.0.1>;tag=1\r\n"
                        + "To: <sip:127.0.0.1>\r\nCall-ID: up-" + System.nanoTime() + "\r\nCSeq: 1 OPTIONS\r\n"
                        + "Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
                socket.send(new DatagramPacket(options, options.length, new InetSocketAddress("127.0.0.1", port)));
                try {
                    socket.receive(new DatagramPacket(new byte[4096], 4096));
                    return process;
                } catch (SocketTimeoutException e) {
                    // not listening yet
                }
            }
        }
        process.destroyForcibly();
        throw new IllegalStateException("kamailio did not answer: " + Files.readString(dir.resolve("kamailio.log")));
    }
}
