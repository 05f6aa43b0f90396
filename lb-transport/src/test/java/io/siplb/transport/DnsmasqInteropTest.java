package io.siplb.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.siplb.core.dispatch.DestinationTarget;
import io.siplb.transport.demo.Backend;
import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.opentest4j.TestAbortedException;

/**
 * Destinations named by host, resolved through a real dnsmasq (Debian package {@code dnsmasq-base},
 * which {@code .ci/run} installs) on a loopback port: dnsmasq answers REFUSED for a NAPTR (and an
 * SRV) it does not hold, as most forwarders do, and siplb must go on to SRV and A (RFC 3263 §4.1).
 */
@Tag("interop")
class DnsmasqInteropTest {
    @RegisterExtension
    final Opened open = new Opened();
    private Process dnsmasq;

    @AfterEach
    void stop() throws Exception {
        open.close();
        if (dnsmasq != null) {
            dnsmasq.destroy();
            if (!dnsmasq.waitFor(5, TimeUnit.SECONDS)) {
                dnsmasq.destroyForcibly();
            }
        }
    }

    private static String dnsmasqCommand() {
        for (String candidate : List.of("/usr/sbin/dnsmasq", "/usr/bin/dnsmasq", "/sbin/dnsmasq")) {
            if (Files.isExecutable(Path.of(candidate))) {
                return candidate;
            }
        }
        throw new TestAbortedException("dnsmasq is not installed (apt-get install dnsmasq-base): skipped");
    }

    private static int freeUdpPort() throws IOException {
        try (DatagramSocket socket = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    /** dnsmasq on 127.0.0.1:port with no upstream, serving only {@code records}; waits until it answers. */
    private int startDnsmasq(Path dir, List<String> records) throws Exception {
        String command = dnsmasqCommand();
        int port = freeUdpPort();
        List<String> args = new ArrayList<>(List.of(command, "--keep-in-foreground", "--conf-file=/dev/null",
                "--port=" + port, "--listen-address=127.0.0.1", "--bind-interfaces", "--no-resolv", "--no-hosts",
                "--no-poll", "--pid-file=" + dir.resolve("dnsmasq.pid"), "--log-queries", "--log-facility=-"));
        args.addAll(records);
        dnsmasq = new ProcessBuilder(args).redirectErrorStream(true)
                .redirectOutput(dir.resolve("dnsmasq.log").toFile()).start();
        await().atMost(Duration.ofSeconds(10)).until(() -> !dnsmasq.isAlive()
                || Files.readString(dir.resolve("dnsmasq.log")).contains("started"));
        assertThat(dnsmasq.isAlive()).as("dnsmasq: %s", Files.readString(dir.resolve("dnsmasq.log"))).isTrue();
        return port;
    }

    private LoopbackBalancer balancer(int dnsPort, String line) {
        LoopbackBalancer lb = open.add(new LoopbackBalancer(List.of(line), "siplb.dns.servers=127.0.0.1:" + dnsPort,
                "siplb.dns.timeout=500ms", "siplb.probe.interval=0", "siplb.failover.timeout=1s"));
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            List<DestinationTarget> targets = lb.balancer.dispatcher().set(1).get(0).targets();
            return targets != null && !targets.isEmpty();
        });
        return lb;
    }

    private static int call(RawPeer caller, LoopbackBalancer lb, String id) throws IOException {
        caller.send(lb.address, "INVITE sip:service@127.0.0.1 SIP/2.0\r\n"
                + "Via: SIP/2.0/UDP 127.0.0.1:" + caller.port() + ";branch=z9hG4bK-" + id + ";rport\r\n"
                + "From: <sip:caller@127.0.0.1>;tag=" + id + "\r\nTo: <sip:service@127.0.0.1>\r\n"
                + "Call-ID: " + id + "@127.0.0.1\r\nCSeq: 1 INVITE\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n");
        while (true) {
            String message = caller.receive();
            int status = SipText.status(message);
            if (status >= 200 && (id + "@127.0.0.1").equals(SipText.header(message, "Call-ID"))) {
                return status;
            }
        }
    }

    @Test
    void aNaptrDnsmasqRefusesGoesOnToItsSrvRecord(@TempDir Path dir) throws Exception {
        Backend pbx = open.add(new Backend("pbx", 0, Backend.Behaviour.HEALTHY));
        int dns = startDnsmasq(dir, List.of("--srv-host=_sip._udp.pbx.test,backend.pbx.test," + pbx.address().getPort()
                + ",10,0", "--host-record=backend.pbx.test,127.0.0.1"));
        LoopbackBalancer lb = balancer(dns, "1 sip:pbx.test 0 1");
        assertThat(lb.balancer.dispatcher().set(1).get(0).targets())
                .extracting(t -> t.name() + " " + t.address().getAddress().getHostAddress() + ":" + t.address().getPort())
                .containsExactly("backend.pbx.test 127.0.0.1:" + pbx.address().getPort());
        assertThat(lb.balancer.dns().naptrFallbacks()).as("dnsmasq refused the NAPTR").isPositive();
        RawPeer caller = open.add(new RawPeer());
        for (int i = 0; i < 5; i++) {
            assertThat(call(caller, lb, "dnsmasq-srv-" + i)).isEqualTo(200);
        }
        assertThat(pbx.answered()).isEqualTo(5);
    }

    @Test
    void aNameWithOnlyAnAddressRecordIsCalledOn5060(@TempDir Path dir) throws Exception {
        Backend pbx = open.add(DnsResolutionTest.onPort5060("pbx"));
        String host = pbx.address().getAddress().getHostAddress();
        int dns = startDnsmasq(dir, List.of("--host-record=aonly.test," + host));
        LoopbackBalancer lb = balancer(dns, "1 sip:aonly.test 0 1");
        assertThat(lb.balancer.dispatcher().set(1).get(0).targets())
                .extracting(t -> t.transport() + ":" + t.address().getAddress().getHostAddress() + ":" + t.address().getPort())
                .containsExactly("udp:" + host + ":5060");
        RawPeer caller = open.add(new RawPeer());
        assertThat(call(caller, lb, "dnsmasq-a")).isEqualTo(200);
        assertThat(pbx.answered()).isEqualTo(1);
    }
}
