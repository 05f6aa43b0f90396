package io.siplb.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.siplb.transport.demo.Backend;
import io.siplb.transport.demo.CallGenerator;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.opentest4j.TestAbortedException;

/**
 * HEP capture received by a real collector: Debian's {@code sngrep} listening for HEP
 * ({@code -L udp:127.0.0.1:PORT}) and writing what it captured to a pcap file ({@code -O}), which
 * the test reads back. sngrep writes each HEP message as a frame of its own, with the addresses
 * and ports the HEP packet named, so the file shows the call as siplb saw it.
 */
@Tag("interop")
class SngrepInteropTest {
    @RegisterExtension
    final Opened opened = new Opened();

    @TempDir
    Path dir;

    @BeforeAll
    static void sngrepIsInstalled() throws InterruptedException {
        try {
            Process version = new ProcessBuilder("sngrep", "-V").redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            version.waitFor(10, TimeUnit.SECONDS);
        } catch (IOException e) {
            throw new TestAbortedException("sngrep is not installed (apt-get install sngrep): skipped");
        }
    }

    /** One frame of the pcap file: what the IPv4 and UDP headers say, and the SIP message. */
    record Frame(InetSocketAddress source, InetSocketAddress destination, String payload) {
    }

    @Test
    void sngrepReceivesEveryMessageOfACallInOrderWithItsAddresses() throws Exception {
        int port = LoopbackBalancer.freePort();
        Path pcap = dir.resolve("call.pcap");
        Process sngrep = new ProcessBuilder("sngrep", "-N", "-q", "-L", "udp:127.0.0.1:" + port, "-O", pcap.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("sngrep.log").toFile()).start();
        opened.add(sngrep::destroyForcibly);
        Thread.sleep(1000); // it binds its HEP socket at start
        assertThat(sngrep.isAlive()).as("sngrep running: " + Files.readString(dir.resolve("sngrep.log"))).isTrue();

        Backend pbx = opened.backend("pbx", Backend.Behaviour.HEALTHY);
        LoopbackBalancer lb = opened.add(LoopbackBalancer.of(List.of(pbx), "siplb.event-loops=1",
                "siplb.probe.interval=0", "siplb.hep.collector=udp:127.0.0.1:" + port, "siplb.hep.node-id=7"));
        CallGenerator caller = opened.add(new CallGenerator(lb.address, false));
        String callId = caller.call(Duration.ZERO);
        await().atMost(Duration.ofSeconds(5)).until(() -> caller.completed() == 1);
        await().atMost(Duration.ofSeconds(5)).until(() -> lb.balancer.metrics().registry().get("siplb.hep.sent")
                .functionCounter().count() >= 13);
        Thread.sleep(500);
        sngrep.destroy(); // SIGTERM: sngrep closes the file
        assertThat(sngrep.waitFor(10, TimeUnit.SECONDS)).isTrue();

        List<Frame> frames = read(pcap).stream().filter(f -> f.payload().contains("Call-ID: " + callId)).toList();
        Map<InetSocketAddress, String> names = Map.of(caller.address(), "C", lb.address, "L", pbx.address(), "B");
        List<String> ladder = new ArrayList<>();
        for (Frame frame : frames) {
            ladder.add(CaptureTest.step(frame.payload(), frame.source(), frame.destination(), names));
        }
        assertThat(ladder).containsExactly("INVITE C>L", "100 L>C", "INVITE L>B", "180 B>L", "180 L>C",
                "200 B>L", "200 L>C", "ACK C>L", "ACK L>B", "BYE C>L", "BYE L>B", "200 B>L", "200 L>C");
        assertThat(frames).allSatisfy(frame -> assertThat(frame.payload()).endsWith("\r\n\r\n"));
    }

    /** The frames of a pcap file (linktype 1, Ethernet) that hold IPv4 and UDP. */
    private static List<Frame> read(Path pcap) throws IOException {
        ByteBuffer in = ByteBuffer.wrap(Files.readAllBytes(pcap)).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(in.getInt()).as("pcap magic").isEqualTo(0xa1b2c3d4);
        in.position(20);
        assertThat(in.getInt()).as("link type Ethernet").isEqualTo(1);
        List<Frame> frames = new ArrayList<>();
        while (in.remaining() >= 16) {
            in.getInt();
            in.getInt();
            int length = in.getInt();
            in.getInt();
            byte[] frame = new byte[length];
            in.get(frame);
            ByteBuffer f = ByteBuffer.wrap(frame); // network order from here
            if ((f.getShort(12) & 0xffff) != 0x0800 || f.get(23) != 17) {
                continue; // not IPv4, not UDP
            }
            int ip = 14;
            int udp = ip + (f.get(ip) & 0x0f) * 4;
            byte[] source = new byte[4];
            byte[] destination = new byte[4];
            f.get(ip + 12, source);
            f.get(ip + 16, destination);
            int payload = udp + 8;
            frames.add(new Frame(new InetSocketAddress(InetAddress.getByAddress(source), f.getShort(udp) & 0xffff),
                    new InetSocketAddress(InetAddress.getByAddress(destination), f.getShort(udp + 2) & 0xffff),
                    new String(frame, payload, (f.getShort(udp + 4) & 0xffff) - 8, StandardCharsets.UTF_8)));
        }
        return frames;
    }
}
