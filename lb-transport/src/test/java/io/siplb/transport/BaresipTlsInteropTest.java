package io.siplb.transport;

import static org.assertj.core.api.Assertions.assertThat;

import io.siplb.core.net.Transport;
import io.siplb.core.sip.SipMethod;
import io.siplb.transport.stream.StreamTransport;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.opentest4j.TestAbortedException;

/**
 * A TLS call between two baresip user agents through siplb, on loopback: alice dials siplb's TLS
 * listener, siplb forwards to bob's over TLS (verifying his certificate), bob answers and later
 * hangs up — so his BYE crosses siplb back to alice over the connection she opened. Runs in the
 * interop profile; needs {@code baresip} (Debian {@code baresip-core}, which {@code .ci/run}
 * installs). The agents are driven through their {@code ctrl_tcp} module and report their call
 * events on it.
 */
@Tag("interop")
class BaresipTlsInteropTest {
    private static final Path OUT = Path.of("target/interop").toAbsolutePath();
    private final List<Process> processes = new ArrayList<>();
    private final List<AutoCloseable> open = new ArrayList<>();

    @BeforeAll
    static void baresipIsInstalled() throws IOException, InterruptedException {
        try {
            Process probe = new ProcessBuilder("baresip", "-h").redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            probe.waitFor(10, TimeUnit.SECONDS);
        } catch (IOException e) {
            throw new TestAbortedException("baresip is not installed (apt-get install baresip-core): skipped");
        }
        Files.createDirectories(OUT);
    }

    @AfterEach
    void stop() throws Exception {
        processes.forEach(Process::destroyForcibly);
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
    }

    @Test
    void aTlsCallBetweenTwoBaresipAgentsThroughSiplb() throws Exception {
        TestTls tls = TestTls.generate("siplb interop");
        Path work = Files.createTempDirectory("siplb-baresip-");
        Path bundle = work.resolve("ua.pem"); // baresip takes certificate and key in one file
        Files.writeString(bundle, Files.readString(tls.certificate) + Files.readString(tls.key));
        int bobSip = freePair();
        int aliceSip = freePair();
        Path bob = agent(work, "bob", bobSip, freePort(), 16300, "auto", tls, bundle);
        Path alice = agent(work, "alice", aliceSip, freePort(), 16320, "manual", tls, bundle);

        List<String> settings = new ArrayList<>(List.of("siplb.listen=udp:127.0.0.1:0,tls:127.0.0.1:0",
                "siplb.failover.timeout=2s", "siplb.probe.interval=2s"));
        settings.addAll(List.of(tls.settings()));
        LoopbackBalancer lb = new LoopbackBalancer(List.of("1 sip:127.0.0.1:" + (bobSip + 1) + ";transport=tls 0 1 duid=bob"),
                settings.toArray(String[]::new));
        open.add(lb);
        int siplbTls = lb.balancer.boundAddress(Transport.TLS).getPort();

        Control bobControl = start(bob, "bob");
        Control aliceControl = start(alice, "alice");
        aliceControl.send("dial", "sip:bob@127.0.0.1:" + siplbTls + ";transport=tls");
        aliceControl.await("CALL_ESTABLISHED");
        bobControl.await("CALL_ESTABLISHED");
        bobControl.send("hangup", null); // bob's BYE: through siplb to alice's own connection
        bobControl.await("CALL_CLOSED");
        aliceControl.await("CALL_CLOSED");
        aliceControl.send("quit", null);
        bobControl.send("quit", null);

        var counters = lb.balancer.tables().counters();
        assertThat(counters.requestsByMethod.get(SipMethod.INVITE).sum()).isEqualTo(1);
        assertThat(counters.requestsByMethod.get(SipMethod.ACK).sum()).isEqualTo(1);
        assertThat(counters.requestsByMethod.get(SipMethod.BYE).sum()).as("bob's BYE crossed siplb").isEqualTo(1);
        assertThat(lb.balancer.streams().errors(StreamTransport.Error.TLS_HANDSHAKE)).isZero();
        assertThat(Files.readString(OUT.resolve("baresip-alice.log"))).contains("BYE sip:");
    }

    /** A baresip configuration directory: SIP on {@code sip} (TLS on {@code sip + 1}), no audio device. */
    private static Path agent(Path work, String name, int sip, int control, int rtp, String answerMode, TestTls tls,
            Path bundle) throws IOException {
        Path dir = Files.createDirectories(work.resolve(name));
        String config = String.join("\n",
                "poll_method epoll",
                "sip_listen 127.0.0.1:" + sip,
                "sip_certificate " + bundle,
                "sip_cafile " + tls.certificate,
                "call_local_timeout 120",
                "audio_player aubridge," + name,
                "audio_source aubridge," + name,
                "audio_alert aubridge," + name + "-alert",
                "audio_level no",
                "rtp_ports " + rtp + "-" + (rtp + 9),
                "rtcp_mux no",
                "net_interface 127.0.0.1",
                "module_path /usr/lib/baresip/modules",
                "module g711.so",
                "module aubridge.so",
                "module_tmp uuid.so",
                "module_tmp account.so",
                "module_app menu.so",
                "module_app ctrl_tcp.so",
                "ctrl_tcp_listen 127.0.0.1:" + control,
                "ringback_disabled yes",
                "statmode_default off", "");
        Files.writeString(dir.resolve("config"), config);
        Files.writeString(dir.resolve("accounts"), "<sip:" + name + "@127.0.0.1>;regint=0;answermode=" + answerMode + "\n");
        Files.writeString(dir.resolve("contacts"), "");
        Files.writeString(dir.resolve("control-port"), Integer.toString(control));
        return dir;
    }

    /** Starts an agent (-s traces its SIP messages into its log) and connects to its control port. */
    private Control start(Path dir, String name) throws Exception {
        Process process = new ProcessBuilder("baresip", "-f", dir.toString(), "-v", "-s", "-t", "60")
                .redirectErrorStream(true).redirectOutput(OUT.resolve("baresip-" + name + ".log").toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        processes.add(process);
        int port = Integer.parseInt(Files.readString(dir.resolve("control-port")).trim());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            try {
                Control control = new Control(new Socket(InetAddress.getLoopbackAddress(), port), name);
                open.add(control);
                return control;
            } catch (IOException e) {
                if (System.nanoTime() > deadline || !process.isAlive()) {
                    throw new AssertionError(name + " did not open its control port; see " + OUT, e);
                }
                Thread.sleep(100);
            }
        }
    }

    /** baresip's ctrl_tcp: JSON commands and events framed as netstrings ({@code len:json,}). */
    private static final class Control implements AutoCloseable {
        private final Socket socket;
        private final String name;
        private final BlockingQueue<String> events = new LinkedBlockingQueue<>();

        Control(Socket socket, String name) {
            this.socket = socket;
            this.name = name;
            Thread reader = new Thread(this::read, "baresip-" + name + "-events");
            reader.setDaemon(true);
            reader.start();
        }

        void send(String command, String params) throws IOException {
            String json = "{\"command\":\"" + command + "\"" + (params == null ? "" : ",\"params\":\"" + params + "\"")
                    + ",\"token\":\"" + command + "\"}";
            byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
            OutputStream out = socket.getOutputStream();
            out.write((bytes.length + ":").getBytes(StandardCharsets.US_ASCII));
            out.write(bytes);
            out.write(',');
            out.flush();
        }

        private void read() {
            try (InputStream in = socket.getInputStream()) {
                while (true) {
                    int length = 0;
                    int b;
                    while ((b = in.read()) != ':') {
                        if (b < 0) {
                            return;
                        }
                        length = length * 10 + (b - '0');
                    }
                    String json = new String(in.readNBytes(length), StandardCharsets.UTF_8);
                    in.read(); // the trailing comma
                    events.add(json);
                }
            } catch (IOException e) {
                // the agent quit
            }
        }

        /** Waits up to 10 s for an event of {@code type}. */
        void await(String type) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (System.nanoTime() < deadline) {
                String event = events.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
                if (event != null && event.contains("\"type\":\"" + type + "\"")) {
                    return;
                }
            }
            throw new AssertionError(name + " reported no " + type + " within 10 s; see " + OUT + "/baresip-" + name + ".log");
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    /** A port whose successor is free too (baresip listens for TLS on its SIP port + 1). */
    private static int freePair() throws IOException {
        for (int attempt = 0; attempt < 50; attempt++) {
            int port = freePort();
            try (ServerSocket next = new ServerSocket(port + 1, 1, InetAddress.getLoopbackAddress());
                    DatagramSocket udp = new DatagramSocket(port, InetAddress.getLoopbackAddress())) {
                return port;
            } catch (IOException e) {
                // taken: try another
            }
        }
        throw new IllegalStateException("no pair of free ports");
    }
}
