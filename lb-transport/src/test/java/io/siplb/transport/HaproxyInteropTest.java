package io.siplb.transport;

import static org.assertj.core.api.Assertions.assertThat;

import io.siplb.core.net.Transport;
import io.siplb.transport.demo.Backend;
import io.siplb.transport.protect.SourceGuard;
import io.siplb.transport.stream.StreamTransport;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.opentest4j.TestAbortedException;

/**
 * A real HAProxy (Debian's {@code haproxy}, mode tcp) in front of a siplb TCP listener marked
 * {@code ;proxy-protocol}, SIPp calling through it from two loopback addresses. HAProxy connects
 * to siplb from 127.0.0.5, the one address siplb trusts, with {@code send-proxy-v2} on one
 * frontend and {@code send-proxy} (v1) on another; a third connects from 127.0.0.1, which siplb
 * does not trust.
 */
@Tag("interop")
class HaproxyInteropTest {
    private static final Path SCENARIOS = Path.of("src/test/resources/sipp").toAbsolutePath();

    @RegisterExtension
    final Opened opened = new Opened();

    @TempDir
    Path dir;

    private Backend pbx;
    private LoopbackBalancer lb;
    private int v2;
    private int v1;
    private int untrusted;

    @BeforeAll
    static void haproxyAndSippAreInstalled() throws InterruptedException {
        for (String[] tool : new String[][] {{"haproxy", "-v", "haproxy"}, {"sipp", "-v", "sip-tester"}}) {
            try {
                new ProcessBuilder(tool[0], tool[1]).redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor(10, TimeUnit.SECONDS);
            } catch (IOException e) {
                throw new TestAbortedException(tool[0] + " is not installed (apt-get install " + tool[2] + "): skipped");
            }
        }
    }

    @BeforeEach
    void start() throws Exception {
        pbx = opened.backend("pbx", Backend.Behaviour.HEALTHY);
        lb = opened.add(LoopbackBalancer.of(List.of(pbx), "siplb.listen=udp:127.0.0.1:0,tcp:127.0.0.1:0;proxy-protocol",
                "siplb.proxy-protocol.trusted=127.0.0.5", "siplb.probe.interval=0"));
        int siplb = lb.balancer.boundAddress(Transport.TCP).getPort();
        v2 = freeTcpPort();
        v1 = freeTcpPort();
        untrusted = freeTcpPort();
        Path config = dir.resolve("haproxy.cfg");
        Files.writeString(config, String.join("\n", "global", "  maxconn 200", "defaults", "  mode tcp",
                "  timeout connect 2s", "  timeout client 30s", "  timeout server 30s",
                "frontend v2", "  bind 127.0.0.1:" + v2, "  default_backend siplb_v2",
                "backend siplb_v2", "  server lb 127.0.0.1:" + siplb + " source 127.0.0.5 send-proxy-v2",
                "frontend v1", "  bind 127.0.0.1:" + v1, "  default_backend siplb_v1",
                "backend siplb_v1", "  server lb 127.0.0.1:" + siplb + " source 127.0.0.5 send-proxy",
                "frontend untrusted", "  bind 127.0.0.1:" + untrusted, "  default_backend siplb_untrusted",
                "backend siplb_untrusted", "  server lb 127.0.0.1:" + siplb + " send-proxy-v2", ""));
        Process haproxy = new ProcessBuilder("haproxy", "-db", "-f", config.toString()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("haproxy.log").toFile()).start();
        opened.add(haproxy::destroyForcibly);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!listening(untrusted)) { // the last frontend bound: all are
            assertThat(System.nanoTime() < deadline && haproxy.isAlive())
                    .as("haproxy started: " + Files.readString(dir.resolve("haproxy.log"))).isTrue();
            Thread.sleep(50);
        }
    }

    private static boolean listening(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static int freeTcpPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    /** SIPp calls over TCP from {@code host} to HAProxy's {@code port}; its exit code (0: all completed). */
    private int sipp(String host, int port, int calls) throws Exception {
        List<String> command = new ArrayList<>(List.of("sipp", "127.0.0.1:" + port, "-sf",
                SCENARIOS.resolve("uac-rr.xml").toString(), "-t", "t1", "-i", host, "-p",
                Integer.toString(LoopbackBalancer.freePort()), "-m", Integer.toString(calls), "-r", "10", "-d", "0",
                "-timeout", "8", "-timeout_error", "-nostdin", "-max_recv_loops", "1000"));
        Path log = dir.resolve("sipp-" + host + "-" + port + ".log");
        Process sipp = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        opened.add(sipp::destroyForcibly);
        assertThat(sipp.waitFor(30, TimeUnit.SECONDS)).as("SIPp finished").isTrue();
        return sipp.exitValue();
    }

    @Test
    void aCallThroughHaproxyCarriesTheCallersAddressWithV2AndV1() throws Exception {
        assertThat(sipp("127.0.0.2", v2, 1)).as("SIPp via send-proxy-v2").isZero();
        assertThat(sipp("127.0.0.3", v1, 1)).as("SIPp via send-proxy").isZero();
        assertThat(pbx.callerVias()).hasSize(2);
        assertThat(pbx.callerVias().get(0)).startsWith("SIP/2.0/TCP 127.0.0.2:").endsWith(";received=127.0.0.2");
        assertThat(pbx.callerVias().get(1)).startsWith("SIP/2.0/TCP 127.0.0.3:").endsWith(";received=127.0.0.3");
        assertThat(lb.balancer.streams().errors(StreamTransport.Error.PROXY_HEADER)).isZero();
    }

    @Test
    void aBannedCallerIsStoppedWhileAnotherThroughTheSameHaproxyKeepsCalling() throws Exception {
        lb.balancer.guard().ban(InetAddress.getByName("127.0.0.2"), Duration.ofMinutes(5));
        assertThat(sipp("127.0.0.3", v2, 5)).as("the other caller").isZero();
        assertThat(sipp("127.0.0.2", v2, 1)).as("the banned caller").isNotZero();
        assertThat(pbx.invites()).isEqualTo(5);
        assertThat(pbx.callerVias()).allSatisfy(via -> assertThat(via).endsWith(";received=127.0.0.3"));
        assertThat(lb.balancer.guard().dropped(SourceGuard.Reason.BANNED)).isPositive();
    }

    @Test
    void aHeaderFromASourceSiplbDoesNotTrustIsRefused() throws Exception {
        long before = lb.balancer.streams().errors(StreamTransport.Error.PROXY_UNTRUSTED);
        assertThat(sipp("127.0.0.2", untrusted, 1)).isNotZero();
        assertThat(lb.balancer.streams().errors(StreamTransport.Error.PROXY_UNTRUSTED)).isGreaterThan(before);
        assertThat(pbx.invites()).isZero();
    }
}
